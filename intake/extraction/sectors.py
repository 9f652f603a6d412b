"""Which functional department an appeal belongs to (policy.md section 4.3, 谁主管、谁负责).

Evidence per sector is the weight of each sector cue (sectors.tsv) and of each department named
(orgs.tsv), read so that the matter complained about outweighs the words that only set the scene:

- the opening (a subject line, a title, the first clause) states the matter: its cues count double;
- a cue repeated counts at most five times: a letter that says 小区 twenty times is not all about housing;
- a department named (人社局, 住建局) counts 2; institutions (学校, 医院) count only as sector cues,
  since a school or hospital is as often the place where a wage or a price dispute happens.
"""

from __future__ import annotations

import re
from collections import Counter

from intake.extraction.lexicons import load_lexicons
from intake.extraction.scanner import Hit
from intake.models import SECTORS

OPENING = 24  # characters: the title or first clause of a message
_OPENING_END = re.compile(r"[。！？!?\n]")
_MAX_REPEAT = 5
OPEN_FACTOR = 2
_DEPT_TYPES = frozenset({"dept", "station", "police"})


def _opening_end(text: str) -> int:
    """End of the opening: the first sentence end, but never beyond OPENING characters."""
    m = _OPENING_END.search(text, 0, OPENING)
    return m.start() if m is not None else OPENING


def sector_scores(text: str, hits: dict[str, list[Hit]]) -> Counter[str]:
    """Weighted evidence for each functional department's sector."""
    lex = load_lexicons()
    opening = _opening_end(text)
    # Plain dicts, made a Counter at the end (the same keys in the same order): a Counter's missing
    # key is a Python call each time (29 -> 16 µs a letter).
    scores: dict[str, int] = {}
    seen: dict[str, int] = {}
    for h in hits["sector"]:
        n = seen[h.word] = seen.get(h.word, 0) + 1
        if n > _MAX_REPEAT:
            continue
        factor = OPEN_FACTOR if h.start < opening else 1
        for e in lex.sectors[h.word]:
            scores[e.sector] = scores.get(e.sector, 0) + e.weight * factor
    for h in hits["org"]:
        org = lex.orgs[h.word]
        if org.sector in SECTORS and org.type in _DEPT_TYPES:
            scores[org.sector] = scores.get(org.sector, 0) + 2 * (OPEN_FACTOR if h.start < opening else 1)
    return Counter(scores)


def top_sector(scores: Counter[str]) -> str | None:
    """The sector with the most evidence, when there is enough of it (a weak hint alone is not)."""
    ranked = sorted(((v, k) for k, v in scores.items() if k in SECTORS), reverse=True)
    return ranked[0][1] if ranked and ranked[0][0] >= 2 else None
