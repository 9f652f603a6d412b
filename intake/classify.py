"""What kind of item a message is (policy.md section 3), from the conduct and signal vocabulary.

An accusation needs conduct that is asserted (not denied: 没有收礼; not asked about: 是否收礼)
and someone it is asserted of. Everything here is a pure function of the scanned hits.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

from intake.extraction.lexicons import load_lexicons
from intake.extraction.scanner import Hit
from intake.first_chars import opening_words
from intake.models import Category, Discipline

_SENTENCE_END = frozenset("。！？!?；;\n")
_NEGATION_REACH = 3  # a negation word ends at most this many characters before the cue (没有收礼, 从未收受过)
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")
_WORD = re.compile(r"[A-Za-z]{2,}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d{7,}|[零一二三四五六七八九〇]{7,}")


@dataclass(frozen=True, slots=True)
class Conduct:
    cue: str
    disciplines: tuple[Discipline, ...]
    strength: int
    start: int
    denied: bool
    asked: bool


@dataclass(frozen=True, slots=True)
class Signals:
    """Counts of each signal kind, and the words behind them."""

    counts: Counter[str]
    words: dict[str, list[str]]

    def has(self, kind: str) -> bool:
        return self.counts.get(kind, 0) > 0  # (get: a Counter's missing key is a Python call)


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    # find/rfind per mark run in C; a Python step per character cost tens of µs in a long sentence.
    i = max(text.rfind(mark, 0, pos) for mark in _SENTENCE_END) + 1
    ends = [j for j in (text.find(mark, pos) for mark in _SENTENCE_END) if j >= 0]
    return i, min(ends, default=len(text))


def signals(hits: dict[str, list[Hit]]) -> Signals:
    """The category cues present in the text."""
    lex = load_lexicons()
    counts: dict[str, int] = {}  # made a Counter at the end: the same keys in the same order
    words: dict[str, list[str]] = {}
    for h in hits["signal"]:
        for kind in lex.signals[h.word]:
            counts[kind] = counts.get(kind, 0) + 1
            words.setdefault(kind, []).append(h.word)
    return Signals(Counter(counts), words)


def conduct(text: str, hits: dict[str, list[Hit]]) -> list[Conduct]:
    """Conduct cues, each marked denied (negated) or asked (inside a question)."""
    lex = load_lexicons()
    negations = [h for h in hits["signal"] if "negation" in lex.signals[h.word]]
    questions = [h for h in hits["signal"] if "question" in lex.signals[h.word]]
    out: list[Conduct] = []
    for h in hits["conduct"]:
        entries = lex.conduct[h.word]
        s0, s1 = _sentence_bounds(text, h.start)
        denied = any(
            h.start - _NEGATION_REACH <= n.end <= h.start and n.start >= s0 and not _negation_is_part(n, h)
            for n in negations
        )
        asked = (s1 < len(text) and text[s1] in "?？") or any(s0 <= q.start < s1 for q in questions)
        out.append(
            Conduct(
                h.word,
                tuple(e.discipline for e in entries),
                max(e.strength for e in entries),
                h.start,
                denied,
                asked,
            )
        )
    return out


def _negation_is_part(negation: Hit, cue: Hit) -> bool:
    return negation.end > cue.start


def disciplines_of(cues: list[Conduct]) -> list[Discipline]:
    """The disciplines of the asserted conduct, in the policy table's order."""
    found = {d for c in cues if not c.denied and not c.asked for d in c.disciplines}
    return [d for d in Discipline if d in found]


def empty_anyway(text: str, sig: Signals) -> bool:
    """No content even where a word of substance appears: four advertising words (an advert names its
    trade: 辅导, 新店) or nothing but a greeting (老师好, 领导好: the post is the reader)."""
    if len(set(sig.words.get("spam", []))) >= 4:
        return True
    greeting = sig.words.get("greeting", [])
    rest = text
    for w in greeting:
        rest = rest.replace(w, "")
    return bool(greeting) and not _CONTENT.search(rest)


