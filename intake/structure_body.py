"""Accusation by structure when the one acting is a public body, or its staff described by role.

Citizens seldom know the post of whoever took the money: they write 某执法部门开价二十万, 评委暗箱操作,
村委会截留补偿款, 城管收了摊主的好处费, 研究院出具虚假证明. The policy's accusation is "conduct of a
named **or described** official" (policy 3), and its table names the acts (bribes and demands,
favouritism, rigged tendering, embezzlement, abuse of power, 徇私舞弊, 权力寻租). So a body of the
state, or its staff named by role (执法人员, 城管队员, 村干部, 评标专家, xx局的工作人员), acting in
such a way in the sentence is an accusation, as a post would be (intake.structure).

What stays an appeal: the sender's own grievance about a service (policy 3: "the sender's own request,
complaint or grievance about a matter, not about an official's misconduct"). A body that is slow,
refuses, shrugs, fines or charges the sender (不予受理, 拖着不办, 不管不问, 乱收费, 罚款) is not among the
acts read here: those are the matter of the sender's appeal, and no benefit to the body's staff or
abuse for gain is told. Only acts of the policy's table that are misconduct whoever suffers them count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick

from intake.first_chars import opening_words
from intake.structure_duty import DUTY_ACT_PATTERNS

_DUTY = dict(DUTY_ACT_PATTERNS)  # (its "funds" is one kind of three, so keyed by the two used here)

BODY_INDEX = -1  # an Actor's index when it is a body, not one of the caller's named officials

# A character of a body's name: not a function word or a verb of telling, so that a name starts where
# the body's name does (我向县财政局反映: 县财政局, not the whole clause).
_NOT_NAME = r"的了在是向给对被和与把将我你他她说到从据以由为去来找及并举报反映投诉请贵因其计让使"
_NAME = rf"(?:(?![{_NOT_NAME}])[\u4e00-\u9fff])"
_TRADE = (
    r"(?:民政|土管|国土|财政|司法|税务|工商|农经|水利|林业|农技|畜牧|计生|征地|拆迁|征收|扶贫|城建|综治|安监|"
    r"规划|房管|社保|医保|卫生|教育|公安|交通|卫健|人社|住建|环保)"
)
# A body of the state told without a post: generic (执法部门), by kind (城管局, 派出所, 村委会), or a
# named one whose name ends in a public body's word (特种设备检验检测研究院, 县财政局).
_PUBLIC_BODY = (
    r"(?:执法部门|职能部门|主管部门|监管部门|政府部门|行政部门|执法机关|行政机关|国家机关|"
    r"执法(?:局|大队|中队|队)|稽查(?:局|大队|队)|城管(?:局|大队|中队|队|部门)?|"
    r"村两委|村委会|村委|居委会|社区居委会|镇政府|乡政府|街道办事处|街道办|派出所|交警(?:大队|队)|公安局|公安机关|"
    r"评标委员会|评委会|招标办|公共资源交易中心|"
    rf"{_NAME}{{0,9}}?(?:(?![布格结骗大饭赌当变开残终]){_NAME}局|(?![客餐大舞歌门展营]){_NAME}厅)|"
    rf"{_NAME}{{1,12}}?(?:研究院|检测院|检验院|质检所|检验所|检测所|管理所|管理站|管理处)|"
    # a government of a place (镇政府, 县人民政府), not 政府 as a noun's modifier (政府补贴)
    rf"{_NAME}{{0,8}}?(?:县|市|区|镇|乡|省|州|旗|街道)(?:人民)?政府(?!补贴|补助|拨|资金|投资|采购|工程|项目|文件)|"
    # a township's or county's station or office by its trade (民政所, 国土所, 拆迁办), and a trade's
    # whole public system (卫生系统套取合作医疗资金)
    rf"{_NAME}{{0,6}}?{_TRADE}(?:所|站|办|中心|系统)"
    r")"
)
# Staff named by role: of a public body by their very title, or a body's 工作人员/干部 (not a shop's).
_ROLE_ALONE = (
    r"(?:执法人员|公职人员|公务人员|在职公务员|公务员|村干部|村官|村组干部|城管队员|协管员|民警|辅警|协警|交警|"
    r"业主评委|评委(?!会)|评标专家|审批人员|稽查人员|监管人员|"
    # officials described, not named (那些当官的, 个别领导), and whoever handles a matter in a place's
    # body (村里管低保的, 镇上负责审批的那个人)
    r"当官的|官员们?|领导们|有关领导|相关领导|个别领导|某些领导|"
    r"(?:村里|镇上|镇里|乡里|县里|局里|所里|站里|街道|社区)(?:管|负责)[^。！？；，,的]{1,6}的(?:人|那个人|干部|工作人员)?)"
)
_STAFF_OF_BODY = r"(?:(?:的|在职的?)?(?:工作人员|办事人员|执法人员|干部|领导|负责人|人员))"
_ACTOR = re.compile(f"{_ROLE_ALONE}|{_PUBLIC_BODY}{_STAFF_OF_BODY}?")

# Acts that are misconduct whoever suffers them (policy 2's table), told of a body or its staff: each
# with the words one of which any match contains (its triggers), so that one Aho-Corasick pass tells
# which patterns can match at all: most messages name none, and decide() stays as fast as before.
_ACT_TABLE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "take",
        ("贿", "好处", "回扣", "保护费", "红包", "黑钱", "吃拿卡要", "雁过拔毛", "开价"),
        r"受贿|索贿|收受贿赂|行贿受贿|收(?:了|取|受)?[^。！？；，,]{0,6}?(?:好处费|贿赂|回扣|保护费|红包|黑钱)|"
        r"吃拿卡要|雁过拔毛|开价[^。！？；]{0,8}?(?:万|元|块|成交)|(?:吃|拿)回扣|(?:收|拿)了?[^。！？；，,]{0,4}?好处",
    ),
    (
        "demand",
        ("意思意思", "表示表示", "索要", "好处", "打点", "不给"),
        r"意思意思|表示表示|索要|要好处|打点|"
        r"不给(?:好处|红包|意思|钱)?就[^。！？；]{0,4}?(?:挑毛病|刁难|找茬|为难|不批|不给办)",
    ),
    # favouritism in what a body hands out (低保、评优、名额): 优亲厚友 is the table's own word
    (
        "to_kin",
        (
            "亲厚友",
            "人情",
            "关系低保",
            "关系保",
            "亲戚",
            "亲属",
            "家属",
            "关系户",
            "自己人",
            "亲友",
            "小舅子",
            "子女",
        ),
        r"优亲厚友|厚亲厚友|人情低保|关系低保|人情保|关系保|"
        r"(?:给了|分给|评给|安排给|都给|全给|包给|留给|照顾)[^。！？；，,]{0,8}?"
        r"(?:亲戚|亲属|家属|关系户|自己人|亲友|小舅子|子女)",
    ),
    (
        "collude",
        ("同流合污", "狼狈为奸", "勾结", "沆瀣一气", "保护伞", "通风报信", "串通"),
        r"同流合污|狼狈为奸|官商勾结|沆瀣一气|(?:充当|当|做)了?[^。！？；，,]{0,6}?保护伞|通风报信|"
        # 勾结 of bodies with each other (两个局勾结起来推诿我的事) is the sender's grievance told hard: only
        # with a business or an unlawful party is it collusion
        r"(?:与|和|跟|同)[^。！？；，,]{0,10}?(?:公司|老板|商人|企业|开发商|厂|商家|不法|黑恶|传销|犯罪|黑社会)"
        r"[^。！？；，,]{0,6}?(?:勾结|串通)",
    ),
    (
        "rig",
        ("暗箱操作", "串通投标", "围标", "陪标", "量身定做", "内定"),
        r"暗箱操作|串通投标|围标|陪标|量身定做|内定",
    ),
    # (not 知法犯法: anyone may break a law he knows, a public servant building his own house too; nor
    # structure's 打招呼, 干预, 插手: a body is as often the one approached or blamed for meddling)
    (
        "abuse",
        (
            "执法犯法",
            "徇私",
            "寻租",
            "以权",
            "滥用职权",
            "权钱交易",
            "钱权交易",
            "利用职",
            "职务便利",
            "职务之便",
        ),
        r"执法犯法|徇私舞弊|徇私枉法|权力寻租|权利寻租|以权谋私|滥用职权|以权压法|权钱交易|钱权交易|"
        r"利用职务|利用职权|职务便利|职务之便",
    ),
    (
        "fake",
        ("出具", "弄虚作假", "伪造"),
        r"出具(?:了)?[^。！？；，,]{0,6}?(?:虚假|不实|假)的?[\u4e00-\u9fff]{0,4}?(?:证明|材料|报告|鉴定|结论)|弄虚作假|"
        r"伪造[^。！？；，,]{0,6}?(?:证明|材料|公章|签名|手续)",
    ),
    (
        "funds",
        ("贪污", "侵吞", "中饱私囊", "私分", "截留", "冒领", "挪用", "套取", "骗取", "小金库", "公款吃喝"),
        r"贪污|侵吞|中饱私囊|私分|截留|虚报冒领|冒领|挪用|"
        r"(?:套取|骗取)[^。！？；，,]{0,8}?(?:资金|补贴|补助|款|经费)|小金库|公款吃喝",
    ),
    ("vote", ("拉票", "买票", "贿"), r"拉票|买票|贿选"),
    # structure_duty's: a public employee's business, collective property disposed of without consent
    ("business", ("经商", "办企业", "入股", "暗股", "兼职取酬"), _DUTY["business"]),
    ("dispose", ("同意", "讨论", "表决", "私自"), _DUTY["dispose"]),
)
BODY_KINDS = frozenset(kind for kind, _, _ in _ACT_TABLE)
_ACT_RES = tuple((kind, re.compile(opening_words(pattern))) for kind, _, pattern in _ACT_TABLE)


@cache
def _triggers() -> Any:
    """An automaton from each trigger word to the indices of the patterns it may start."""
    automaton = ahocorasick.Automaton()
    index: dict[str, set[int]] = {}
    for i, (_, words, _) in enumerate(_ACT_TABLE):
        for w in words:
            index.setdefault(w, set()).add(i)
    for w, ids in index.items():
        automaton.add_word(w, frozenset(ids))
    automaton.make_automaton()
    return automaton


def body_act_matches(text: str) -> list[tuple[str, re.Match[str]]]:
    """Every match of a body act pattern in `text`, by kind; only the patterns whose triggers occur run."""
    wanted: set[int] = set()
    for _, ids in _triggers().iter(text):
        wanted |= ids
    return [(_ACT_RES[i][0], m) for i in sorted(wanted) for m in _ACT_RES[i][1].finditer(text)]


_REACH = 30  # characters from the body to the act, in one sentence
# A private party closer to the act than the body is the one acting (开发商 … 勾结 is told of both;
# 物业公司的工作人员收了红包 is no public servant).
_PRIVATE = re.compile(r"公司|集团|物业|开发商|老板|商家|企业|协会|商户|厂家|传销组织|个人")


# An act named to be prevented, not told as done (请公开回复，防止暗箱操作; 严禁吃拿卡要).
_FORESTALLED = re.compile(
    r"(?:防止|杜绝|避免|严禁|不得|禁止|不要|不能|以免|谨防|严防|坚决打击|打击)[^。！？；，,]{0,4}$"
)
# Kinds whose object may be the sender (照顾一下我们的子女 is a plea to a body, not a favour to kin).
_KIN_KINDS = frozenset({"to_kin", "favour_kin", "kin_business"})


# An act the sender only suspects (大家猜测…当了保护伞; 有…之嫌): a reader takes it as the
# sender's complaint about how the matter was handled, not a report of what was done.
_SUSPECTED = re.compile(r"怀疑|猜测|猜想|莫非|恐怕|可能|之嫌|难免|或者|或许|也许|是不是|难道")


def told_as_done(text: str, kind: str, start: int, words: str, s0: int = 0) -> bool:
    """The act is told as something the body did: not one to be prevented or only suspected (in its
    sentence, `s0` its start), and for favours to kin not one whose beneficiary is the sender or the
    sender's own family."""
    if _FORESTALLED.search(text, max(0, start - 8), start) is not None:
        return False
    if _SUSPECTED.search(text, s0, start) is not None:
        return False
    return not (kind in _KIN_KINDS and "我" in words)


@dataclass(frozen=True, slots=True)
class BodyMention:
    """A public body or its staff named by role: the words and where they stand."""

    start: int
    end: int
    words: str


def body_mentions(text: str) -> list[BodyMention]:
    """Every public body or role the text names, in text order (leftmost-longest)."""
    return [BodyMention(m.start(), m.end(), m.group()) for m in _ACTOR.finditer(text)]


def body_actor_before(
    mentions: list[BodyMention], text: str, s0: int, start: int, *, private_ok: bool = False
) -> BodyMention | None:
    """The body acting: the nearest one named shortly before the act in its sentence, unless a private
    party (a company, a boss) stands between it and the act (`private_ok`: collusion is told of both)."""
    before = [b for b in mentions if s0 <= b.start and b.end <= start and start - b.end <= _REACH]
    if not before:
        return None
    body = before[-1]
    if _PRIVATE.search(body.words) is not None:
        return None
    if not private_ok and _PRIVATE.search(text, body.end, start) is not None:
        return None
    return body
