"""Working days and deadlines across weekends, Chinese public holidays and adjusted working days."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from intake.deadlines import (
    WorkCalendar,
    add_months,
    bundled_overrides,
    decision_deadline,
    default_calendar,
    due_within,
    feedback_deadline,
    notice_deadline,
    objection_deadline,
    parse_overrides,
    working_days_late,
)

BJ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=BJ)


def test_weekends_holidays_and_adjusted_working_days() -> None:
    cal = default_calendar()
    assert cal.is_workday(date(2025, 9, 26))  # Friday
    assert not cal.is_workday(date(2025, 9, 27))  # Saturday
    assert cal.is_workday(date(2025, 9, 28))  # Sunday, worked instead of a National Day holiday
    assert not cal.is_workday(date(2025, 10, 1))  # 国庆
    assert not cal.is_workday(date(2025, 10, 8))  # 国庆 + 中秋 2025 run to 8 October
    assert cal.is_workday(date(2025, 10, 11))  # Saturday, worked
    assert not cal.is_workday(date(2026, 2, 17))  # 春节 2026


def test_objection_window_of_a_transfer_made_before_national_day() -> None:
    # Friday 26 Sep 2025: Sun 28, Mon 29, Tue 30 Sep, then 1-8 Oct off, Thu 9 and Fri 10 Oct.
    end = objection_deadline(at(2025, 9, 26), BJ)
    assert end == datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)
    # Counted Monday to Friday it would have been Friday 3 October: the holidays matter.
    assert WorkCalendar(library_years=frozenset()).add_working_days(date(2025, 9, 26), 5) == date(2025, 10, 3)


def test_feedback_deadline_falling_in_a_holiday_moves_to_the_next_working_day() -> None:
    # Three months after 1 July 2025 is 1 October, in the holiday: due Thursday 9 October.
    assert feedback_deadline(at(2025, 7, 1), BJ).date() == date(2025, 10, 9)
    # A plain case: 10 March 2025 + 3 months = Tuesday 10 June 2025.
    assert feedback_deadline(at(2025, 3, 10), BJ).date() == date(2025, 6, 10)
    # Configurable per inspection: 1 month.
    assert feedback_deadline(at(2025, 3, 10), BJ, months=1).date() == date(2025, 4, 10)
    # A UTC timestamp late in the evening is already the next local day in Beijing.
    late = datetime(2025, 3, 9, 17, 0, tzinfo=UTC)  # 10 March 01:00 in Beijing
    assert feedback_deadline(late, BJ).date() == date(2025, 6, 10)


def test_notice_deadline_is_fifteen_calendar_days_rolled_past_rest_days() -> None:
    # 1 March 2025 + 15 = Sunday 16 March -> Monday 17 March.
    assert notice_deadline(at(2025, 3, 1), BJ).date() == date(2025, 3, 17)
    # 20 Jan 2025 + 15 = 4 Feb, a Spring Festival holiday (28 Jan - 4 Feb) -> Wednesday 5 Feb.
    assert notice_deadline(at(2025, 1, 20), BJ).date() == date(2025, 2, 5)


def test_decision_deadline_and_lateness_skip_weekends() -> None:
    friday = at(2025, 3, 14, 16)
    assert decision_deadline(friday, BJ).date() == date(2025, 3, 17)  # Monday
    deadline = decision_deadline(friday, BJ)
    assert working_days_late(deadline, at(2025, 3, 17, 18), BJ) == 0
    assert working_days_late(deadline, at(2025, 3, 18, 9), BJ) == 1
    assert working_days_late(deadline, at(2025, 3, 24, 9), BJ) == 5  # Tue-Fri and Mon


def test_due_within_three_working_days() -> None:
    deadline = datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)
    assert due_within(deadline, at(2025, 10, 9), BJ)
    assert due_within(deadline, at(2025, 9, 30), BJ)  # 30 Sep -> 9, 10 Oct are the next working days
    assert not due_within(deadline, at(2025, 9, 26), BJ)  # 28, 29, 30 Sep only
    assert not due_within(deadline, at(2025, 10, 11), BJ)  # passed: overdue, not "due soon"


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_unknown_years_count_monday_to_friday_and_are_reported() -> None:
    cal = default_calendar()
    assert not cal.known(2027)
    assert cal.unknown_years([date(2026, 12, 31), date(2027, 1, 1)]) == [2027]
    # 1 January 2027 is a Friday; without a published arrangement it counts as a working day.
    assert cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 2))
    # A transfer at the end of 2026 is due in 2027 under the fallback.
    assert feedback_deadline(at(2026, 12, 1), BJ).date() == date(2027, 3, 1)


def test_a_data_file_year_overrides_and_completes_the_calendar() -> None:
    overrides = parse_overrides(
        tomllib.loads(
            """
            [years.2027]
            complete = true
            source = "test"
            holidays = [2027-01-01]
            workdays = [2027-01-02]
            """
        )
    )
    cal = WorkCalendar(overrides)
    assert cal.known(2027)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 2))  # a Saturday made a working day
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 2)


@pytest.mark.parametrize(
    "text",
    [
        "[years.x]\nholidays = []",
        "[years.2027]\nholidays = [2026-01-01]",
        "[years.2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-01]",
        "[years.2027]\nholidays = ['2027-01-01']",
    ],
)
def test_bad_data_files_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_overrides(tomllib.loads(text))


def test_the_bundled_data_file_parses() -> None:
    assert isinstance(bundled_overrides(), dict)
