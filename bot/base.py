"""What every channel adapter shares: the framework-free webhook request and the inbound protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from intake.models import Channel, InboundMessage


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One provider call, without the web framework, so verify/parse are testable on their own.

    `url` is the PUBLIC URL the provider called (from settings), not the URL the request arrived on
    behind a proxy: Twilio signs the public one. Header names are matched case-insensitively.
    """

    url: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header `name`, whatever its case, or None."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


class InboundChannel(Protocol):
    """A webhook channel: authenticate first, then parse; both raise only `InboundError`s."""

    channel: Channel

    def verify(self, req: WebhookRequest) -> None:
        """Raise `WebhookAuthError` unless the request comes from the provider."""
        ...

    def parse(self, req: WebhookRequest) -> list[InboundMessage]:
        """The messages of a verified request (pure)."""
        ...
