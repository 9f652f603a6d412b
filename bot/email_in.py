"""Inbound e-mail: from an IMAP mailbox (polling, IDLE when offered) or as an SMTP server (aiosmtpd).

No mail is lost: the IMAP poller flags a mail \\Seen only after its raw message is committed, and
the SMTP server answers 250 only after the commit (a 451 makes the sending server retry later).
A mail the parser cannot read is not refused either: it is kept whole (sealed) as a report for an
officer to read. The raw .eml and every attachment are kept in the data directory under their SHA-256.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import hashlib
import logging
import os
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

import aioimaplib

from bot.mailparse import ParsedMail, header_text, parse_mail, unparsed_mail
from intake.errors import InboundError, MalformedPayload, StorageError
from intake.flow import ChannelIntake
from intake.mail import ReadMail, TransferReply, take_mail
from intake.models import Channel
from intake.service import Receipt

if TYPE_CHECKING:
    from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

MAX_MAIL_BYTES: Final = 32 * 1024 * 1024


class MailIntake:
    """Takes one raw mail in: parse it and keep its bytes, then hand it to `intake.mail.take_mail`."""

    def __init__(
        self,
        intake: ChannelIntake,
        *,
        store_dir: Path | None = None,
        own_addresses: Sequence[str] = (),
        inspection_id: str | None = None,
        seal_file: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.intake = intake
        self.store_dir = store_dir
        # The files hold the sender and the text: sealed like the database's columns (the file's
        # name stays the SHA-256 of the plain content, which the message's payload records).
        self.seal_file: Callable[[bytes], bytes] = seal_file or _as_is
        self.own = frozenset(a.lower() for a in own_addresses)
        self.inspection_id = inspection_id
        # Set by the composition root: attaches a receiving body's reply to its transfer (ZB number)
        # and says whether it found the transfer.
        self.on_transfer_reply: TransferReply | None = None

    async def take(self, raw: bytes) -> Receipt:
        """Accept one mail; raises only `StorageError` (retry later): an unreadable mail is kept too."""
        mail = self._read(raw)
        payload = await asyncio.to_thread(self._keep, raw, mail)
        inspection_id = self.inspection_id or self.intake.service.inspection_for(
            Channel.EMAIL, recipients(raw)
        )
        read = ReadMail(
            mail.to_inbound(),
            tracking_hints=mail.tracking_hints,
            transfer_hints=mail.transfer_hints,
            auto=mail.auto,
            unparsed=mail.unparsed,
        )
        receipt = await take_mail(
            self.intake,
            read,
            payload,
            inspection_id=inspection_id,
            on_transfer_reply=self.on_transfer_reply,
        )
        if mail.auto is not None:
            log.info("mail %s recorded without acknowledgement (%s)", mail.message_id, mail.auto)
        return receipt

    def _read(self, raw: bytes) -> ParsedMail:
        """The parsed mail, or, when it cannot be parsed or taken as a message, the whole mail."""
        try:
            mail = parse_mail(raw, own_addresses=self.own)
            mail.to_inbound()  # the message's own checks (lengths...), before anything is kept
            return mail
        except (MalformedPayload, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            # Refusing it would lose a citizen's report (Chinese clients send raw 8-bit headers,
            # broken MIME...): kept whole, opened as a report, so an officer reads the original.
            reason = str(exc) if isinstance(exc, MalformedPayload) else f"unusable mail: {type(exc).__name__}"
            log.warning("mail not parsed (%s): kept raw for an officer", reason)
            return unparsed_mail(raw, reason)

    def _keep(self, raw: bytes, mail: ParsedMail) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "in_reply_to": mail.in_reply_to,
            "references": list(mail.references),
            "auto": mail.auto,
            "unparsed": mail.unparsed,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": len(a.data),
                    "sha256": a.sha256,
                }
                for a in mail.attachments
            ],
        }
        if self.store_dir is not None:
            _write_once(self.store_dir / "mail" / f"{payload['sha256']}.eml", self.seal_file(raw))
            for a in mail.attachments:
                _write_once(self.store_dir / "attachments" / a.sha256, self.seal_file(a.data))
        return payload


def _as_is(data: bytes) -> bytes:
    return data


def recipients(raw: bytes) -> list[str]:
    """The addresses a mail was sent to (To, Cc, Delivered-To, X-Original-To), from its header.

    Only picks the inspection: a header the parser cannot read names nobody, it does not refuse the mail."""
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    head = email.message_from_bytes(
        raw[: header_end if header_end >= 0 else len(raw)], policy=email.policy.default
    )
    wanted = {"to", "cc", "delivered-to", "x-original-to"}
    found: list[str] = []
    for name, value in head.raw_items():
        if name.lower() not in wanted:
            continue
        try:
            # Parsed as an address list whatever its name (Delivered-To is no address header to the stdlib).
            header = email.policy.default.header_factory("To", header_text(str(value)) or "")
            found.extend(str(a.addr_spec) for a in header.addresses)
        except Exception:
            continue
    return [address for address in found if "@" in address]


def _write_once(path: Path, data: bytes) -> None:
    """Write content-addressed `data` durably (a second write of the same content is skipped)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


