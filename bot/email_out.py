"""Outbound acknowledgement mail with aiosmtplib (STARTTLS or implicit TLS), threaded on the report.

Each acknowledgement's Message-ID carries the report's tracking number (`<ack.MZ1-0001.…@host>`),
so a citizen's reply names the report in In-Reply-To even when the subject was rewritten; and
In-Reply-To/References point at the citizen's own mail so that their client threads it. Every
mail is marked `Auto-Submitted: auto-replied` (RFC 3834) so that auto-responders stay quiet.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from bot.mailparse import TRACKING_RE, TRANSFER_RE
from intake.citizen_texts import reply_subject
from intake.errors import ChannelSendError
from intake.models import Channel
from intake.ports import IntakeRecords

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 30.0


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to submit mail, from `PETITION_SMTP_URL`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # implicit TLS (smtps, port 465)
    start_tls: bool | None = None  # None: upgrade when the server offers it

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse `smtp://user:pass@host:587?starttls=1` or `smtps://user:pass@host:465`."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP URL must look like smtp://user:pass@host:587?starttls=1")
        query = parse_qs(parts.query)
        flag = query.get("starttls", [None])[0]
        use_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if use_tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=None if flag is None or use_tls else flag.lower() in ("1", "true", "yes"),
        )


def map_smtp_error(exc: Exception) -> ChannelSendError:
    """SMTP 4xx, timeouts and lost connections are retried; 5xx refusals are not."""
    code: int | None = None
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        code = exc.recipients[0].code
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        code = exc.code
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return ChannelSendError(f"smtp: authentication failed ({code})", retryable=False)
    if code is not None:
        return ChannelSendError(f"smtp: {code}", retryable=400 <= code < 500)
    return ChannelSendError(f"smtp: {exc.__class__.__name__}", retryable=True)


class EmailSender:
    """`OutboundChannel` for e-mail."""

    channel = Channel.EMAIL

    def __init__(
        self,
        config: SmtpConfig,
        mail_from: str,
        *,
        records: IntakeRecords | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._config = config
        self._from = mail_from
        self._domain = mail_from.rsplit("@", 1)[-1] or "localhost"
        # The reports and their messages, to thread an answer onto the citizen's mail.
        self._records = records
        self._timeout = timeout
        self._tls_context = tls_context

    async def build(self, recipient: str, text: str) -> EmailMessage:
        """The acknowledgement mail for `text`, threaded on its report when the store knows it."""
        found = TRACKING_RE.search(text)
        tracking = found.group(1) if found else None
        # A transfer form to a receiving body (web/desk.py transfer_mail_text) starts with its number:
        # its subject and Message-ID carry it, so the body's reply is attached to the transfer.
        transfer = TRANSFER_RE.match(text.removeprefix("转办单 "))
        msg = EmailMessage()
        msg["From"] = self._from
        msg["To"] = recipient
        token = uuid.uuid4().hex
        if transfer is not None and text.startswith("转办单 "):
            msg["Subject"] = f"转办单 {transfer.group(1)}（请直接回复本邮件反馈办理情况）"
            local = f"zb.{transfer.group(1)}.{token}"
            tracking = None  # never thread a body's mail onto the citizen's
        else:
            msg["Subject"] = reply_subject(tracking)
            local = f"ack.{tracking}.{token}" if tracking else f"ack.{token}"
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = f"<{local}@{self._domain}>"
        msg["Auto-Submitted"] = "auto-replied"
        # Exchange and Outlook: do not answer this mail with an out-of-office.
        msg["X-Auto-Response-Suppress"] = "All"
        references = await self._references(tracking, recipient) if tracking else []
        if references:
            msg["In-Reply-To"] = f"<{references[-1]}>"
            msg["References"] = " ".join(f"<{r}>" for r in references)
        msg.set_content(text, charset="utf-8")
        return msg

    async def _references(self, tracking: str, recipient: str) -> list[str]:
        if self._records is None:
            return []
        report = await self._records.reports.get_report(tracking)
        # A refused status query names someone else's number: never thread onto their mail.
        if report is None or report.channel is not Channel.EMAIL or report.sender != recipient:
            return []
        messages = await self._records.messages.report_messages(report.pk)
        return [
            m.provider_id
            for m in messages
            if m.channel is Channel.EMAIL and not m.provider_id.startswith("sha256:")
        ]

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        """Send the acknowledgement; returns its Message-ID."""
        msg = await self.build(recipient, text)
        try:
            await aiosmtplib.send(
                msg,
                hostname=self._config.host,
                port=self._config.port,
                username=self._config.username,
                password=self._config.password,
                use_tls=self._config.use_tls,
                start_tls=self._config.start_tls,
                timeout=self._timeout,
                tls_context=self._tls_context,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise map_smtp_error(exc) from exc
        return str(msg["Message-ID"]).strip("<>")

    async def check(self) -> str:
        """Connect, (STARTTLS,) log in and quit, to prove the settings work."""
        client = aiosmtplib.SMTP(
            hostname=self._config.host,
            port=self._config.port,
            use_tls=self._config.use_tls,
            start_tls=self._config.start_tls,
            timeout=self._timeout,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()
            if self._config.username and self._config.password:
                await client.login(self._config.username, self._config.password)
            await client.quit()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise map_smtp_error(exc) from exc
        return f"smtp {self._config.host}:{self._config.port}"
