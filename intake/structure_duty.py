"""More of structure.py's parts, read from how citizens tell misconduct on a message board.

- A public employee who runs or owns a business (在职公务员经商办企业, 干部入暗股): forbidden to the
  holder of a public post whatever the business (廉洁纪律, policy 2's "relatives' businesses" and
  利益输送 told of the official himself).
- An act told of a vague someone (房改补贴被装进了某些人的腰包) right after officials were named:
  the letter writer does not know which of them, but the someone is among those just named (村干部),
  as a pronoun would be (他们). Kept apart from structure.py's own rules so that each can change alone.
"""

from __future__ import annotations

import re

from intake.models import Discipline

DUTY_ACT_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "business",
        r"经商办企业?|违规经商|违规办企业|违规入股|(?:入|持有?|占)了?暗股|违规兼职取酬|兼职取酬",
    ),
)
DUTY_DISCIPLINES = {"business": Discipline.INTEGRITY}

# Someone the writer will not or cannot name (某些人, 个别领导): refers back like 他们 does.
_VAGUE = re.compile(r"某些人|某人|个别人|有些人|某些领导|个别领导|某些干部|个别干部|少数人")
VAGUE_REACH = 8  # characters from the vague someone to the act (某些人的腰包)


def vague_actor_before(text: str, start: int, s0: int) -> bool:
    """A vague someone right before the act, in its sentence: the act is told of an official named in
    an earlier sentence (the caller gives which), not of nobody."""
    return _VAGUE.search(text, max(s0, start - VAGUE_REACH), start) is not None
