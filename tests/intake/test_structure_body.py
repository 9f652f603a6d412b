"""structure_body: an accusation whose actor is a public body or its staff described by role (policy 3:
"conduct of a named or described official"), told apart from the sender's own grievance about a
service (policy 3's appeal). Messages written for these tests from the policy's table, in a citizen's
words; none is taken from the data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.inspection import Inspection, load_inspection
from intake.models import Category, InboundMessage
from intake.pipeline import decide
from intake.reasons import render_zh
from intake.structure import BY_BODY, Actor, find_structure
from intake.structure_body import BODY_INDEX, body_act_matches

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"


def _inspection(cache: dict[str, Inspection] = {}) -> Inspection:  # noqa: B006 - a memo
    if "h" not in cache:
        cache["h"] = load_inspection(EXAMPLES / "henan-audit-2016.toml")
    return cache["h"]


@pytest.mark.parametrize(
    ("text", "kind", "actor"),
    [
        ("我家饭馆被查封后，某执法部门托人传话，开价八万元就能解封。", "take", "执法部门"),
        ("街上的城管队员每个月都收摊主的保护费，不交就掀摊子。", "take", "城管队员"),
        ("这次学校食堂招标，评标专家暗箱操作，早就定好了给谁。", "rig", "评标专家"),
        ("村委会把上面拨下来的危房改造款截留了一大半。", "funds", "村委会"),
        ("县市场监管局的工作人员和黑作坊老板官商勾结。", "collude", "县市场监管局的工作人员"),
        ("区环保局执法犯法，对偷排的厂子睁一只眼闭一只眼。", "abuse", "区环保局"),
        ("县质检所出具虚假检测报告，帮不合格的钢材过关。", "fake", "县质检所"),
        ("在职公务员违规经商办企业，镇上最大的石料厂就是他们开的。", "business", "在职公务员"),
    ],
)
def test_a_body_or_its_staff_acting_in_misconduct_is_an_accusation(text: str, kind: str, actor: str) -> None:
    vote = find_structure(text, [], plea=False)
    assert vote.accusation, text
    assert vote.kinds[0] == BY_BODY and kind in vote.kinds, vote.kinds
    assert vote.actor is not None and vote.actor.label == actor and vote.actor.index == BODY_INDEX


@pytest.mark.parametrize(
    "text",
    [
        # the sender's own grievance about a body's service: slow, refusing, rude, fining, charging
        "我去社保局办退休手续，工作人员说材料不全，来回跑了五趟还是不予受理。",
        "村委会一直拖着不给我们发征地补偿款，已经两年了。",
        "城管把我的三轮车和货都没收了，态度恶劣，罚款两千元。",
        "区住建局对小区违建不管不问，我们投诉多次没人处理。",
        "派出所的民警说这事归法院管，让我去起诉。",
        # an act named to be prevented, or asked, or denied: not told as done
        "希望贵局公开评分细则，防止暗箱操作。",
        "县交通局的工作人员是否收了运输公司的好处费？请查一查。",
        "镇政府没有截留补助款，钱已经全部发到农户手里。",
        # a private party's misconduct, not a public body's
        "物业公司的工作人员收了装修队的回扣，逼业主用他们的材料。",
        # the beneficiary is the sender: a plea to a body, not a favour to kin
        "恳请县民政局的领导照顾一下我们的子女。",
    ],
)
def test_a_grievance_or_an_act_not_told_of_a_body_is_no_accusation(text: str) -> None:
    vote = find_structure(text, [], plea=False)
    assert not vote.accusation, (text, vote.acts)


def test_an_official_named_by_post_is_read_first() -> None:
    text = "县交通局局长收了老板的红包，交通局的工作人员也跟着吃拿卡要。"
    vote = find_structure(text, [Actor(3, 5, "局长", 0)], plea=False)
    assert vote.actor is not None and vote.actor.index == 0
    assert BY_BODY not in vote.kinds


def test_a_text_that_clears_the_body_is_not_read_as_telling_the_act() -> None:
    text = "网上说城管队员收保护费，这是谣言，我们摊主都知道。"
    assert not find_structure(text, [], plea=False).accusation


def test_a_rhetorical_question_after_the_act_leaves_it_told() -> None:
    text = "居委会干部以权谋私，把自己的亲戚都报上了低保，这算不算违纪？"
    assert "abuse" in find_structure(text, [Actor(0, 5, "居委会干部", 0)], plea=False).kinds
    asked = "居委会干部是否以权谋私，把亲戚报上了低保？"
    assert not find_structure(asked, [Actor(0, 5, "居委会干部", 0)], plea=False).accusation


def test_not_fact_seeking_is_not_a_report_cleared() -> None:
    # 不实事求是 (not truthful) is an accusation's word, not 举报不实 (the report was untrue)
    text = "市质量检验院不实事求是，给法院出具了虚假鉴定。"
    assert find_structure(text, [], plea=False).accusation


def test_decide_says_the_body_rule_decided_in_chinese() -> None:
    text = "我们县的执法部门跟传销团伙同流合污，开价二十万就让他们继续干。"
    d = decide(InboundMessage(id="b1", text=text), _inspection())
    assert d.category is Category.ACCUSATION
    decided = next(g for g in d.grounds if g.code == "decided_by")
    assert decided.args["by"] in ("structure", "both")
    assert decided.args["acts"].split(",")[0] == BY_BODY
    assert d.subject is not None and d.subject.post == "执法部门"
    lines = render_zh(d.grounds)
    assert any("公权机关或按职务描述的工作人员所为" in line and "执法部门" in line for line in lines), lines
    assert any(line.startswith("被反映人：执法部门") for line in lines), lines


@pytest.mark.parametrize(
    "text",
    [
        "我在县人社局办失业金，窗口的工作人员一直说系统有问题，拖了三个月还没办下来，请帮我解决。",
        "小区旁边的工地晚上施工太吵了，城管来看了一次就走了，希望尽快处理。",
    ],
)
def test_decide_keeps_a_grievance_about_a_body_an_appeal(text: str) -> None:
    d = decide(InboundMessage(id="b2", text=text), _inspection())
    assert d.category is Category.APPEAL, d.reasons


@pytest.mark.parametrize(
    "text",
    [
        # two bodies said to 勾结 to shirk the sender's own case: a grievance told hard
        "区人社局和医保局勾结起来，互相推诿我的报销。",
        # a public servant's private wrong, not an act of office
        "隔壁那户是税务局的公务员，知法犯法，私搭乱建挡了我家采光。",
        # a body approached, not acting
        "厂长每次都先给镇政府打个招呼，检查组来了转一圈就走。",
    ],
)
def test_words_that_do_not_make_a_body_the_one_abusing_office(text: str) -> None:
    assert not find_structure(text, [], plea=False).accusation, text


def test_collusion_with_a_business_is_an_act() -> None:
    vote = find_structure("区环保局的执法人员和化工厂老板相互勾结，偷排的事从来不查。", [], plea=False)
    assert "collude" in vote.kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我们村评低保，村委会优亲厚友，有车有房的都评上了。", "to_kin"),
        ("镇民政所管救助的干部吃回扣，谁给好处就先批谁。", "take"),
        ("县政府挪用了上面拨下来的扶贫资金去修办公楼。", "funds"),
        ("镇教育系统套取营养餐补助，学生吃的根本不够。", "funds"),
        ("乡财政所私设小金库，年底发给自己人。", "funds"),
    ],
)
def test_more_bodies_and_acts_of_the_table(text: str, kind: str) -> None:
    vote = find_structure(text, [], plea=False)
    assert vote.kinds[:1] == [BY_BODY] and kind in vote.kinds, (text, vote.kinds)


def test_government_as_a_nouns_modifier_is_no_body() -> None:
    text = "每户计政府补贴五年，多出来的名额可以留给子女。"
    assert not find_structure(text, [], plea=False).accusation


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("村里管低保的收了好处才给评，没送礼的一户都没评上。", "村里管低保的"),
        ("那些当官的都收了开发商的回扣，拆迁款一压再压。", "当官的"),
        ("县里有的官员侵吞了退伍老兵的安置费。", "官员"),
    ],
)
def test_officials_described_by_role_not_post(text: str, actor: str) -> None:
    vote = find_structure(text, [], plea=False)
    assert vote.accusation and vote.actor is not None and vote.actor.label == actor, (text, vote.acts)


@pytest.mark.parametrize(
    "text",
    [
        "大家都猜测环保局有人收了厂里的好处。",
        "补贴到现在也没发下来，是不是领导们把钱挪用了。",
        "或许派出所的民警拿了好处，才一直不查。",
    ],
)
def test_an_act_only_suspected_is_not_told(text: str) -> None:
    assert not find_structure(text, [], plea=False).accusation, text


def test_a_body_subjects_tier_counts_as_guessed() -> None:
    from intake.models import Subject
    from intake.officials import Who

    assert Who(Subject(post="执法部门"), None, None, "", None).tier_guessed == 1
    assert Who(None, None, None, "", None).tier_guessed == 0


@pytest.mark.parametrize(
    "phrase",
    [
        "收了好处费",
        "索贿",
        "开价五万",
        "吃回扣",
        "拿了好处",
        "雁过拔毛",
        "意思意思",
        "不给红包就刁难",
        "优亲厚友",
        "人情低保",
        "名额都给了亲戚",
        "官商勾结",
        "充当黑恶势力的保护伞",
        "和开发商相互勾结",
        "暗箱操作",
        "内定",
        "徇私舞弊",
        "权利寻租",
        "利用职权",
        "出具了一份虚假的检测报告",
        "伪造签名",
        "虚报冒领",
        "骗取扶贫资金",
        "小金库",
        "贿选",
        "违规经商办企业",
        "入了暗股",
        "私自卖掉",
        "没有经过村民同意就租给了外人",
    ],
)
def test_every_act_of_the_table_is_found_through_its_trigger_words(phrase: str) -> None:
    # the trigger pass must let through every pattern that matches (else an act would go unread)
    assert body_act_matches(phrase), phrase


def test_each_match_holds_one_of_its_patterns_trigger_words() -> None:
    from intake.structure_body import _ACT_TABLE

    phrases = [
        "收了好处费", "开价五万", "要好处", "名额都给了亲戚", "和开发商相互勾结", "当了保护伞", "串通投标",
        "以权压法", "出具了一份虚假的检测报告", "伪造签名", "套取补贴", "买票", "兼职取酬", "私自发包",
    ]  # fmt: skip
    for kind, words, pattern in _ACT_TABLE:
        for p in phrases:
            for m in re.finditer(pattern, p):
                assert any(w in m.group() for w in words), (kind, m.group())
