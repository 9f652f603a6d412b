"""A real aiosmtpd server on a free loopback port that records what it receives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class RecordingHandler:
    """Keeps every accepted mail; `fail_codes` answers the next DATA commands with those replies."""

    received: list[Envelope] = field(default_factory=list)
    fail_codes: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.fail_codes:
            return self.fail_codes.pop(0)
        self.received.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        """The received mails, parsed."""
        out = []
        for env in self.received:
            raw = env.original_content or env.content
            assert isinstance(raw, bytes)
            msg = message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out


@asynccontextmanager
async def smtp_server(handler: object) -> AsyncIterator[int]:
    """Serve SMTP with `handler` on 127.0.0.1; yields the port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mx.test", data_size_limit=64 * 1024 * 1024, enable_SMTPUTF8=True),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()
