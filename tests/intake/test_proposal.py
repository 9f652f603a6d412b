"""Policy 3's suggestion test on citizens' own words (intake.proposal): a proposal or opinion on public
work is a suggestion even with a word of complaint about the present state; the sender's own harm, loss
or request for redress makes it an appeal, whatever proposing words it carries."""

from __future__ import annotations

import pytest

from intake.classify import signals
from intake.extraction.scanner import scan
from intake.normalise import normalise
from intake.proposal import is_suggestion, own_grievance


def _suggestion(text: str) -> bool:
    t = normalise(text)
    return is_suggestion(t, signals(scan(t)))


@pytest.mark.parametrize(
    "text",
    [
        # opinions offered on a public service, no 建议
        "对我县的学前教育谈几点看法：公办幼儿园太少，民办的收费太高，普通人家负担不起。",
        "我有个想法：老年人办事不会用手机，政务大厅能不能保留一个人工窗口。",
        # what ought to be there, with a complaint about the present state
        "老菜市场拆了两年了，按说应该有一个新的农贸市场，现在大家只能在马路边买菜，车都过不去。",
        "县城那座老石桥是几十年前的文物，不能拆，改造道路时绕开它就是了。",
        "房价涨得太快，本地年轻人买不起房，政府部门应介入调控，多建一些公租房。",
        # a why-not question on public provision
        "镇上的小学每年学生都在增加，为什么不配几台校车，冬天孩子们走路上学太冷了。",
        "外地的好学校都来开分校了，为什么我县不引进优质的教育资源？",
        # a word of complaint about public work, with a proposal
        "老街的路面坑坑洼洼，下雨天积水严重，建议结合旧城改造统一翻修。",
        "从我县交通文明做起吧：行人和电动车也该礼让，不能只要求开车的人。",
        # a wrong named once, as the background of a proposal on policy
        "校外培训机构有的还是无证办学，建议教育局出台统一的收费标准和退费办法。",
    ],
)
def test_a_proposal_or_opinion_on_public_work_is_a_suggestion(text: str) -> None:
    assert _suggestion(text)


@pytest.mark.parametrize(
    "text",
    [
        # the sender's own harm with a proposal to fix it (the example)
        "我家楼下路灯坏了半个月，晚上出门摔了一跤，建议尽快修一下。",
        # a remedy asked for the sender's own home or family
        "我们小区的下水道堵了一个星期，建议物业尽快处理。",
        "我父亲的养老金被扣了三个月，希望社保局能出台政策。",
        # the sender one of those affected, with a loss of their own
        "我是幸福小区的业主，住在顶楼，夏天经常没水，建议小区装一台增压泵。",
        # the sender asked for redress before and got none
        "这件事我向社区反映了多次，至今没有答复，建议领导重视一下。",
        # a why-not question about the sender's own matter
        "我在厂里干了三十年，为什么我的退休手续不能办？",
    ],
)
def test_the_senders_own_grievance_with_a_proposal_is_an_appeal(text: str) -> None:
    assert not _suggestion(text)


@pytest.mark.parametrize(
    "text",
    [
        # asking for enforcement against a nuisance or a wrong is the policy's appeal (噪音, 违建)
        "楼下饭店的油烟每天都很大，希望有关部门管一管。",
        "河边有人私自搭建了两层的棚子，请城管局引起重视。",
        # a wrong told again and again is the matter complained of, whatever the proposal
        "路口有人天天占道卖水果，占道的摊子把人行道都堵死了，建议城管加强管理。",
        # an opinion's words in a document's title are not the sender proposing
        "我写了一份《关于建设社区食堂的几点看法》交给街道，想问问办到哪一步了。",
    ],
)
def test_a_call_for_enforcement_or_a_titles_words_is_no_suggestion(text: str) -> None:
    assert not _suggestion(text)


def test_a_grievance_word_counts_only_where_it_is_the_senders() -> None:
    # 维权 of workers in general is the problem a proposal would solve; 我要维权 is the sender's own.
    general = normalise("很多民工不敢去仲裁维权，因为拖不起。建议仲裁期间由企业先付基本生活费。")
    own = normalise("我要维权，建议仲裁期间由企业先付基本生活费。")
    assert not own_grievance(general, signals(scan(general)))
    assert own_grievance(own, signals(scan(own)))
    assert not _suggestion("我要维权，建议仲裁期间由企业先付基本生活费。")


def test_the_sender_speaking_of_their_city_is_no_grievance() -> None:
    # 我市 / 我县 are the place's public matters, not the sender's own.
    t = normalise("我市公交车到晚上八点就停运了，严重影响市民出行，建议延长到十点。")
    assert not own_grievance(t, signals(scan(t)))
    assert _suggestion("我市公交车到晚上八点就停运了，严重影响市民出行，建议延长到十点。")
