"""公安's own certificates and services (户籍 and its kin, policy 4.3: public order, household
registration) and the certificate of disability (民政): the sector of an appeal about them."""

from __future__ import annotations

import pytest

from intake.models import InboundMessage
from intake.pipeline import NO_MODEL, decide
from tests.fakes.inspections import invented_inspection

PUDONG = invented_inspection(
    "pd",
    committee="county",
    type="region",
    name="张江镇",
    aliases=["张江"],
    region="310115",
    level="township",
)


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("我在这边租房，居住证办了两个月还没办好，一直说在审核", "public_security"),
        ("出入境大厅排队排了一上午，护照还是没办下来", "public_security"),
        ("驾驶证到期换证，车管所让我来回跑了三趟", "public_security"),
        ("残疾证年审说要去区里的医院重新鉴定，我是坐轮椅的，能不能上门办", "civil_affairs"),
    ],
)
def test_the_sector_of_a_certificate(text: str, sector: str) -> None:
    d = decide(InboundMessage(id="t", text=text), PUDONG, model=NO_MODEL)
    assert d.target is not None and d.target.kind == f"department:{sector}"
