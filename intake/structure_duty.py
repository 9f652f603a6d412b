"""More of structure.py's parts, read from how citizens tell misconduct on a message board.

- A public employee who runs or owns a business (在职公务员经商办企业, 干部入暗股): forbidden to the
  holder of a public post whatever the business (廉洁纪律, policy 2's "relatives' businesses" and
  利益输送 told of the official himself).
- Collective or public property disposed of without the people's consent (未经村民同意把地租给了别人),
  and pay drawn for work not done however it is told (吃了十几年的空饷).
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
    # collective or public property disposed of behind the people's back (村主任没有经过村民同意，把
    # 留用地租给了别人; 私自卖了集体的山林): 侵害群众利益 (policy 2, 群众纪律)
    (
        "dispose",
        r"(?:没有|没|未)经(?:过)?[^。！？；]{0,10}?(?:同意|讨论|表决)[^。！？；]{0,14}?"
        r"(?:租给|卖给|转让|承包给|出租|卖掉|卖了|租出去|占用|征用|推平)|"
        r"私自[^。！？；，,]{0,6}?(?:租给|卖给|转让|出租|变卖|卖掉|卖了|买卖|处置|占用|挪用|发包)",
    ),
    # pay drawn for work not done, told at length (吃了十几年的空饷; 领着空饷)
    ("funds", r"吃了?[^。！？；，,]{0,8}?空饷|领(?:着|了)?[^。！？；，,]{0,4}?空饷"),
    # an official who brings in, approves or shields what is unlawful (站长默许无证的黑车进站, 主任纵容
    # 违规经营): the power of the post used against the rule it should enforce (滥用职权)
    (
        "abuse",
        r"(?:引进|批准|默许|纵容|包庇|庇护|放纵|袒护|撑腰)[^。！？；，,]{0,8}?(?:非法|违法|违规|无证|黑(?:车|厂|作坊|诊所))",
    ),
)
DUTY_DISCIPLINES = {"business": Discipline.INTEGRITY, "dispose": Discipline.MASS}

# Someone the writer will not or cannot name (某些人, 个别领导): refers back like 他们 does.
_VAGUE = re.compile(r"某些人|某人|个别人|有些人|某些领导|个别领导|某些干部|个别干部|少数人")
VAGUE_REACH = 8  # characters from the vague someone to the act (某些人的腰包)


def vague_actor_before(text: str, start: int, s0: int) -> bool:
    """A vague someone right before the act, in its sentence: the act is told of an official named in
    an earlier sentence (the caller gives which), not of nobody."""
    return _VAGUE.search(text, max(s0, start - VAGUE_REACH), start) is not None


# Officials the sender describes without a post or a name (个别领导, 当官的, 村干部): an explicit report
# aimed at them, after the report word (举报村里的几个村干部) or before it with 对/对于 (对于破坏规矩的
# 个别领导，我们要联名检举), is a report of officials like one aimed at a post (policy 3: "conduct of a
# named or described official").
_DESCRIBED = (
    r"(?:个别领导|有关领导|相关领导|某些领导|少数领导|当官的|领导干部|村干部|村组干部|党员干部|公职人员|"
    r"个别干部|某些干部|少数干部)"
)
_REPORT_WORD = r"(?:实名举报|实名检举|实名反映|举报|检举|揭发|控告)"
# (the look-ahead lets the regex engine pass most positions with one test of their character)
_DESCRIBED_REPORTED = re.compile(
    r"(?=[实举检揭控对针])"
    rf"(?:{_REPORT_WORD}[^。！？；;]{{0,20}}?(?P<a>{_DESCRIBED})|"
    rf"(?:对于|针对|对)[^。！？；;]{{0,24}}?(?P<b>{_DESCRIBED})[^。！？；;]{{0,30}}?{_REPORT_WORD})"
)
# The report is made to someone (向纪委举报), or is a channel's name, not a report (举报电话, 举报无门).
_NOT_A_REPORT = re.compile(r"举报(?:电话|热线|信箱|邮箱|平台|网站|中心|无门)")


def described_reported(text: str) -> tuple[int, int, str] | None:
    """The described officials an explicit report is aimed at: (start, end, words), or None."""
    for m in _DESCRIBED_REPORTED.finditer(text):
        if _NOT_A_REPORT.search(m.group()) is not None:
            continue
        g = "a" if m.group("a") else "b"
        return m.start(g), m.end(g), m.group(g)
    return None
