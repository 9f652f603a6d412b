"""Officials the sender asks for help, not officials the sender accuses.

A citizen's letter turns to someone with power over the matter: 向县委书记反映补偿的事, 请县长过问一下,
盼刘主任出面协调, 恳请院长关心一下, 写给市长的一封信. That official is the one petitioned (the
reader, or the one whose help is sought), like the addressee of a greeting (尊敬的局长：您好), which
the extraction already sets apart. Any conduct word of the letter (违规, 挪用, 强拆) is then told of
somebody else, often a company or a body the petitioned official is asked to correct: it must not be
attached to the petitioned official, neither by the structure nor by the lexicon, and a petitioned
official of the inspected unit is no reason to take the letter in scope.

What stays an accusation: an official named between the asking word and the act of reporting or
investigating (请纪委查处王局长, 向纪委举报李书记: 查处 and 举报 stand between, so 王局长 is the
one to be dealt with), and whatever the letter tells of any other official.
"""

from __future__ import annotations

import re

# Words by which a letter turns to an official (the official follows them); not the 向 of 一向, 方向.
_ASKING = (
    r"(?:(?<![一方转走意倾面导志])向|通过|经由|致|写给|寄给|呈给|请求|恳请|恳求|敬请|请|求求|求|盼望|盼|期望|希望|望|"
    r"拜托|呼吁)"
)
# What may stand between the asking word and the official: a place or body name, a surname, a modal
# (能, 能够, 您), a polite epithet (一向体恤百姓的), at most this many characters, with no punctuation.
_GAP = 14
# ... but not a verb that makes the official the object of the asking (请纪委查处局长, 希望上级对书记
# 进行调查, 请把镇长撤了): then the official is the one to be dealt with, not the one asked.
_OBJECT_OF = re.compile(
    r"查|处理|处分|处罚|追究|问责|举报|检举|揭发|控告|投诉|反映|调查|核实|监督|管管|撤|罢免|严惩|惩处|"
    r"开除|对|把|将|让|叫|给|帮|替|为|关于|有关|和|与|跟|同|及|的(?:事|问题)"
)
_ASKING_RE = re.compile(_ASKING)
_PAUSE = re.compile(r"[。！？!?；;，,、：:\n]")
# What the asked official is asked to do, right after the mention: help, attention, a ruling.
_ASKED_TO = re.compile(
    r"(?:大人|同志|先生|女士|们|您)?\s*(?:能够?|可以|一定|尽快|务必|亲自|高度)?\s*的?"
    r"(?:帮|关注|重视|过问|主持|做主|作主|讨|救|解决|出面|督促|督办|协调|关心|关怀|体察|为民|为我|为我们|"
    r"给(?:我|我们|老百姓|百姓|群众)|查实|予以|指条|指点|明察|高抬|救救|伸张|还(?:我|我们|百姓)|"
    r"批示|回复|答复|看看|了解|听听|[:：,，!！])"
)

# After 向 and the official, a verb of telling or pleading makes the official the one told.
_TOLD_TO = re.compile(
    r"(?:大人|同志|们|您)?\s*(?:反映|举报|检举|投诉|报告|汇报|求助|申诉|上访|写信|请求|求|说明|呼吁|提出|建议)"
)


def petitioned(text: str, start: int, end: int) -> bool:
    """Whether the official mentioned at text[start:end] is one the sender turns to for help: an asking
    word shortly before the mention (nothing between it that makes the official the object of the
    asking), and a request or a pause right after (请局长过问一下, 向县委书记反映补偿的事, 盼主任出面协调)."""
    asking = list(_ASKING_RE.finditer(text, max(0, start - _GAP - 4), start))
    if not asking:
        return False
    m = asking[-1]  # the nearest: an earlier one is separated from the official by it
    gap = text[m.end() : start]
    if len(gap) > _GAP or _PAUSE.search(gap) is not None or _OBJECT_OF.search(gap) is not None:
        return False
    # 写给/致 name the reader whatever follows; the other asking words need a request after the mention.
    if text[m.start() : m.start() + 2] in ("写给", "寄给", "呈给") or text[m.start()] == "致":
        return True
    if m.group() in ("向", "通过", "经由"):  # 向局长反映 (the one told), not 向局长送礼 (given to)
        return _TOLD_TO.match(text, end) is not None or _ASKED_TO.match(text, end) is not None
    return _ASKED_TO.match(text, end) is not None