def is_no_content(text: str, sig: Signals, has_substance: bool) -> tuple[bool, str, str]:
    """Empty, greeting, test, spam or gibberish: (empty, the ground's code, the words behind it)."""
    han = len(_HAN.findall(text))
    if not _CONTENT.search(text):
        return True, "no_words", ""
    spam = sig.counts["spam"] + (1 if _DIGITS.search(text) else 0)
    if (spam >= 3 and not has_substance) or len(set(sig.words.get("spam", []))) >= 4:
        return True, "advertising", "、".join(sig.words.get("spam", []))
    stripped = text
    for kind in ("greeting", "test"):
        for w in sig.words.get(kind, []):
            stripped = stripped.replace(w, "")
    rest = len(_HAN.findall(stripped))
    if not has_substance and (sig.has("greeting") or sig.has("test")) and rest <= 4:
        return True, "greeting", "、".join(sig.words.get("greeting", []) + sig.words.get("test", []))
    if not has_substance and han < 5 and len(_WORD.findall(text)) < 3:
        return True, "too_short", ""
    return False, "", ""


# The sender proposes (建议增设, 希望能开通, 呼吁) rather than complains ...
_POLICY = "实行|推行|试行|改革|调整|取消|放开|放宽|统一|普及|立法"  # what a proposal on a policy asks for
_BODY = "局|部门|政府|领导|厅|委|办"  # a body asked to act (请市教育局…, 请有关部门…)
_PROPOSES = re.compile(
    r"建议|提议|提请|倡议|呼吁|恳请.{0,8}(?:增设|开通|设立|出台)|"
    r"希望.{0,8}(?:加强|增设|增加|设立|开通|出台|完善|改进|规范|推广|考虑|多|延长|建设|修建)|"
    # a wish for more of a public service told in a clause of its own (希望州政府机关食堂早餐多几个品种)
    r"希望[^。！？?，,我]{6,14}?多(?:几个|一些|一点|些|开|设|配)|"
    r"能否考虑|可否考虑|是否可以考虑|应该(?:加强|增设|完善|设立|出台)|"
    # 能不能提前一个礼拜通知: asks a change of practice, not the sender's own matter
    + "".join(w + r"(?:提前|延长|增加|多开|多设|开通|增设)|" for w in ("能不能", "可不可以"))
    # ... hopes for, asks or wonders about a change of policy (希望…尽快实行, 强烈要求…实行指纹确认,
    # 能否在这方面进行改革), asks a body to weigh or make a change (请领导考虑, 请县教育局取缔…), says
    # what ought to be done (应该禁止, 应该建人行天桥), names the best remedy (最好的办法就是…) or what
    # a change would improve (如果这一点能够改善)
    # (a hope may run over a clause; a demand or a question stays in its clause: 要求 is as often a rule's)
    + "".join(w + rf"[^。！？?]{{0,24}}?(?:{_POLICY})|" for w in ("希望", "期望", "期盼"))
    + "".join(
        w + rf"[^。！？?，,]{{0,16}}?(?:{_POLICY})|" for w in ("要求", "请求", "能否", "可否", "是否可以")
    )
    + rf"请(?:领导|政府|有关部门|相关部门|上级)(?:考虑|研究)|"
    rf"请[^。！？?]{{0,10}}?(?:{_BODY})[^。！？?，,]{{0,8}}?(?:取缔|更换|禁止|增设|开通|引进|作出计划|{_POLICY})|"
    r"应(?:该|当)?(?:禁止|取缔|建|修建|增设|引进|设立)|"
    rf"最好的(?:办法|方法|做法)(?:就)?是|如果[^。！？?]{{0,10}}?能(?:够)?(?:改善|改进|完善|{_POLICY})"
)
# 意见 alone is no proposal: 征求我意见, 意见很大 say nothing of what the sender proposes.
_NOT_PROPOSING = frozenset({"意见"})
# ... and states no grievance of their own: a debt, a refund or a plea for the sender, whatever the words
# around it (拖欠, 退款, 帮我, 给我们小区) ...
# (through first_chars.opening_words: each alternative opens with a character re can skip to)
_GRIEVANCE = re.compile(
    opening_words(
        r"投诉|拖欠|欠薪|欠款|欠我|不给|不退|不发|没发|未发|赔偿|维权|被骗|骗了|受害|强行|强拆|要回|讨要|讨回|"
        r"退还|退款|求助|帮帮|救救|冤|(?:帮|给|为|替)我(?![国省市县区])"
    )
)
# ... nor a harm told of the sender (我们小区…扰民, 我的申请迟迟没有批): the same words in a proposal on a
# public matter (严重影响交通, 损失很大) describe the problem it would solve (policy 3: an appeal is the
# sender's own request or grievance, a suggestion an opinion on work).
_HARM = re.compile(
    r"不满|不解决|没人管|无人管|损失|扰民|苦不堪言|乱收费|乱收|气愤|愤怒|严重影响|无法入睡|至今未|迟迟|"
    r"一直没|不作为|意见很大|意见大|有意见"
)
_QUOTED = re.compile(r"《[^》]{0,80}》|建议函")
_FIRST_PERSON = re.compile(r"我(?![国省市县区])|俺|本人")


