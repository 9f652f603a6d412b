"""The inspection file (TOML): who the team is, what it inspects, when, and who is in scope.

`load_inspection` validates a file against docs/inspection-format.md and raises
`InspectionError` with one message per problem, each naming the field and, where it can be
found, the line.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intake.errors import InspectionError
from intake.models import Discipline, Tier
from routing.divisions import load_divisions

_HOUR_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
# Twilio dials E.164 numbers and SIP URIs; the published local form ("0371-65648420") is for display.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SIP = re.compile(r"^sips?:[^@\s]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[^\s]*)?$")
_LOCAL_NUMBER = re.compile(r"^\d[\d\- ]{2,19}\d$|^\(\d{2,4}\)[\d\- ]{5,16}\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InspectionTarget(_Strict):
    type: Literal["unit", "region"]
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    region: str
    level: Literal["province", "city", "county", "township"]

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if not re.fullmatch(r"\d{6}", value):
            raise ValueError(f"region code {value!r} is not a 6-digit GB/T 2260 code")
        current = load_divisions().current_code(value)
        if current is None:
            raise ValueError(f"unknown region code {value!r} (not in the GB/T 2260 list)")
        return current

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias, longest first (for matching in text)."""
        return tuple(sorted({self.name, *self.aliases}, key=len, reverse=True))


class Period(_Strict):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class HourRange(_Strict):
    start: time
    end: time


class Hours(_Strict):
    days: Literal["workdays", "daily"] = "workdays"
    ranges: tuple[str, ...] = ("08:00-12:00", "14:30-17:30")

    @field_validator("ranges")
    @classmethod
    def _valid_ranges(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            m = _HOUR_RANGE.match(value)
            if not m:
                raise ValueError(f"bad hour range {value!r}: expected HH:MM-HH:MM")
            h1, m1, h2, m2 = map(int, m.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
                raise ValueError(f"bad hour range {value!r}: not a time of day")
            if (h1, m1) >= (h2, m2):
                raise ValueError(f"bad hour range {value!r}: ends before it starts")
        return values

    def parsed(self) -> list[HourRange]:
        out = []
        for value in self.ranges:
            h1, m1, h2, m2 = map(int, _HOUR_RANGE.match(value).groups())  # type: ignore[union-attr]
            out.append(HourRange(start=time(h1, m1), end=time(23, 59, 59) if h2 == 24 else time(h2, m2)))
        return out


class Channels(_Strict):
    # E.164 numbers ("+863718xxx", the ones Twilio answers) and the published local form.
    phone: tuple[str, ...] = ()
    sms: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    post: str | None = None
    telegram: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone_numbers(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not (E164.match(value) or _LOCAL_NUMBER.match(value)):
                raise ValueError(
                    f"bad phone number {value!r}: expected E.164 (+86...) or a local number (0371-65648420)"
                )
        return values


class PhoneSettings(_Strict):
    """Who the duty phone rings in duty hours (docs/inspection-format.md, `[phone]`)."""

    ring: tuple[str, ...] = ()
    ring_seconds: int = Field(default=25, ge=5, le=120)
    # Record answered calls too (the caller is told so); voice messages are always recorded.
    record_calls: bool = False

    @field_validator("ring")
    @classmethod
    def _dialable(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not (E164.match(value) or _SIP.match(value)):
                raise ValueError(
                    f"bad ring address {value!r}: expected E.164 (+8613800000001) or sip:user@host"
                )
        if len(values) > 10:
            # Twilio's <Dial> rings at most ten <Number>/<Sip> at once.
            raise ValueError("at most 10 phones can ring together")
        return values


class Person(_Strict):
    name: str = Field(min_length=1)
    post: str = ""
    tier: Tier = Tier.LEADERSHIP


class ScopeSettings(_Strict):
    tiers: tuple[Tier, ...] = (Tier.LEADERSHIP, Tier.NEXT_PRINCIPAL, Tier.KEY_POSTS)
    focus: tuple[Discipline, ...] = ()
    people: tuple[Person, ...] = ()


class TransferSettings(_Strict):
    all_to_target_unit: bool = False
    # How long a receiving body has to report back on a transfer (intake/deadlines.py).
    feedback_months: int = Field(default=3, ge=1, le=24)


class Inspection(_Strict):
    """One inspection round: a team stationed at one target for a fixed period."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    team: str = Field(min_length=1)
    committee_level: Literal["central", "province", "city", "county"]
    kind: Literal["regular", "special", "follow_up", "mobile"] = "regular"
    timezone: str = "Asia/Shanghai"
    tracking_prefix: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]{0,5}$")
    target: InspectionTarget
    period: Period
    hours: Hours = Hours()
    channels: Channels = Channels()
    phone: PhoneSettings = PhoneSettings()
    scope: ScopeSettings = ScopeSettings()
    transfer: TransferSettings = TransferSettings()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def prefix(self) -> str:
        """Prefix of this inspection's tracking numbers."""
        if self.tracking_prefix:
            return self.tracking_prefix
        letters = "".join(part[0] for part in self.id.split("-") if part and part[0].isalpha())
        return (letters.upper() or "R")[:4]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def team_word(self) -> str:
        """巡视组 or 巡察组, as the public knows the team."""
        return "巡察组" if "巡察" in self.team else "巡视组"

    def in_period(self, moment: datetime) -> bool:
        """Whether a message received at `moment` falls in the reception period (local dates)."""
        local = moment.astimezone(self.tz).date() if moment.tzinfo else moment.date()
        return self.period.start <= local <= self.period.end


def _line_of(source: str, loc: tuple[str | int, ...]) -> int | None:
    """Best-effort line number of the field at `loc` in the TOML source (tomllib keeps none)."""
    lines = source.splitlines()
    table = [str(p) for p in loc[:-1] if isinstance(p, str)]
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
    if key is None:
        return None
    start = 0
    if table:
        header = re.compile(r"^\s*\[{1,2}\s*" + re.escape(".".join(table)) + r"\s*\]{1,2}")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                break
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    for i, line in enumerate(lines):
        if pattern.match(line):
            return i + 1
    # The field may be a whole table ([period]).
    header = re.compile(r"^\s*\[{1,2}\s*" + re.escape(".".join([*table, key])) + r"\s*\]{1,2}")
    return next((i + 1 for i, line in enumerate(lines) if header.match(line)), None)


def parse_inspection(source: str, origin: str = "<inspection>") -> Inspection:
    """Parse and validate inspection TOML text; raise InspectionError naming every bad field."""
    try:
        data: dict[str, Any] = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise InspectionError(origin, [f"not valid TOML: {exc}"]) from exc
    try:
        return Inspection.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(file)"
            line = _line_of(source, loc)
            where = f" (line {line})" if line else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "is required"
            elif err["type"] == "extra_forbidden":
                message = "is not a known field"
            elif err["type"] == "enum" or err["type"] == "literal_error":
                message = f"{message}, got {err.get('input')!r}"
            problems.append(f"{field}{where}: {message}")
        raise InspectionError(origin, problems) from exc


def load_inspection(path: str | Path) -> Inspection:
    """Read and validate an inspection file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InspectionError(str(p), [f"cannot read the file: {exc.strerror}"]) from exc
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InspectionError(str(p), [f"not UTF-8 (byte {exc.start})"]) from exc
    return parse_inspection(source, str(p))


def bundled_inspections() -> list[Path]:
    """The example inspections shipped with the package, first one first."""
    folder = resources.files("intake").joinpath("examples")
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


def default_inspection_path() -> Path:
    """The inspection served when none is configured: the first bundled example."""
    return bundled_inspections()[0]
