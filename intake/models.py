"""The vocabulary every package shares: messages in, decisions out.

These models are the wire format of `petition classify` (see docs/classify-contract.md) and of
`POST /api/messages`, so field names and allowed values follow that contract exactly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# A report text larger than this is refused at the edge: a citizen's report is a few pages at most,
# and a larger body is an attack or an attachment pasted as text.
MAX_TEXT_CHARS = 100_000


class Channel(StrEnum):
    """Where a message came from; acknowledgements go back the same way."""

    SMS = "sms"
    EMAIL = "email"
    TELEGRAM = "telegram"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    WEB = "web"


class Scope(StrEnum):
    IN_SCOPE = "in_scope"
    OUT_OF_SCOPE = "out_of_scope"
    NO_CONTENT = "no_content"


class Category(StrEnum):
    ACCUSATION = "accusation"
    APPEAL = "appeal"
    LITIGATION = "litigation"
    SUGGESTION = "suggestion"
    NO_CONTENT = "no_content"


class Discipline(StrEnum):
    POLITICAL = "political"
    ORGANIZATIONAL = "organizational"
    INTEGRITY = "integrity"
    MASS = "mass"
    WORK = "work"
    LIFE = "life"
    ILLEGAL = "illegal"


class Tier(StrEnum):
    LEADERSHIP = "leadership"
    NEXT_PRINCIPAL = "next_principal"
    KEY_POSTS = "key_posts"


class InboundMessage(BaseModel):
    """One message as it arrives, from any channel (the classify contract's input line)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(min_length=1, max_length=200, description="provider message id; the idempotency key")
    text: str = Field(max_length=MAX_TEXT_CHARS)
    channel: Channel = Channel.SMS
    received_at: datetime | None = None
    sender: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=2000)

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("id must not be blank")
        return value


class Subject(BaseModel):
    """Who a report is about, as far as the text says."""

    name: str | None = None
    post: str | None = None
    unit: str | None = None
    tier: Tier | None = None


TargetKind = str  # discipline | political_legal | petition | inspected_unit | department:<sector>

SECTORS: tuple[str, ...] = (
    "housing",
    "human_resources",
    "education",
    "health",
    "environment",
    "transport",
    "market",
    "natural_resources",
    "civil_affairs",
    "agriculture",
    "public_security",
)


class Target(BaseModel):
    """The body an out-of-scope item is transferred to: a kind of body in a territory."""

    kind: TargetKind
    region: str = Field(pattern=r"^\d{6}$")
    name: str


class Reason(BaseModel):
    """One ground of a decision: a code and its arguments, rendered by intake.reasons (Chinese for the
    desk, English for the batch contract's `reasons`)."""

    model_config = ConfigDict(frozen=True)

    code: str
    args: dict[str, str] = Field(default_factory=dict)


class Official(BaseModel):
    """An official the text names (not the addressee), with the bodies the item must never go to:
    the official's own body and the bodies they lead, as "kind@region" ("*" = every kind)."""

    model_config = ConfigDict(frozen=True)

    post: str
    unit: str | None = None
    region: str | None = None
    bars: list[str] = Field(default_factory=list)


class Decision(BaseModel):
    """The classify contract's output line: what the service suggests for one message.

    `grounds`, `officials` and `model_version` are additions the contract allows (a reader ignores
    fields it does not know); `reasons` stays the English rendering of `grounds`."""

    id: str
    scope: Scope
    category: Category
    disciplines: list[Discipline] = Field(default_factory=list)
    subject: Subject | None = None
    region: str | None = None
    target: Target | None = None
    reasons: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    grounds: list[Reason] = Field(default_factory=list)
    officials: list[Official] = Field(default_factory=list)
    model_version: str | None = None


# The fields of the classify contract's output line (docs/classify-contract.md).
CONTRACT_FIELDS = frozenset(
    {"id", "scope", "category", "disciplines", "subject", "region", "target", "reasons", "confidence"}
)


class ErrorLine(BaseModel):
    """What `petition classify` writes for an input line it could not read."""

    id: str | None
    error: str


ReportState = Literal[
    "received",
    "decided",
    "confirmed",
    "transferred",
    "feedback_received",
    "closed",
    "merged",
    "archived",
]


class SubmittedMessage(InboundMessage):
    """A message submitted through the API or a batch file: the text must say something.

    (A channel delivery with an empty body is still taken in and answered with a prompt; a client
    that calls the API with nothing to say gets an error instead.)
    """

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty")
        return value


def describe_validation_error(exc: ValidationError, whole: str = "input") -> str:
    """One line naming each bad field and what is wrong with it ("id: is required; channel: ...");
    `whole` names an error about the input as a whole."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or whole
        msg = "is required" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)