def _own_harm(text: str) -> bool:
    """A harm word in a sentence that speaks of the sender (我, 我们, 本人; not 我市, 我县)."""
    for m in _HARM.finditer(text):
        s0, s1 = _sentence_bounds(text, m.start())
        if _FIRST_PERSON.search(text, s0, s1):
            return True
    return False


def without_titles(text: str) -> str:
    """The text with documents' titles taken out: 《…的建议》 and 建议函 are not the sender proposing."""
    if "《" not in text and "建议函" not in text:  # most letters: no substitution to make
        return text
    return _QUOTED.sub("", text)


def proposing(own: str, sig: Signals) -> bool:
    """`own` (a text `without_titles`) holds a proposing word of the lexicon or of `_PROPOSES`."""
    if any(w not in _NOT_PROPOSING and w in own for w in sig.words.get("suggestion", [])):
        return True
    return _PROPOSES.search(own) is not None


def proposes(text: str, sig: Signals) -> bool:
    """A suggestion: the text proposes something and states no grievance or plea of the sender's."""
    if sig.has("plea") or _GRIEVANCE.search(text) or _own_harm(text):
        return False
    return proposing(without_titles(text), sig)


class Proposal(IntEnum):
    """What the rules' suggestion test found: no proposal, a proposal in a text that speaks of the
    sender (我, 本人: a court word may be the sender's own case), or one that does not
    (intake.proposal.proposal_kind decides which)."""

    NONE = 0
    OWN = 1
    PUBLIC = 2


def choose_category(
    *,
    sig: Signals,
    sector_top: int,
    suggestion: Proposal,
) -> tuple[Category, str]:
    """The rules' category when no accusation is found (no_content is decided before)."""
    # 建议法院公开更多判决文书: a proposal on a court's work that tells no case of the sender's is a
    # suggestion (policy 3), whatever court words it uses.
    if suggestion is Proposal.PUBLIC:
        return Category.SUGGESTION, "、".join(dict.fromkeys(sig.words.get("suggestion", [])))
    # 诉访分离 applies when the case itself is the matter, not when a wage claim mentions a court once.
    legal = 2 * sig.counts["litigation"] + sig.counts["litigation_hint"]
    if sig.has("litigation") and 2 * legal >= sector_top:
        words = sig.words.get("litigation", []) + sig.words.get("litigation_hint", [])
        return Category.LITIGATION, "、".join(dict.fromkeys(words))
    if suggestion:
        return Category.SUGGESTION, "、".join(dict.fromkeys(sig.words.get("suggestion", [])))
    return Category.APPEAL, ""
