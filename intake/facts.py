"""What the extraction found in one normalised text: the decision's facts (intake.pipeline)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from intake.classify import Conduct, Signals
from intake.extraction.places import Place
from intake.extraction.scanner import Hit
from intake.officials import Named


@dataclass(slots=True)
class Facts:
    """What the extraction found in one normalised text."""

    text: str
    hits: dict[str, list[Hit]]
    targets: list[Hit]
    places: list[Place]
    named: list[Named]
    cues: list[Conduct]
    sig: Signals
    sectors: Counter[str]
    substance: bool
    asserted: list[Conduct]  # the conduct words told as done (intake.untold), read once for every use
    staff: bool  # a staff word (司机, 会计, 工作人员) is in the text
