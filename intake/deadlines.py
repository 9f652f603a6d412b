"""Working days and the deadlines of policy.md section 5, as pure functions of dates and a clock.

The calendar is the `chinesecalendar` package (State Council arrangements, 2004-2026 in 1.11)
extended and overridden by `intake/data/holidays.toml`. A year neither knows is counted Monday to
Friday and reported by `WorkCalendar.unknown_years`, so the digest can say that its dates are
provisional. Nothing here reads the clock: callers pass `now`.

Rules (policy.md section 5; the feedback period is `[transfer] feedback_months` of the inspection):

- notice to a real-name sender: 15 days (信访工作条例 Art. 23) from receipt, calendar days;
- feedback of a receiving body: N months (default 3, `[transfer] feedback_months`) from the transfer;
- the receiving body's objection window: 5 working days from the day after the transfer;
- an item without a decision is late after 1 working day.

A calendar-day period whose last day is a rest day ends on the next working day, as periods in
Chinese procedural law do (期间届满的最后一日是法定休假日的，以休假日后的第一日为期间届满的日期).
Every deadline is the end (23:59:59) of its last day in the inspection's time zone.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

NOTICE_DAYS = 15
DEFAULT_FEEDBACK_MONTHS = 3
OBJECTION_WORKING_DAYS = 5
DECISION_WORKING_DAYS = 1
DUE_SOON_WORKING_DAYS = 3
END_OF_DAY = time(23, 59, 59)


def _library_years() -> frozenset[int]:
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return frozenset(years)


@dataclass(frozen=True, slots=True)
class YearOverride:
    """A year's arrangement from the data file: rest days, working days, whether it is all of it."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    complete: bool = False
    source: str = ""


def parse_overrides(data: Mapping[str, Any]) -> dict[int, YearOverride]:
    """The `[years.NNNN]` tables of a holidays file; ValueError names a bad entry."""
    out: dict[int, YearOverride] = {}
    for key, table in (data.get("years") or {}).items():
        if not str(key).isdigit() or not isinstance(table, dict):
            raise ValueError(f"years.{key}: expected a table named by a year")
        year = int(key)
        days: dict[str, frozenset[date]] = {}
        for name in ("holidays", "workdays"):
            values = table.get(name, [])
            if not all(isinstance(v, date) and not isinstance(v, datetime) for v in values):
                raise ValueError(f"years.{key}.{name}: expected a list of dates")
            if any(v.year != year for v in values):
                raise ValueError(f"years.{key}.{name}: a date of another year")
            days[name] = frozenset(values)
        if days["holidays"] & days["workdays"]:
            raise ValueError(f"years.{key}: a date is both a holiday and a working day")
        out[year] = YearOverride(
            days["holidays"],
            days["workdays"],
            bool(table.get("complete", False)),
            str(table.get("source", "")),
        )
    return out


@cache
def bundled_overrides() -> dict[int, YearOverride]:
    """The overrides shipped in intake/data/holidays.toml."""
    text = resources.files("intake").joinpath("data/holidays.toml").read_text("utf-8")
    return parse_overrides(tomllib.loads(text))


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days in mainland China, by the library and the data file."""

    overrides: Mapping[int, YearOverride] = field(default_factory=dict)
    library_years: frozenset[int] = field(default_factory=_library_years)

    def known(self, year: int) -> bool:
        """Whether the official arrangement of `year` is loaded (else it is counted Monday to Friday)."""
        found = self.overrides.get(year)
        return (found is not None and found.complete) or year in self.library_years

    def unknown_years(self, days: Iterable[date]) -> list[int]:
        """The years among `days` counted Monday to Friday for want of an arrangement."""
        return sorted({d.year for d in days if not self.known(d.year)})

    def is_workday(self, day: date) -> bool:
        """True on a working day: a weekday that is no holiday, or an adjusted working day."""
        found = self.overrides.get(day.year)
        if found is not None:
            if day in found.workdays:
                return True
            if day in found.holidays:
                return False
        if day.year in self.library_years:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        while count:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day

    def next_workday(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=n)))


@cache
def default_calendar() -> WorkCalendar:
    """The library's calendar with the bundled data file on top."""
    return WorkCalendar(bundled_overrides())


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local date of an aware moment."""
    return moment.astimezone(tz).date()


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The last second of `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def notice_deadline(received_at: datetime, tz: ZoneInfo, cal: WorkCalendar | None = None) -> datetime:
    """When a real-name sender must have been told whether the item is accepted (15 days)."""
    cal = cal or default_calendar()
    return end_of(cal.next_workday(local_day(received_at, tz) + timedelta(days=NOTICE_DAYS)), tz)


def feedback_deadline(
    transferred_at: datetime,
    tz: ZoneInfo,
    months: int = DEFAULT_FEEDBACK_MONTHS,
    cal: WorkCalendar | None = None,
) -> datetime:
    """When the receiving body must report back on a transfer (`months` calendar months)."""
    cal = cal or default_calendar()
    return end_of(cal.next_workday(add_months(local_day(transferred_at, tz), months)), tz)


def objection_deadline(transferred_at: datetime, tz: ZoneInfo, cal: WorkCalendar | None = None) -> datetime:
    """The end of the receiving body's 5-working-day window to object to a transfer."""
    cal = cal or default_calendar()
    return end_of(cal.add_working_days(local_day(transferred_at, tz), OBJECTION_WORKING_DAYS), tz)


def decision_deadline(received_at: datetime, tz: ZoneInfo, cal: WorkCalendar | None = None) -> datetime:
    """When an item still without an officer's decision becomes late (1 working day)."""
    cal = cal or default_calendar()
    return end_of(cal.add_working_days(local_day(received_at, tz), DECISION_WORKING_DAYS), tz)


def due_within(
    deadline: datetime,
    now: datetime,
    tz: ZoneInfo,
    days: int = DUE_SOON_WORKING_DAYS,
    cal: WorkCalendar | None = None,
) -> bool:
    """True when `deadline` has not passed but falls within `days` working days of `now`."""
    cal = cal or default_calendar()
    if deadline < now:
        return False
    return local_day(deadline, tz) <= cal.add_working_days(local_day(now, tz), days)


def working_days_late(
    deadline: datetime, now: datetime, tz: ZoneInfo, cal: WorkCalendar | None = None
) -> int:
    """How many working days past `deadline` it is at `now` (0 when not late)."""
    cal = cal or default_calendar()
    if now <= deadline:
        return 0
    return max(cal.working_days_between(local_day(deadline, tz), local_day(now, tz)), 0)
