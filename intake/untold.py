"""Conduct words the letter does not tell as done: named to be prevented or wished away.

The lexicon's vote counts a conduct word asserted near an official; the extraction already sets aside
the denied (没有收钱) and the asked (是否收钱？). A letter that asks for better supervision also names
what the supervision should prevent: 施工中要杜绝吃回扣, 防止暗箱操作, 希望窗口人员不要借着审批
谋取私利. Those words describe no act of anybody, so they are no accusation's evidence
(structure_body's told_as_done reads a body's acts alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from intake.classify import Conduct

_END = "。！？!?；;\n"
# Named to be prevented right before the word (防止暗箱操作, 杜绝吃拿卡要); not 不能, whose 不能让贪污的
# 局长逍遥法外 tells the act.
_PREVENTED = re.compile(r"(?:防止|杜绝|避免|严禁|不得|禁止|以免|谨防|严防)[^。！？；，,]{0,4}$")
# A wish that something not be done, from the start of its clause to the conduct word: 希望…不要…,
# 要求…不得…, or a clause that opens with the prohibition (…，不要让维修变成谋取私利的机会). The
# wish may be long (希望有的干部不要借着手里的审批权…), so its reach is the clause.
_WISHED_AWAY = re.compile(
    r"(?:(?:希望|要求|请|应当|应该|务必|一定要|必须|要)[^。！？；;，,]{0,16}?"
    r"(?:不要|不能|不得|别再|不准|杜绝|防止|避免|严禁)|"
    r"^\s*(?:也|更|还|千万|绝)?(?:不要|不得|别再|杜绝|防止|避免|严禁))"
    r"[^。！？；;，,]{0,24}$"
)
# A prevention verb earlier in the sentence, and the word heading a kind of conduct (…等腐败行为,
# …的不正之风) shortly after the conduct word: the conduct word is one item of what is to be prevented.
_PREVENT = re.compile(r"杜绝|防止|避免|严禁|严防|谨防|遏制|预防")
_KIND_AFTER = re.compile(r"[^。！？；;]{0,10}?(?:行为|现象|歪风|风气|之风|问题)")
_CLAUSE = "。！？!?；;\n，,"


def told(text: str, start: int) -> bool:
    """Whether the conduct word at `start` is told as something done (not prevented, not wished away)."""
    if _PREVENTED.search(text, max(0, start - 8), start) is not None:
        return False
    c0 = max(text.rfind(mark, 0, start) for mark in _CLAUSE) + 1
    if _WISHED_AWAY.match(text[c0:start]) is not None:
        return False  # the prohibition opens the conduct word's own clause
    s0 = max(text.rfind(mark, 0, start) for mark in _END) + 1
    if _PREVENT.search(text, s0, start) is not None and _KIND_AFTER.match(text, start) is not None:
        return False  # 杜绝吃回扣、偷工减料等腐败行为: a list of what to prevent, headed by 行为
    return _WISHED_AWAY.search(text, s0, start) is None


# The words of a body's or an official's inaction. In a letter that asks for the sender's own matter to
# be settled (帮忙解决, 讨个说法, 投诉: the plea signal), they are how the sender tells the grievance (我的事
# 拖了半年，工作人员不作为), which policy 3 makes an appeal: not an official's misconduct to investigate.
INACTION_CUES = frozenset({"不作为", "慢作为", "懒政", "不管不问", "推诿", "踢皮球", "拖着不办", "不闻不问"})


def own_matter_inaction(cue: str, plea: bool) -> bool:
    """Whether a conduct word is inaction told in a plea for the sender's own matter."""
    return plea and cue in INACTION_CUES


def asserted(text: str, cues: Iterable[Conduct], plea: bool) -> list[Conduct]:
    """The conduct words told as done: not denied, asked, prevented, wished away, or the inaction of a
    plea for the sender's own matter."""
    return [
        c
        for c in cues
        if not c.denied and not c.asked and told(text, c.start) and not own_matter_inaction(c.cue, plea)
    ]
