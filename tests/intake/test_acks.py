"""Acknowledgement texts: one SMS segment, no content echoed, the kind of body named."""

from __future__ import annotations

import pytest

from intake.citizen_texts import (
    SMS_SEGMENT,
    ack_limit_text,
    ack_text,
    no_content_prompt,
    receiving_body_phrase,
    status_limit_text,
    status_text,
)
from intake.inspection import Inspection, bundled_inspections, load_inspection
from intake.models import SECTORS, Category, Decision, Scope, Target
from routing.divisions import load_divisions

INSPECTIONS = [load_inspection(p) for p in bundled_inspections()]


def _decision(scope: Scope, category: Category, target: Target | None) -> Decision:
    return Decision(id="m", scope=scope, category=category, target=target, confidence=0.9)


@pytest.mark.parametrize("inspection", INSPECTIONS, ids=lambda i: i.id)
def test_every_acknowledgement_fits_one_sms_segment(inspection: Inspection) -> None:
    number = f"{inspection.prefix}-99999"
    kinds = ["discipline", "political_legal", "petition", "inspected_unit"] + [
        f"department:{s}" for s in SECTORS
    ]
    for division in load_divisions():
        for kind in kinds:
            for category in (Category.APPEAL, Category.ACCUSATION, Category.SUGGESTION):
                target = Target(kind=kind, region=division.code, name="x")
                text = ack_text(_decision(Scope.OUT_OF_SCOPE, category, target), inspection, number)
                assert len(text) <= SMS_SEGMENT, text
    for in_period in (True, False):
        text = ack_text(
            _decision(Scope.IN_SCOPE, Category.ACCUSATION, None), inspection, number, in_period=in_period
        )
        assert len(text) <= SMS_SEGMENT, text
    assert len(no_content_prompt(inspection)) <= SMS_SEGMENT


def test_accusation_never_names_the_receiving_unit() -> None:
    target = Target(kind="inspected_unit", region="410000", name="河南省审计厅")
    assert receiving_body_phrase(target, Category.ACCUSATION) == "有关单位"
    target = Target(kind="discipline", region="410324", name="栾川县纪委监委")
    assert receiving_body_phrase(target, Category.ACCUSATION) == "有关纪检监察机关"


def test_department_named_by_region_and_sector() -> None:
    target = Target(kind="department:human_resources", region="410883", name="孟州市人社局")
    assert receiving_body_phrase(target, Category.APPEAL) == "孟州市人社部门"
    target = Target(kind="political_legal", region="410883", name="孟州市委政法委")
    assert receiving_body_phrase(target, Category.LITIGATION) == "有关政法部门"


def test_in_scope_text_and_team_word() -> None:
    xunshi, xuncha = INSPECTIONS[0], INSPECTIONS[2]
    text = ack_text(_decision(Scope.IN_SCOPE, Category.ACCUSATION, None), xuncha, "MZ1-0007")
    assert "MZ1-0007" in text and "巡察组将按规定处理" in text
    assert "巡视组" in ack_text(_decision(Scope.IN_SCOPE, Category.ACCUSATION, None), xunshi, "HN1-0001")


def test_status_text() -> None:
    assert status_text("MZ1-0001", "transferred") == "编号MZ1-0001：已按规定转交有关部门办理。"


@pytest.mark.parametrize("inspection", INSPECTIONS, ids=lambda i: i.id)
def test_the_limit_notices_fit_one_sms_segment(inspection: Inspection) -> None:
    for text in (status_limit_text(inspection), ack_limit_text(inspection)):
        assert len(text) <= SMS_SEGMENT and inspection.team_word in text
