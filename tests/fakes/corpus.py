"""The corpus's inspections (`corpus/inspections/`) for tests that decide a text written for them, with
a fixed fake model, so that they check the policy rules rather than the learned model."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from intake.inspection import Inspection, load_inspection
from intake.models import Category, Decision, InboundMessage
from intake.pipeline import decide
from tests.fakes.textmodel import FakeTextModel

INSPECTIONS = Path(__file__).resolve().parents[2] / "corpus" / "inspections"
# A model sure that the text is an accusation: the rules decide scope, tier and target.
ACCUSE = FakeTextModel(categories={Category.ACCUSATION: 0.9, Category.APPEAL: 0.1})


@cache
def corpus_inspection(name: str) -> Inspection:
    """`corpus/inspections/<name>.toml`, loaded once."""
    return load_inspection(INSPECTIONS / f"{name}.toml")


def decide_in(name: str, text: str, model: object = ACCUSE) -> Decision:
    """decide() of `text` in the corpus inspection `name` with `model` (a fake, or NO_MODEL)."""
    return decide(InboundMessage(id="t", text=text), corpus_inspection(name), model=model)  # type: ignore[arg-type]
