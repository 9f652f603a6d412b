"""The duty phone's pure parts: `[phone]` and `[channels] phone` validated, duty hours by the
inspection's clock and working-day calendar, caller ids, and what the caller hears."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake import citizen_texts
from intake.errors import InspectionError
from intake.inspection import parse_inspection
from intake.phone import e164, in_duty_hours, is_mobile
from tests.bot.test_voice import INSPECTION

BASE = INSPECTION.split("[phone]")[0]


def _with(extra: str, base: str = BASE) -> str:
    return base + "\n" + extra


def test_phone_section_is_read_with_defaults() -> None:
    ins = parse_inspection(
        _with('[phone]\nring = ["+8613800000001", "sip:duty@pbx.example.org;transport=tls"]')
    )
    assert ins.phone.ring == ("+8613800000001", "sip:duty@pbx.example.org;transport=tls")
    assert ins.phone.ring_seconds == 25 and not ins.phone.record_calls
    assert parse_inspection(BASE).phone.ring == ()


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('[phone]\nring = ["13800000001"]', "phone.ring (line"),
        ('[phone]\nring = ["sip:nobody"]', "bad ring address 'sip:nobody'"),
        ('[phone]\nring = ["+8613800000001"]\nring_seconds = 2', "phone.ring_seconds"),
        ('[phone]\nring = ["+8613800000001"]\nring_seconds = 500', "phone.ring_seconds"),
        ("[phone]\nring = [" + ", ".join(f'"+861380000{i:04d}"' for i in range(11)) + "]", "at most 10"),
        ('[phone]\nrings = ["+8613800000001"]', "phone.rings"),
    ],
)
def test_bad_phone_settings_are_named(extra: str, problem: str) -> None:
    with pytest.raises(InspectionError) as err:
        parse_inspection(_with(extra))
    assert problem in str(err.value)


def test_published_numbers_must_be_numbers() -> None:
    bad = BASE.replace('phone = ["0391-8111111"]', 'phone = ["0391-8111111", "call us"]')
    with pytest.raises(InspectionError) as err:
        parse_inspection(bad)
    assert "bad phone number 'call us'" in str(err.value)
    ok = BASE.replace('phone = ["0391-8111111"]', 'phone = ["+863918111111", "(0391) 8111111", "12388"]')
    assert len(parse_inspection(ok).channels.phone) == 3


def test_check_inspection_reports_a_bad_ring_address(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import main

    path = tmp_path / "bad.toml"
    path.write_text(_with('[phone]\nring = ["0391-8111111"]'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-inspection", str(path)])
    assert result.exit_code != 0 and "phone.ring" in result.output


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2021, 4, 1, 2, 0, tzinfo=UTC), True),  # Thursday 10:00 in Beijing
        (datetime(2021, 4, 1, 3, 59, tzinfo=UTC), True),  # 11:59
        (datetime(2021, 4, 1, 4, 0, tzinfo=UTC), False),  # 12:00 ends the morning
        (datetime(2021, 4, 1, 5, 0, tzinfo=UTC), False),  # 13:00, lunch
        (datetime(2021, 4, 1, 7, 0, tzinfo=UTC), True),  # 15:00
        (datetime(2021, 4, 1, 12, 0, tzinfo=UTC), False),  # 20:00
        (datetime(2021, 4, 5, 2, 0, tzinfo=UTC), False),  # Qingming, a Monday off
        (datetime(2021, 4, 3, 2, 0, tzinfo=UTC), False),  # Saturday
        (datetime(2021, 3, 1, 2, 0, tzinfo=UTC), False),  # before the period
    ],
)
def test_duty_hours_in_the_inspection_time_zone_and_calendar(moment: datetime, expected: bool) -> None:
    ins = parse_inspection(INSPECTION)
    assert in_duty_hours(ins, moment) is expected


def test_daily_hours_include_the_weekend() -> None:
    ins = parse_inspection(INSPECTION.replace('days = "workdays"', 'days = "daily"'))
    assert in_duty_hours(ins, datetime(2021, 4, 3, 2, 0, tzinfo=UTC))
    assert citizen_texts.hours_text(ins) == "每天8点30分至12点，15点至18点"


def test_caller_ids() -> None:
    assert e164("0391-8111111") == "+863918111111"
    assert [e164(x) for x in ("anonymous", "+266696687", "", "Restricted")] == [None] * 4
    assert is_mobile("+8613912345678") and not is_mobile("+863918222222") and not is_mobile(None)


def test_what_the_caller_hears() -> None:
    ins = parse_inspection(INSPECTION)
    assert citizen_texts.spelled("MZ1-0007") == "M Z 1 0 0 0 7"
    prompt = citizen_texts.voicemail_prompt(ins, outside_hours=True)
    assert prompt.startswith("您好，这里是孟州市委第一巡察组值班电话。现在不是值班时间。")
    assert "最长3分钟" in prompt and "发送电子邮件至mzxc1@example.org" in prompt
    assert "通话将被录音" in citizen_texts.greeting(ins, recorded=True)
    assert "录音" not in citizen_texts.greeting(ins, recorded=False)
    sms = citizen_texts.call_ack_sms(ins, "MZ1-0001")
    assert len(sms) <= 70 and "MZ1-0001" in sms
