"""The duty phone as pure functions: duty hours by the inspection's clock and calendar, and what a
caller's number is (E.164 form, mobile or not), by Google's libphonenumber data (`phonenumbers`)."""

from __future__ import annotations

from datetime import datetime

import phonenumbers

from intake.deadlines import WorkCalendar, default_calendar
from intake.inspection import Inspection

# A number without a country code is read as a mainland one: the teams publish "0391-8111111".
DEFAULT_REGION = "CN"


def in_duty_hours(inspection: Inspection, moment: datetime, cal: WorkCalendar | None = None) -> bool:
    """Whether `moment` falls in the inspection's duty hours: inside its period, on a working day
    (`days = "workdays"`, by the mainland calendar with its adjusted days) or any day (`daily`),
    and inside one of the hour ranges, all in the inspection's time zone."""
    local = moment.astimezone(inspection.tz)
    if not inspection.in_period(moment):
        return False
    if inspection.hours.days == "workdays" and not (cal or default_calendar()).is_workday(local.date()):
        return False
    now = local.time().replace(tzinfo=None)
    return any(r.start <= now < r.end for r in inspection.hours.parsed())


def e164(number: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a number as published or as a caller id, or None when it is no number
    (a withheld caller id arrives as "anonymous", "+266696687" or empty)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: str | None) -> bool:
    """True for a mobile number an SMS can reach; a landline, a withheld or an unknown caller id is
    not (a number that may be either, as in North America, is not counted as mobile)."""
    if not number or e164(number) is None:
        return False
    kind = phonenumbers.number_type(phonenumbers.parse(number, DEFAULT_REGION))
    return bool(kind == phonenumbers.PhoneNumberType.MOBILE)


def published_for(inspection: Inspection) -> set[str]:
    """The E.164 forms of the inspection's published duty numbers (to find the team a call is for)."""
    return {found for number in inspection.channels.phone if (found := e164(number))}
