"""The policy's suggestion test read on a citizen's own words (policy.md section 3).

A suggestion is "opinions and suggestions on work, with no accusation"; an appeal is "the sender's own
request, complaint or grievance about a matter". So the test has two halves, and the second decides:

1. the sender proposes or gives an opinion on public work: a policy, a service, a plan, a facility
   for the public (建议, 希望…, 呼吁, 能否…, 应该…, 为什么不引进…, 谈几点看法), even with a word of
   complaint about the present state (路面坑洼, 交通秩序差: the problem the proposal would solve);
2. and states no grievance of the sender's own: no loss or harm the sender suffered (我家楼下路灯坏了,
   摔了一跤), no remedy asked for the sender's own person, home or property (给我们小区修一下), no plea
   or debt (帮我, 拖欠). A sender's own harm with "建议尽快处理" is an appeal.

`intake.classify.proposes` holds the proposing words the rules knew first; this module adds the ways of
proposing found in real messages without them and reads a grievance only where it is the sender's.
"""

from __future__ import annotations

import re

from intake.classify import (
    _GRIEVANCE,
    _HARM,
    Proposal,
    Signals,
    _sentence_bounds,
    proposing,
    without_titles,
)
from intake.first_chars import opening_words

# The sender speaking of themself (not 我市, 我县, 我国: the place's public matters).
_SENDER = re.compile(r"我(?![国省市县区州乡镇])|俺|本人")
# The sender's own person, home or property (我家, 我们小区, 本人的房子): a remedy asked for it is the
# sender's own request for redress.
# (through first_chars.opening_words: each alternative opens with a character re can skip to)
_OWN_THING = re.compile(
    opening_words(
        r"(?:我|俺)(?:们)?(?:家|的|小区|村|组|楼|栋|单位|公司|学校|孩子|小孩|父|母|爸|妈|爱人|老人)|本人|"
        # ... or the sender one of those affected (我是…小区业主, 我们都是…退休的职工)
        r"(?:我|俺)(?:们)?(?:都)?是[^。！？?!；;，,]{0,20}?(?:业主|住户|职工|员工|工人|家长|退休|患者|村民)"
    )
)
# A loss or harm the sender suffered, beyond classify's harm words (损失, 扰民, 迟迟 ...).
_LOSS = re.compile(
    r"摔|受伤|伤了|坏了|损坏|漏水|漏雨|停水|停电|断水|断电|被扣|扣了|罚了|拒绝|未果|无果|"
    r"多次反映|反映多次|反映了多次|至今没有|到现在还|没有答复|没人理|无人理|推诿|刁难|被骗|上当|"
    r"无法(?:用|使用|正常|入住|办理|出行|通行)|没水|没电"
)
# A remedy asked for a thing: what a sender asks for their own matter (修一下, 解决, 赔, 退钱; not 退休).
_REMEDY = re.compile(
    r"解决|处理|修(?:一下|好|复|理)|维修|赔|退(?:还|款|钱|费|回)|补发|补偿|办理|落实|恢复|还我|给我"
)
# A grievance word that is the sender's whatever the sentence (a debt, a refund, a plea for the sender).
# (through first_chars.opening_words: each alternative opens with a character re can skip to)
_ALWAYS_OWN = re.compile(
    opening_words(r"拖欠|欠薪|欠我|退款|要回|讨要|讨回|求助|帮帮|救救|(?:帮|给|替)我(?![国省市县区])")
)

# A wrong done by someone (a business's 占道, 黑车, 传销, 非法营运): told again and again, it is the
# matter the sender complains of, and a proposal to stop it asks for enforcement (policy 3's appeal:
# 噪音, 物业), not an opinion on public work. Once in a long letter it may be only the background.
_WRONG = re.compile(r"非法|违法|违规|违章|占道|扰民|噪音|噪声|黑车|传销|无证|偷排|乱搭|乱建|垄断|污水横流")
_WRONG_TOLD = 2

# Ways of proposing the first rules did not know, each on public work:
_OPINION = re.compile(
    # offering views (谈几点看法, 提几点建议, 拙见, 建言献策, 我有个想法; 建义 is a common slip for 建议)
    r"谈(?:谈|一谈)?(?:几点|一点|一些|个人的?|我的)?(?:看法|想法|意见|体会|拙见)|"
    r"几点(?:看法|意见|想法|思考)|拙见|建言|献策|献计|我有(?:个|一个|几个)(?:想法|提议)|建义|"
    # what ought to be done (应该重视, 应介入, 应该有一个农贸市场, 不能拆); not a call to act against a
    # nuisance or a wrong (管一管, 引起重视: enforcement the sender asks for, an appeal's 噪音, 违建)
    r"应(?:该|当)?(?:重视|介入|有一|有个|加大|加快|出台|规范|考虑|引进|整治|统一|提高|增加|从)|"
    r"不(?:应|应该|应当|能|该)(?:拆|只|再)|"
    # a why-not question on public provision (为什么不引进, 为何不能收取, 为什么没有校车)
    + "".join(
        w + r"[^。！？?]{0,16}?(?:不|没有|不能)[^。！？?，,]{0,6}?"
        r"(?:引进|建|修|设|开通|开设|增加|投入|配|买|考虑|收取|开放)|"
        for w in ("为什么", "为何", "怎么")
    )
    # a body asked to correct or heed a public matter (还请规划部门调查修正), a start proposed (从…做起)
    + r"请[^。！？?]{0,12}?(?:部门|局|政府|领导)[^。！？?，,]{0,8}?(?:修正|纠正|考虑|研究)|做起"
)


def _own_sentence(text: str, start: int) -> bool:
    s0, s1 = _sentence_bounds(text, start)
    return _SENDER.search(text, s0, s1) is not None


def own_grievance(text: str, sig: Signals) -> bool:
    """The sender's own request, complaint or grievance (policy 3's appeal): a plea, a debt, a harm or
    loss told in a sentence that speaks of the sender, or a remedy asked for the sender's own thing."""
    if sig.has("plea") or _ALWAYS_OWN.search(text):
        return True
    for pattern in (_GRIEVANCE, _HARM, _LOSS):
        if any(_own_sentence(text, m.start()) for m in pattern.finditer(text)):
            return True
    for m in _OWN_THING.finditer(text):
        s0, s1 = _sentence_bounds(text, m.start())
        if _REMEDY.search(text, s0, s1) or _LOSS.search(text, s0, s1):
            return True
    return False


def proposes_on_work(text: str, sig: Signals) -> bool:
    """The sender proposes something or gives an opinion on public work (titles of documents aside)."""
    own = without_titles(text)
    return proposing(own, sig) or _OPINION.search(own) is not None


def complains_of_a_wrong(text: str) -> bool:
    """The text tells of someone's wrong again and again (占道…占道, 黑车…黑车): a complaint of a matter."""
    return len(_WRONG.findall(text)) >= _WRONG_TOLD


def is_suggestion(text: str, sig: Signals) -> bool:
    """Policy 3's suggestion: a proposal or opinion on public work and no grievance of the sender's."""
    return proposes_on_work(text, sig) and not own_grievance(text, sig) and not complains_of_a_wrong(text)


def proposal_kind(text: str, sig: Signals) -> Proposal:
    """is_suggestion(), and whether the text speaks of the sender at all: a proposal that tells nothing
    of the sender (建议法院公开更多判决文书) is a suggestion whatever court words it uses, while with the
    sender in it a court word may be their own case (classify.choose_category)."""
    if not is_suggestion(text, sig):
        return Proposal.NONE
    return Proposal.OWN if _SENDER.search(text) else Proposal.PUBLIC
