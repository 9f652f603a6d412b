"""Front-line staff of public bodies who make citizens pay for what is their duty (吃拿卡要): the act
told as a condition (交了就不赶你, 不给就不打), an overcharge, a fine with no receipt, money taken from
someone; the staff named by their trade (防疫员, 合同工). An accusation out of scope, to a 纪委监委,
not a citizen's appeal to a department."""

from __future__ import annotations

import pytest

from intake.models import Category, InboundMessage, Scope
from intake.pipeline import decide
from tests.fakes.inspections import BANNER
from tests.fakes.textmodel import FakeTextModel

# a model that leans to an appeal: the structure must carry the accusation
APPEAL_LEAN = FakeTextModel(categories={Category.APPEAL: 0.55, Category.ACCUSATION: 0.45})


@pytest.mark.parametrize(
    "text",
    [
        "旗兽医站有个防疫员，打疫苗每头牛多收五块钱，不给就不打",
        "镇政府一个合同工帮人办残疾证收了人家三千块。",
        "旗城管的一个队员，天天找我们摆摊的收五十块，说交了就不赶你，不交就收你的秤",
        "旗交通局的执法人员天天在路上拦车罚款，罚了钱也不开票",
        "旗交通局的一个稽查员收了老板的钱，放超载的大车过去",
    ],
)
def test_staff_who_make_citizens_pay_are_accused(text: str) -> None:
    d = decide(InboundMessage(id="t", text=text), BANNER, model=APPEAL_LEAN)  # type: ignore[arg-type]
    assert d.category is Category.ACCUSATION
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "discipline"


@pytest.mark.parametrize(
    "text",
    [
        "物业不交物业费就停水停电，太欺负人了",
        "老板不给钱就跑了，我们三个月工资没拿到",
        "超市多收了我五块钱，找他们理论还不认账",
        # a paper handed to the sender is no payment (给了我就不了了之)
        "工厂停产以后，厂长把档案和一张解聘的纸给了我就不了了之，我的社保到现在没着落",
    ],
)
def test_the_same_words_of_a_business_stay_an_appeal(text: str) -> None:
    d = decide(InboundMessage(id="t", text=text), BANNER, model=APPEAL_LEAN)  # type: ignore[arg-type]
    assert d.category is Category.APPEAL


@pytest.mark.parametrize(
    "text",
    [
        "旗城管队员乱罚款，我摆个水果摊一天被罚三次，每次都不给票",
        "旗城管队员抢我的三轮车 还要我交两百才还 这是明抢",
    ],
)
def test_a_fine_with_no_receipt_or_a_price_for_returning_goods_is_a_demand(text: str) -> None:
    d = decide(InboundMessage(id="t", text=text), BANNER, model=APPEAL_LEAN)  # type: ignore[arg-type]
    assert d.category is Category.ACCUSATION
