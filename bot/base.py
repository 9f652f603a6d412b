"""What every channel adapter shares: the framework-free webhook request and the answer to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class HookAnswer:
    """What the provider gets back (framework-free: the door turns it into the HTTP response)."""

    status: int
    body: bytes
    media_type: str
