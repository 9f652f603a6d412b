"""Accusation by structure: an identified official as the one acting, plus an act that benefits them or
people close to them, abuses a post, takes or demands something, or breaks a rule.

People describe misconduct in words no list can enumerate (爱人开了家事务所，项目都外包给了这家所;
让被审计单位"意思意思"; 车是老板送的，挂的是别人的名字). What stays stable is the shape of the
sentence: an actor (a post, a roster name, 领导/干部 of a body, or 他/她 referring back to one), then,
later in the same sentence, one of a few kinds of act built from small general parts:

- a relation (爱人, 小舅子, 老乡 ...) with a business object (公司, 所, 工程, 项目) and a benefit
  verb (外包, 承包, 中标, 给了): relatives' business;
- a promotion verb with a relation (只用自己的老乡, 提拔亲信): favouritism in appointments;
- a transfer of value to the actor (收/拿/要 + 钱/红包/卡, 老板送的车, 随礼) or a demand (意思意思,
  不给就挑毛病);
- public money moved (把单位的钱转到关联公司), a post used (利用职务便利), a name borrowed (挂别人的名字),
  a lavish event (摆了六十多桌), leisure in working hours.

An explicit 举报/检举/揭发/控告/实名反映 aimed at an official is an accusation on its own unless the
text only asks for the sender's own benefit. A denied (没有收钱) or asked (是否收钱？) act does not count.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from intake.first_chars import opening_words
from intake.models import Discipline
from intake.structure_body import (
    BODY_INDEX,
    body_act_matches,
    body_actor_before,
    body_mentions,
    told_as_done,
)
from intake.structure_duty import (
    DUTY_ACT_PATTERNS,
    DUTY_DISCIPLINES,
    described_reported,
    vague_actor_before,
)
from intake.untold import told

_END = "。！？!?；;\n"
_SENTENCE = re.compile(f"[^{_END}]*[{_END}]?")

_REL = (
    r"(?:爱人|老婆|妻子|媳妇|夫人|丈夫|老公|儿子|女儿|女婿|儿媳|小舅子|小姨子|大舅哥|舅子|连襟|弟弟|哥哥|姐姐|"
    r"妹妹|姐夫|妹夫|弟媳|侄子|侄女|外甥|表弟|表哥|表妹|堂弟|堂兄|亲戚|亲属|家属|家人|父亲|母亲|岳父|丈人|"
    r"亲家|老乡|同乡|同学|战友|情人|情妇|小三|秘书|司机|亲信|心腹|朋友|发小|哥们|自己人|关系户|老同事)"
)
# _REL not right after 父, 母 or 岳 (父亲戚 is not 亲戚), the test made after each word's first character
# (爱(?<![父母岳]爱)人): every alternative then opens with a character, and the regex engine skips to the
# candidate characters instead of trying three look-behinds at every position (27 -> 3 µs a letter).
_REL_NOT_AFTER_PARENT = (
    "(?:" + "|".join(w[0] + f"(?<![父母岳]{w[0]})" + w[1:] for w in _REL[3:-1].split("|")) + ")"
)
_BUSINESS = (
    r"(?:公司|事务所|所|工程|项目|厂|店|企业|生意|买卖|股份|干股|合作社|酒店|饭店|工地|业务|中介|门面)"
)
_BENEFIT = (
    r"(?:外包|包给|承包|承揽|揽|中标|拿到|拿下|接了|给了|交给|转给|指定|介绍给|垄断|供货|采购|入股|分红|干股|"
    r"独家|全给|都给|只给|优先|照顾|在送|送货|供应|在做|承建|包了)"
)
_PROMOTE = (
    r"(?:提拔|提干|任用|重用|只用|用人|安排|招录|招聘|录用|调入|调进|进了|当上|当了|升了|升任|破格|转正|入编|"
    r"选拔|推荐|考上|提了|连提|提到|提成了|弄进|塞进|进了)"
)
# What is given to an official as such: gifts, kickbacks, shares (money alone is as often a fee).
_GIFT = (
    r"(?:红包|利是|礼金|礼品|礼物|购物卡|超市卡|加油卡|烟酒|好烟|茅台|名酒|金条|好处|回扣|好处费|提成|干股|贿赂|"
    r"贵重|特产|土特产|手表)"
)
_VALUE = r"(?:" + _GIFT[3:-1] + r"|钱|现金|车|房|万元|万块|美元)"
_GIVER = (
    r"(?:老板|商人|开发商|包工头|下属|被审计单位|企业|承包商|供应商|施工方|老总|私企|人家|家长|商户|摊贩)"
)
_ACT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("kin_business", _REL + r"[^。！？；]{0,30}?" + _BENEFIT),
    (
        "kin_business",
        _REL + r"[^。！？；]{0,12}?(?:开|办|经营|注册|成立|开了|办了)[^。！？；]{0,12}?" + _BUSINESS,
    ),
    ("favour_kin", _PROMOTE + r"[^。！？；]{0,14}?" + _REL),
    # (not a parent: 老父亲当了半辈子护林员 is the sender's family's life, and an official's parents are
    # not the ones a post is handed to)
    (
        "favour_kin",
        _REL_NOT_AFTER_PARENT
        + r"(?<!父亲)(?<!母亲)(?<!岳父)(?<!丈人)[^。！？；]{0,10}?(?:都|全|被)?"
        + _PROMOTE,
    ),
    # (收咗, 拎咗: the same in Cantonese)
    ("take", r"(?:收了?|收受|收下|拿了?|接受|笑纳|索要|索取|要了|收咗|拎咗)[^。！？；，,]{0,8}?" + _GIFT),
    ("take", _GIVER + r"[^。！？；]{0,8}?(?:送|给|塞)的?[^。！？；，,]{0,6}?" + _VALUE),
    ("take", r"(?:车|房|表|钱|卡|酒)[^。！？；，,]{0,4}?是?" + _GIVER + r"送的"),
    ("take", r"随礼|随份子|收礼"),
    ("take", r"(?:给|向)[^。！？；，,]{0,8}?(?:送|塞|上供)(?:点|了|些)?(?:东西|礼|钱|红包|烟|酒)"),
    ("kin_business", r"(?:公司|老板|老总|承包人|包工头)[^。！？；]{0,10}?是[^。！？；]{0,10}?" + _REL),
    (
        "demand",
        r"意思意思|表示表示|吃拿卡要|索要|要好处|打点|"
        r"不给(?:好处|红包|意思|钱)?就[^。！？；]{0,4}?(?:挑毛病|刁难|找茬|为难|不批|不给办)",
    ),
    (
        "nominee",
        r"挂(?:的是|在)?[^。！？；，,]{0,6}?(?:别人|他人|亲戚|亲属|老婆|爱人|儿子|女儿|朋友|司机|外人)的?名|在别人名下|代持|借名|借用他人名义",
    ),
    (
        "abuse",
        r"利用职务|利用职权|职务便利|职务之便|以权谋私|权钱交易|滥用职权|仗着|仗势|打招呼|插手|干预|说情|搞特权|吃回扣",
    ),
    (
        "funds",
        r"(?:单位|公家|国家|集体|财政|专项|扶贫|低保|补助|补贴|村里|厅里|局里|公司)的?(?:钱|款|资金|经费|公款|物资)[^。！？；]{0,16}?(?:转到|转给|转入|打到|打给|划到|划给|挪|据为己有|私分|装进|拿去|占为|套|报销|吃喝|借给)",
    ),
    ("funds", r"关联公司|套取|虚开|虚报|冒领|截留|侵占|贪污|私分|公款|小金库|假账|吃空饷|挪用"),
    # money owed to others, held back and put to another use (补贴拖着不发，钱拿去垫了别的项目): 挪用
    (
        "funds",
        r"(?:钱|款|资金|补贴|补助)[^。！？；，,]{0,3}?(?:被|让)?(?:拿去|挪去|挪到|调去)(?:垫|填|补|还)",
    ),
    (
        "lavish",
        r"(?:结婚|婚礼|婚宴|办事|丧事|葬礼|寿宴|过寿|生日|升学宴|满月|乔迁|嫁女|娶媳妇|办酒)[^。！？；]{0,16}?(?:摆|办|开|请)[^。！？；]{0,8}?(?:桌|席)|大操大办|大摆宴席",
    ),
    ("affair", r"情人|情妇|包养|小三|婚外情|不正当关系|开房"),
    (
        "idle",
        r"(?:上班时间|工作时间|上班期间|上班时|工作日)[^。！？；]{0,12}?(?:打麻将|打牌|麻将|斗地主|喝酒|钓鱼|玩游戏|打游戏|炒股|睡觉|逛街|赌)|公车私用|开公车|用公车|公款吃喝|赌博",
    ),
    # a benefit handed to someone close: 把工程都包给了他侄子, 低保名额都给了自己的亲戚
    (
        "to_kin",
        r"(?:包给|给了|交给|转给|让给|分给|评给|留给|安排给|都给|全给|打给|给)[^。！？；]{0,6}?(?:他|她|自己)?的?"
        + _REL,
    ),
    (
        "kin_business",
        _REL + r"[^。！？；]{0,40}?(?:项目|工程|业务|订单|生意|采购)[^。！？；]{0,10}?(?:给|包|交|让)",
    ),
    (
        "take",
        r"(?:收了?|收受|拿了?|要了)[^。！？；，,]{0,4}?"
        + _GIVER
        + r"[^。！？；，,]{0,6}?(?:钱|万|现金|好处|红包|块|元)",
    ),
    ("take", r"(?:都是|是)[^。！？；，,]{0,4}?(?:" + _GIVER[3:-1] + r"|别人|他人)(?:送|给)的"),
    (
        "wealth",
        r"(?:买了|有)[^。！？；，,]{0,6}?(?:几|两|三|四|五|好几|多)套(?:房|别墅)|工资[^。！？；]{0,6}?买不起|来路不明",
    ),
    (
        "vote",
        r"(?:发|给|送)[^。！？；]{0,10}?(?:钱|红包|礼品|米|油|烟)[^。！？；]{0,8}?(?:投|选)[^。！？；]{0,4}?(?:票|他|她)|拉票|买票|贿选|让(?:大家|我们|人)?投[^。！？；]{0,6}?的?票",
    ),
    (
        "fake",
        r"(?:档案|年龄|学历|文凭|履历|出生日期)[^。！？；]{0,8}?(?:改|造假|假的|伪造|篡改)|(?:伪造|篡改)[^。！？；]{0,6}?(?:档案|年龄|学历)",
    ),
    (
        "defy",
        r"(?:上面|上级|中央|省里|国家|组织)的?(?:规定|政策|要求|精神|文件|决定)[^。！？；]{0,12}?(?:行不通|不管用|不执行|不落实|不当回事|耳旁风|不用管|照样|听听就行|听听就好|听听而已|做做样子|应付一下)|另搞一套|搞自己那一套|说一套做一套|该怎么办还怎么办|阳奉阴违|上有政策下有对策",
    ),
    (
        "obstruct",
        r"(?:查账|检查|调查|审计|巡视|巡察|纪委)[^。！？；]{0,16}?(?:销毁|烧了|删了|删掉|转移|改账|做假账|串供|统一口径)|"
        r"(?:让|叫|逼|要求)[^。！？；]{0,14}?(?:藏起来|销毁|烧掉|删掉|转移走|改账|做假账|统一口径|别说|不准说|不要乱说)",
    ),
    (
        "skim",
        r"(?:扣下|扣了|少发|扣留|截下)[^。！？；]{0,6}?(?:钱|块|元|补贴|补助|工资|款)|只(?:给)?发了?[^。！？；，,]{0,4}?(?:百|千|块|元)|"
        r"克扣",  # 克扣 is withholding what others are owed, whatever is withheld (工资, 伙食, 口粮)
    ),
    (
        "demand",
        r"(?:要|让)[^。！？；]{0,6}?(?:安排|请)[^。！？；]{0,4}?(?:吃喝|吃饭|喝酒)|带走[^。！？；]{0,4}?(?:土特产|特产|烟|酒)",
    ),
    ("absent", r"不上班|不在岗|很少上班|不来上班|露(?:一|两|几)次面|工资照拿|吃空饷"),
    (
        "car",
        r"(?:开|用|开着)[^。！？；]{0,4}?(?:单位|公家|局里|厅里|公)的?车[^。！？；]{0,12}?(?:玩|旅游|回家|接送|办私事|拉|买菜|钓鱼|家)",
    ),
    ("inaction", r"从来不管|不管不问|不闻不问|推来推去|推诿|踢皮球|拖着不办|不作为|敷衍了事"),
    ("rig", r"(?:招标|投标|中标)[^。！？；]{0,20}?(?:内定|走过场|定好|指定|串通|陪标|围标)|内定"),
    (
        "allowance",
        r"(?:发了?|发放)[^。！？；]{0,12}?(?:奖金|补贴|津贴|购物卡|福利|加班费)[^。！？；]{0,10}?(?:没有|没|无)[^。！？；]{0,4}?(?:文件|依据|规定)|违规发放|乱发",
    ),
    ("affair", r"在外面养|养了个(?:女|男)|包了个|外面有人"),
    # a price named for the official's act (拿两千块来就给你办, 拉两只羊就能快点办): 吃拿卡要
    (
        "demand",
        r"(?:拿|送|交|塞|拉|出|给)[^。！？；，,]{0,3}?(?:\d+|[一二两三四五六七八九十百千万几]+)[^。！？；，,]{0,2}?"
        r"(?:块|元|万|千|百|只|头|条|箱|瓶|张)[^。！？；]{0,5}?(?:就|才)(?:能|给|可以|有|办|帮|批|让|好办|行)",
    ),
    # ... or a meal with the official as that price (找处长吃顿饭就好办了, 请他吃个饭才给批)
    ("demand", r"吃(?:顿|个|一顿|餐)饭[^。！？；，,]{0,3}?(?:就|才)(?:好办|能办|给办|给批|能批|能过|行)"),
    # a fee no rule sets, put in quotes by the sender ('加急费', "进门费"), or a stake in a business
    ("demand", r"['\"‘“「][\u4e00-\u9fff]{1,5}费['\"’”」]"),
    ("kin_business", r"(?:有|占|拿|入了?|参了?)[^。！？；，,]{0,2}?干股"),
    # payment as the condition of an official's act, either way round (交了就不赶你, 不给就不打, 不送就
    # 让孩子坐最后一排, 不交的就评不上), a fine with no receipt (罚款不开票), an overcharge (多收五块钱)
    (
        "demand",
        r"(?:交了|给了|送了|塞了)(?:钱|红包|好处)?(?:就|才)(?:不|可以|能|给|让|有)|"
        r"不(?:给|交|送|塞)(?:钱|红包|好处|东西)?的?(?:人)?就|"
        r"(?:罚款|罚钱|收费|收钱|罚了|被罚)[^。！？；]{0,20}?不(?:开|给)(?:票|发票|收据|单子)|多收[^。！？；，,]{0,4}?(?:钱|块|元)|"
        r"(?:交|拿|给|出)[一二两三四五六七八九十几]+[百千万][^。！？；，,]{0,3}?才(?:还|放|给|退|办|批|让)",
    ),
    ("abuse", r"开后门|走后门"),
    ("funds", r"私吞|独吞|中饱私囊"),
    ("force", r"强行拆|强拆|强行征|强占|逼着[^。！？；]{0,4}?签|不签字就"),
    ("gamble", r"赌钱|输赢[^。！？；]{0,4}?(?:几万|好几万|上万|万)|打牌[^。！？；]{0,10}?(?:输赢|赌|万)"),
    ("abuse", r"利用[^。！？；，,]{0,6}?(?:权力|职权|职务|身份|手中的权)"),
    (
        "funds",
        r"(?:村里|集体|公家|单位|国家|厅里|局里|镇里|财政|上面拨|扶贫|专项)[^。！？；，,]{0,6}?(?:钱|款|资金|经费)[^。！？；]{0,16}?(?:拿了|贪了|吞了|私吞|装进|揣进|花了|卖了|进了)|偷偷卖了|进了自己腰包|腰包",
    ),
)
# (each pattern's opening groups of words written out, so that re skips to where a match can begin)
_ACTS = tuple((kind, re.compile(opening_words(p))) for kind, p in _ACT_PATTERNS + DUTY_ACT_PATTERNS)
BY_BODY = "by_body"  # the kind named first when the actor is a body: which rule decided, for the reasons
DISCIPLINE_OF = DUTY_DISCIPLINES | {
    "collude": Discipline.ILLEGAL,
    "kin_business": Discipline.INTEGRITY,
    "favour_kin": Discipline.ORGANIZATIONAL,
    "take": Discipline.INTEGRITY,
    "demand": Discipline.MASS,
    "nominee": Discipline.INTEGRITY,
    "abuse": Discipline.ILLEGAL,
    "funds": Discipline.ILLEGAL,
    "lavish": Discipline.LIFE,
    "affair": Discipline.LIFE,
    "idle": Discipline.WORK,
    "to_kin": Discipline.INTEGRITY,
    "wealth": Discipline.INTEGRITY,
    "vote": Discipline.ORGANIZATIONAL,
    "fake": Discipline.ORGANIZATIONAL,
    "defy": Discipline.POLITICAL,
    "obstruct": Discipline.POLITICAL,
    "skim": Discipline.MASS,
    "absent": Discipline.WORK,
    "car": Discipline.WORK,
    "inaction": Discipline.WORK,
    "rig": Discipline.WORK,
    "allowance": Discipline.WORK,
    "gamble": Discipline.LIFE,
    "force": Discipline.MASS,
}
# Acts that are misconduct only of someone who leads (不作为 of a 镇长; a 司机 who shrugs is rude).
_LEADERS_ONLY = frozenset({"inaction", "absent", "force"})
_PRONOUN = re.compile(r"(?:他|她|其|该(?:同志|领导|干部|人)|此人|这位|这个人|那人)")
_NEGATED = re.compile(r"(?:没有|没|未曾|未|从未|从没|不曾|并未|并没有|绝无|无)\s*$")
_ASKED = re.compile(r"是否|有没有|有无|能否|吗[？?]|[？?]\s*$")
# A last clause that asks how grave the act just told is, not whether it was done (…冒领低保，这算不算
# 违纪？; …，这难道不是违法吗？): a rhetorical question, the act stays asserted.
_RHETORICAL = re.compile(
    r"[，,]\s*(?:这|此|如此|这样)[^，,。！？；;]{0,8}?(?:是不是|算不算|难道|严不严重|该不该|还有没有|不是)"
    r"[^，,。！？；;]*[？?]+\s*$"
)
# A later clause where the sender turns to ask about their own matter (…才好办，我想问问巡察组，草场证到底
# 怎么才能办？): the question is the sender's, the act told before it stays asserted.
_OWN_QUESTION = re.compile(r"[，,]\s*(?:我|我们|俺|俺们)?就?(?:想|要)?(?:问问|问一下|请问|咨询一下|想知道)")
# The text praises or clears the official: evidence against an accusation the model might read in.
# (不实 clears a report, 举报不实; a 不实证明 an official issued is the accusation itself.)
# (through first_chars.opening_words: each alternative opens with a character re can skip to)
_PRAISE = re.compile(
    opening_words(
        r"好干部|好领导|讲得很好|讲得好|表扬|点赞|称赞|办实事|干了很多实事|做了很多实事|干事的人|尽心尽力|"
        r"清正廉洁|为人清廉|为人正派|两袖清风|造谣|诬告|不实(?!的?证明|材料|报告|数据|事求是)|谣言|辟谣|是假的|恶意中伤|恶意举报|捕风捉影|打击报复|"
        r"冤枉|还他清白|还她清白|没有这回事|(?:帮|给|为|替)(?:我们|我|大家)解决了"
    )
)
# A general opinion of an official's work, with no act: a suggestion by policy (工作能力一般).
_OPINION = re.compile(
    r"不太深入|不深入基层|不积极|能力一般|能力不强|水平一般|水平不高|作风(?:不好|散漫|漂浮|不实)|不了解情况|"
    r"拍脑袋|念稿子|不团结|没啥新思路|没有新思路|不接地气|"
    r"(?:能力|水平)[^。！？，,]{0,3}?一般|讲话[^。！？，,]{0,3}?(?:太长|官腔|啰嗦|空洞)|官腔|套话|没(?:什么|啥)新意|"
    r"没(?:啥|什么|有)魄力|魄力不够"
)
_REPORT = re.compile(r"实名举报|实名反映|实名检举|举报|检举|揭发|控告")
_CARRY = 3  # officials of earlier sentences a pronoun may refer back to
_REACH = 40  # characters from the official to the act (or from the report word to the official)
_PRONOUN_REACH = 12


@dataclass(frozen=True, slots=True)
class Actor:
    """An official mentioned in the text: a post with its body, or a roster name."""

    start: int
    end: int
    label: str
    index: int  # the caller's index for it
    leader: bool = True  # holds a leading post (acts of _LEADERS_ONLY need one)
    asked: bool = False  # the one the sender turns to for help (intake.petitioned): never the one acting


@dataclass(frozen=True, slots=True)
class Act:
    kind: str
    start: int
    end: int
    words: str
    actor: Actor
    via_pronoun: bool


@dataclass(frozen=True, slots=True)
class StructureVote:
    """What the sentence structure says: acts with their actors, an explicit report, and doubts."""

    acts: tuple[Act, ...]
    reported: Actor | None  # the official an explicit report is aimed at
    own_benefit_only: bool  # a report that only asks for the sender's own matter
    held_back: tuple[str, ...]  # acts found but denied or asked
    against: str | None = None  # "denied" / "praise": the text clears or praises the official

    @property
    def accusation(self) -> bool:
        reported = self.reported is not None and not self.own_benefit_only and self.against is None
        return bool(self.acts) or reported

    @property
    def actor(self) -> Actor | None:
        if self.acts:
            return self.acts[0].actor
        return self.reported

    @property
    def disciplines(self) -> list[Discipline]:
        found = {DISCIPLINE_OF[a.kind] for a in self.acts if a.kind in DISCIPLINE_OF}
        return [d for d in Discipline if d in found]

    @property
    def kinds(self) -> list[str]:
        body = [BY_BODY] if self.acts and self.acts[0].actor.index == BODY_INDEX else []
        kinds = list(dict.fromkeys(body + [a.kind for a in self.acts]))
        return kinds or (["report"] if self.accusation else [])


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _SENTENCE.finditer(text):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
    return out


def _held_back(text: str, s0: int, s1: int, start: int) -> bool:
    """Denied right before the act (没有收钱), or asked in its sentence (是否收了钱？)."""
    if _NEGATED.search(text[max(s0, start - 4) : start]):
        return True
    sentence = text[s0:s1]
    rhetorical = _RHETORICAL.search(sentence)
    if rhetorical is not None and s0 + rhetorical.start() > start:
        sentence = sentence[: rhetorical.start()]  # the act told, then its weight asked (这算不算违纪？)
    own = _OWN_QUESTION.search(sentence, max(0, start - s0))
    if own is not None:
        sentence = sentence[: own.start()]
    return _ASKED.search(sentence) is not None


def _actor_for(start: int, s0: int, text: str, actors: list[Actor], recent: list[Actor]) -> Actor | None:
    """The official acting: the first one shortly before the act in its sentence (Chinese puts the one
    the sentence is about first: 人事处处长在干部选拔中...), else one a pronoun right before it names."""
    before = [a for a in actors if s0 <= a.start and a.end <= start and start - a.end <= _REACH]
    if before:
        return before[0]
    pron = _PRONOUN.search(text, max(s0, start - _PRONOUN_REACH), start)
    if pron is not None and recent:
        return recent[-1]
    if recent and vague_actor_before(text, start, s0):
        return recent[-1]
    return None


def _report_target(text: str, s0: int, s1: int, actors: list[Actor]) -> Actor | None:
    """The official an explicit report in this sentence names: after the report word (举报…局长),
    not the body it is made to (向市环保局举报)."""
    rep = _REPORT.search(text, s0, s1)
    if rep is None or "向" in text[max(s0, rep.start() - 8) : rep.start()]:
        return None
    return next((a for a in actors if rep.end() <= a.start and a.start - rep.end() <= _REACH), None)


def _body_acts(text: str, sentences: list[tuple[int, int]]) -> list[Act]:
    """Acts of misconduct told of a public body or its staff described by role (某执法部门开价二十万),
    when no official named by post was found acting: the first act of each sentence."""
    found = body_act_matches(text)
    mentions = body_mentions(text) if found else []
    if not mentions:
        return []
    starts = [s0 for s0, _ in sentences]
    acts: dict[int, Act] = {}
    for kind, m in found:
        i = bisect_right(starts, m.start()) - 1
        s0, s1 = sentences[i]
        body = body_actor_before(mentions, text, s0, m.start(), private_ok=kind == "collude")
        if body is None or not told_as_done(text, kind, m.start(), m.group(), s0):
            continue
        if _held_back(text, s0, s1, m.start()):
            continue
        if i not in acts or m.start() < acts[i].start:
            actor = Actor(body.start, body.end, body.words, BODY_INDEX, leader=False)
            acts[i] = Act(kind, m.start(), m.end(), m.group(), actor, False)
    return sorted(acts.values(), key=lambda a: a.start)


def find_structure(text: str, actors: list[Actor], *, plea: bool) -> StructureVote:
    """The structural evidence for an accusation in a normalised text with its officials marked."""
    vote = _officials_structure(text, actors, plea=plea)
    if vote.acts or vote.reported is not None or vote.against is not None:
        return vote
    body = _body_acts(text, _sentences(text))
    if body and _PRAISE.search(text) is None:  # 说城管收保护费是谣言: cleared, not told
        return replace(vote, acts=tuple(body), own_benefit_only=False)
    described = described_reported(text)
    if described is None or plea or _PRAISE.search(text) is not None:
        return vote
    # 对于…的个别领导，我们要联名检举: an explicit report of officials the sender describes, told as an act
    # of theirs (kind "report") so that the subject is the described officials, like a body's act.
    s, e, words = described
    actor = Actor(s, e, words, BODY_INDEX, leader=False)
    return replace(vote, acts=(Act("report", s, e, words, actor, False),), own_benefit_only=False)


def _officials_structure(text: str, actors: list[Actor], *, plea: bool) -> StructureVote:
    """Acts and reports of the officials named by post or roster name."""
    if not actors:  # nobody to act: no act and no report can be attributed (most appeals)
        return StructureVote((), None, False, ())
    sentences = _sentences(text)
    starts = [s0 for s0, _ in sentences]
    # The officials asked for help still count for what the text says of officials (praise, opinion),
    # but no act or report is theirs.
    actors = [a for a in actors if not a.asked]
    by_sentence = [[a for a in actors if s0 <= a.start < s1] for s0, s1 in sentences]
    acts: list[Act] = []
    held: list[str] = []
    for kind, pattern in _ACTS:
        done: set[int] = set()  # sentences where this pattern already found its act
        for m in pattern.finditer(text):
            i = bisect_right(starts, m.start()) - 1
            if i in done:
                continue
            s0, s1 = sentences[i]
            earlier = [a for a in actors if a.start < s0][-_CARRY:]
            actor = _actor_for(m.start(), s0, text, by_sentence[i], earlier) or next(
                # 给了所长一个远房外甥, 给股长送点东西: the official inside the act
                (a for a in by_sentence[i] if m.start() <= a.start < m.end()),
                None,
            )
            if actor is None or (kind in _LEADERS_ONLY and not actor.leader):
                continue
            if not told(text, m.start()):  # 防止有人借机贪污, 希望领导不要…: no act was done
                continue
            if _held_back(text, s0, s1, m.start()):
                held.append(m.group())
                continue
            acts.append(Act(kind, m.start(), m.end(), m.group(), actor, actor not in by_sentence[i]))
            done.add(i)
    reported = next(
        (
            r
            for (s0, s1), here in zip(sentences, by_sentence, strict=True)
            if here and (r := _report_target(text, s0, s1, here))
        ),
        None,
    )
    acts.sort(key=lambda a: a.start)
    if plea:  # 拖着不办, 不管不问 in a letter asking for the sender's own matter: the grievance, not an act
        acts = [a for a in acts if a.kind != "inaction"]
    against = None
    if not acts and held:
        against = "denied"
    elif not acts and _PRAISE.search(text):
        against = "praise"  # also unmakes a report: 有人举报我们局长，我觉得是打击报复
    elif not acts and reported is None and _OPINION.search(text):
        against = "opinion"
    return StructureVote(tuple(acts), reported, plea and not acts, tuple(held), against)