# --- IMAP ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImapConfig:
    """The mailbox to read, from `PETITION_IMAP_URL` (imaps://user:pass@host:993/INBOX)."""

    host: str
    port: int
    username: str
    password: str
    mailbox: str = "INBOX"
    use_tls: bool = True

    @classmethod
    def from_url(cls, url: str) -> ImapConfig:
        """Parse `imaps://user:pass@host:993/INBOX` (or imap:// for a local plain server)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError("IMAP URL must look like imaps://user:pass@host:993/INBOX")
        use_tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if use_tls else 143),
            username=unquote(parts.username),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
            use_tls=use_tls,
        )


class ImapError(Exception):
    """The IMAP server refused a command."""


def _literal(lines: Sequence[Any]) -> bytes | None:
    # aioimaplib hands a FETCH literal over as a bytearray among the bytes status lines.
    for line in lines:
        if isinstance(line, bytearray):
            return bytes(line)
    return None


class ImapPoller:
    """Reads unseen mail from one mailbox into `MailIntake` (`session`, run by the background runner)."""

    def __init__(
        self,
        config: ImapConfig,
        mail: MailIntake,
        *,
        poll_interval: float = 60.0,
        idle_timeout: float = 25 * 60.0,
        retry_delay: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.mail = mail
        self.poll_interval = poll_interval
        self.idle_timeout = idle_timeout
        self.retry_delay = retry_delay
        self.ssl_context = ssl_context

    async def connect(self) -> aioimaplib.IMAP4:
        """An IMAP client logged in with the mailbox selected."""
        return await open_mailbox(self.config, self.ssl_context)

    async def fetch_new(self, client: aioimaplib.IMAP4) -> int:
        """Take in every unseen mail, flagging each \\Seen after it is committed; returns how many."""
        found = _ok(await client.uid_search("UNSEEN"), "SEARCH")
        uids = [u for line in found.lines[:1] for u in line.decode().split() if u.isdigit()]
        taken = 0
        for uid in uids:
            fetched = _ok(await client.uid("fetch", uid, "(BODY.PEEK[])"), "FETCH")
            raw = _literal(fetched.lines)
            if raw is None:
                continue
            try:
                await self.mail.take(raw)
            except Exception:
                # \Seen only once the mail is stored: whatever happened, it is left for the next
                # round, and the mails after it are still taken in this one.
                log.exception("mail uid %s not stored; left unseen for the next round", uid)
                continue
            _ok(await client.uid("store", uid, "+FLAGS", "(\\Seen)"), "STORE")
            taken += 1
        return taken

    async def run_once(self) -> int:
        """Connect, take in unseen mail, log out; for `channels check` and tests."""
        client = await self.connect()
        try:
            return await self.fetch_new(client)
        finally:
            with contextlib.suppress(Exception):
                await client.logout()

    async def session(self) -> None:
        """Connect and take in mail (IDLE, or polling) until the connection fails; one round of the
        "imap" background job, which reconnects after a failure with the runner's backoff."""
        client = await self.connect()
        try:
            await self._serve(client)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.logout(), 5)

    async def _serve(self, client: aioimaplib.IMAP4) -> None:
        idle = client.has_capability("IDLE")
        log.info("IMAP mailbox open (%s)", "IDLE" if idle else f"polling every {self.poll_interval:.0f} s")
        while True:
            taken = await self.fetch_new(client)
            if taken:
                log.info("IMAP: took in %d mails", taken)
            if idle:
                await self._idle(client)
            else:
                await asyncio.sleep(self.poll_interval)

    async def _idle(self, client: aioimaplib.IMAP4) -> None:
        waiter = await client.idle_start(timeout=self.idle_timeout)
        try:
            # Any push (EXISTS, or the stop at idle_timeout) ends the wait; the next round searches.
            await client.wait_server_push(timeout=self.idle_timeout + 5)
        except TimeoutError:
            pass
        finally:
            client.idle_done()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, 10)


async def open_mailbox(cfg: ImapConfig, ssl_context: ssl.SSLContext | None = None) -> aioimaplib.IMAP4:
    """Connect, log in and select the mailbox; raises `ImapError`, `OSError` or `TimeoutError`."""
    client: aioimaplib.IMAP4
    if cfg.use_tls:
        client = aioimaplib.IMAP4_SSL(host=cfg.host, port=cfg.port, ssl_context=ssl_context)
    else:
        client = aioimaplib.IMAP4(host=cfg.host, port=cfg.port)
    await client.wait_hello_from_server()
    _ok(await client.login(cfg.username, cfg.password), "LOGIN")
    _ok(await client.select(cfg.mailbox), "SELECT")
    return client


def _ok(response: Any, command: str) -> Any:
    if response.result != "OK":
        raise ImapError(f"{command} refused: {response.result}")
    return response


# --- SMTP server --------------------------------------------------------------------------------


class SmtpHandler:
    """aiosmtpd handler: accepts mail for our domains and answers 250 only once it is committed."""

    def __init__(self, mail: MailIntake, *, accept_domains: Sequence[str] = ()) -> None:
        self.mail = mail
        self.domains = frozenset(d.lower().lstrip("@") for d in accept_domains if d)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Refuse recipients outside our domains: we are a mailbox, not a relay."""
        domain = address.rsplit("@", 1)[-1].lower()
        if self.domains and domain not in self.domains:
            return "550 not relaying to that domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Commit the mail, then say 250; a storage failure says 451 so that the sender retries."""
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content or "").encode("utf-8")
        try:
            await self.mail.take(raw)
        except InboundError as exc:  # not raised by take today; refusing is still better than a 500
            return f"554 unusable message: {exc}"
        except StorageError:
            log.exception("inbound SMTP mail not stored")
            return "451 temporary failure, try again later"
        return "250 OK"


async def start_smtp_server(
    handler: SmtpHandler, host: str, port: int, *, hostname: str | None = None
) -> asyncio.Server:
    """Listen for SMTP on host:port in the running loop."""
    # Imported when the SMTP server is configured, not by every start of the service.
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, hostname=hostname, data_size_limit=MAX_MAIL_BYTES, enable_SMTPUTF8=True),
        host,
        port,
    )
