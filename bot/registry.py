"""Which channels are on, built from settings: senders for the outbox, inbound adapters and jobs.

A channel is on only when its settings are complete; `channel_status` says which setting is
missing for the others, so that `petition serve` can tell the operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.conversation import TelegramConversation
from bot.email_in import ImapConfig, ImapPoller, MailIntake, SmtpHandler, open_mailbox, start_smtp_server
from bot.email_out import EmailSender, SmtpConfig
from bot.hooks import InboundHook, TelegramHook, voice_hooks
from bot.recordings import POLL_SECONDS, RecordingFetcher
from bot.sms import SmsHook, SmsStatusHook, TwilioSmsSender, TwilioWebhook
from bot.telegram import TelegramSender, TelegramWebhook
from bot.voice import VoiceIntake
from intake.calls import CallRecords
from intake.drafts import DraftStore
from intake.errors import ChannelSendError, InboundError
from intake.flow import ChannelIntake, SmsIntake
from intake.models import Channel
from intake.ports import IntakeRecords, OutboundChannel, UpdateClaims
from intake.runner import Job
from intake.service import IntakeService

log = logging.getLogger(__name__)

SMS_STATUS_PATH = "/hooks/sms/status"
TELEGRAM_PATH = "/hooks/telegram"

# The deployment-wide locks of the jobs that must run in one process at a time (intake/runner.py).
TELEGRAM_POLLING_LOCK = "telegram-polling"
RECORDINGS_LOCK = "voice-recordings"
# Seconds between rounds of the channels' jobs (a round of polling or IMAP lasts as long as it can).
TELEGRAM_SWEEP_S = 15.0
TELEGRAM_POLL_RETRY_S = 5.0


class ChannelConfig(Protocol):
    """The settings the channels read (web.settings.Settings has them all)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def public_url(self) -> str: ...
    @property
    def twilio_account_sid(self) -> str | None: ...
    @property
    def twilio_auth_token(self) -> str | None: ...
    @property
    def twilio_from(self) -> str | None: ...
    @property
    def twilio_api_base(self) -> str: ...
    @property
    def twilio_delete_recordings(self) -> bool: ...
    @property
    def twilio_max_recording_bytes(self) -> int: ...
    @property
    def telegram_token(self) -> str | None: ...
    @property
    def telegram_secret(self) -> str | None: ...
    @property
    def telegram_api_base(self) -> str: ...
    @property
    def telegram_polling(self) -> bool: ...
    @property
    def intake_processing(self) -> str: ...
    @property
    def smtp_url(self) -> str | None: ...
    @property
    def imap_url(self) -> str | None: ...
    @property
    def smtp_listen(self) -> str | None: ...
    @property
    def mail_from(self) -> str | None: ...


def channel_status(config: ChannelConfig) -> dict[str, str]:
    """Each channel part and either "on" or why it is off (names of the missing settings)."""

    def need(**values: object) -> str:
        missing = [f"PETITION_{name.upper()}" for name, value in values.items() if not value]
        return "on" if not missing else "off (missing " + ", ".join(missing) + ")"

    telegram_mode = "polling" if config.telegram_polling else "webhook"
    return {
        "sms": need(
            twilio_account_sid=config.twilio_account_sid,
            twilio_auth_token=config.twilio_auth_token,
            twilio_from=config.twilio_from,
        ),
        "phone (voice)": need(
            twilio_account_sid=config.twilio_account_sid, twilio_auth_token=config.twilio_auth_token
        ),
        f"telegram ({telegram_mode})": need(
            telegram_token=config.telegram_token,
            telegram_secret=config.telegram_secret or config.telegram_polling,
        ),
        "e-mail out (SMTP)": need(smtp_url=config.smtp_url, mail_from=config.mail_from),
        "e-mail in (IMAP)": need(imap_url=config.imap_url),
        "e-mail in (SMTP server)": need(smtp_listen=config.smtp_listen),
    }


def _public(config: ChannelConfig, path: str) -> str:
    return config.public_url.rstrip("/") + path


def build_senders(
    config: ChannelConfig, *, records: IntakeRecords | None = None
) -> dict[Channel, OutboundChannel]:
    """The real senders of every configured channel (the others keep the log-only default)."""
    senders: dict[Channel, OutboundChannel] = {}
    if config.twilio_account_sid and config.twilio_auth_token and config.twilio_from:
        senders[Channel.SMS] = TwilioSmsSender(
            account_sid=config.twilio_account_sid,
            auth_token=config.twilio_auth_token,
            from_number=config.twilio_from,
            api_base=config.twilio_api_base,
            status_callback=_public(config, SMS_STATUS_PATH),
        )
    if config.telegram_token:
        senders[Channel.TELEGRAM] = TelegramSender(config.telegram_token, config.telegram_api_base)
    if config.smtp_url and config.mail_from:
        senders[Channel.EMAIL] = EmailSender(
            SmtpConfig.from_url(config.smtp_url), config.mail_from, records=records
        )
    return senders


@dataclass
class Channels:
    """The inbound side of the configured channels, as the webhooks and background tasks use it."""

    intake: ChannelIntake
    sms_webhook: TwilioWebhook | None = None
    sms: SmsIntake | None = None
    voice_webhook: TwilioWebhook | None = None
    voice: VoiceIntake | None = None
    recordings: RecordingFetcher | None = None
    telegram_webhook: TelegramWebhook | None = None
    telegram: TelegramConversation | None = None
    telegram_sender: TelegramSender | None = None
    mail: MailIntake | None = None
    imap: ImapPoller | None = None
    smtp_listen: tuple[str, int] | None = None
    polling: bool = False
    # The webhooks of the channels that are on, by name: what `POST /hooks/{name}` serves.
    hooks: dict[str, InboundHook[Any, Any]] = field(default_factory=dict)
    _servers: list[asyncio.Server] = field(default_factory=list)

    async def start(self, config: ChannelConfig) -> None:
        """Start what is not a background job: the SMTP server, and Telegram's webhook registration."""
        if self.mail is not None and self.smtp_listen is not None:
            host, port = self.smtp_listen
            domain = (config.mail_from or "").rsplit("@", 1)[-1]
            handler = SmtpHandler(self.mail, accept_domains=[domain] if domain else [])
            self._servers.append(await start_smtp_server(handler, host, port))
            log.info("SMTP server listening on %s:%d", host, port)
        secret = config.telegram_secret
        if self.telegram is not None and self.telegram_sender is not None and not self.polling and secret:
            try:
                await self.telegram_sender.set_webhook(_public(config, TELEGRAM_PATH), secret)
            except ChannelSendError as exc:
                log.warning("setWebhook failed: %s", exc)

    def jobs(self) -> list[Job]:
        """The channels' background jobs, for the runner: IMAP, voice recordings, Telegram's sweeper
        and (in polling mode) long polling, which must run in one process only: two pollers would
        make Telegram answer one of them 409 Conflict on every getUpdates."""
        jobs: list[Job] = []
        if self.imap is not None:
            jobs.append(Job("imap", self.imap.session, interval=self.imap.retry_delay))
        if self.recordings is not None:
            fetcher = self.recordings

            async def fetch() -> None:
                await fetcher.run_once()

            jobs.append(
                Job("recordings", fetch, interval=POLL_SECONDS, leader=RECORDINGS_LOCK, wake=fetcher.wake)
            )
        if self.telegram is not None and self.telegram_sender is not None:
            jobs.append(Job("telegram-sweeper", self.telegram.sweep, TELEGRAM_SWEEP_S, first_after=True))
            if self.polling:
                sender = self.telegram_sender

                async def poll() -> None:
                    await sender.poll(self._telegram_update)

                jobs.append(
                    Job("telegram-polling", poll, TELEGRAM_POLL_RETRY_S, leader=TELEGRAM_POLLING_LOCK)
                )
        return jobs

    async def _telegram_update(self, update: dict[str, Any]) -> None:
        assert self.telegram is not None
        try:
            await self.telegram.handle(update)
        except InboundError as exc:
            log.info("telegram update %s ignored: %s", update.get("update_id"), exc.__class__.__name__)

    async def aclose(self) -> None:
        """Stop the inbound side (committed SMS still queued are processed first, briefly)."""
        if self.sms is not None:
            await self.sms.deferred.aclose()
        for server in self._servers:
            server.close()
            await server.wait_closed()


def build_channels(
    config: ChannelConfig,
    service: IntakeService,
    *,
    updates: UpdateClaims,
    calls: CallRecords,
    seal_file: Callable[[bytes], bytes] | None = None,
    drafts: DraftStore | None = None,
) -> Channels:
    """The inbound adapters of every configured channel, on top of `service`; `updates` are the
    Telegram updates claimed once, `calls` the duty phone's call records, `drafts` the Telegram
    conversations' state (in this process's memory when None)."""
    intake = ChannelIntake(service)
    channels = Channels(intake, polling=config.telegram_polling)
    if config.twilio_account_sid and config.twilio_auth_token and config.twilio_from:
        channels.sms_webhook = TwilioWebhook(config.twilio_auth_token)
        channels.sms = SmsIntake(intake, inline=config.intake_processing != "worker")
    if config.twilio_account_sid and config.twilio_auth_token:
        _build_voice(config, channels, calls, seal_file)
    if config.telegram_token and (config.telegram_secret or config.telegram_polling):
        channels.telegram_sender = TelegramSender(config.telegram_token, config.telegram_api_base)
        # Update ids are per bot: the token's public part (before the colon) names the bot.
        bot_id = config.telegram_token.split(":", 1)[0]
        channels.telegram = TelegramConversation(
            intake, channels.telegram_sender, updates=updates, bot_id=bot_id, states=drafts
        )
        if config.telegram_secret:
            channels.telegram_webhook = TelegramWebhook(config.telegram_secret)
    if config.imap_url or config.smtp_listen:
        own = [config.mail_from] if config.mail_from else []
        channels.mail = MailIntake(
            intake, store_dir=Path(config.data_dir), own_addresses=own, seal_file=seal_file
        )
        if config.imap_url:
            channels.imap = ImapPoller(ImapConfig.from_url(config.imap_url), channels.mail)
        if config.smtp_listen:
            host, _, port = config.smtp_listen.rpartition(":")
            channels.smtp_listen = (host or "127.0.0.1", int(port))
    channels.hooks = inbound_hooks(channels)
    return channels


def inbound_hooks(channels: Channels) -> dict[str, InboundHook[Any, Any]]:
    """The webhooks of the channels that are on, by the name the door serves them under.
    (E-mail comes in by IMAP or our own SMTP server: it has no webhook.)"""
    hooks: dict[str, InboundHook[Any, Any]] = {}
    if channels.sms_webhook is not None and channels.sms is not None:
        hooks["sms"] = SmsHook(channels.sms_webhook, channels.sms)
    if channels.sms_webhook is not None:
        hooks["sms-status"] = SmsStatusHook(channels.sms_webhook, channels.intake)
    if channels.telegram_webhook is not None and channels.telegram is not None:
        hooks["telegram"] = TelegramHook(channels.telegram_webhook, channels.telegram)
    if channels.voice_webhook is not None and channels.voice is not None:
        hooks.update(voice_hooks(channels.voice_webhook, channels.voice))
    return hooks


def _build_voice(
    config: ChannelConfig,
    channels: Channels,
    calls: CallRecords,
    seal_file: Callable[[bytes], bytes] | None,
) -> None:
    """The duty phone: its webhooks and the job that fetches voice messages."""
    assert config.twilio_account_sid and config.twilio_auth_token
    channels.recordings = RecordingFetcher(
        calls,
        channels.intake.records.audit,
        channels.intake.service.clock,
        account_sid=config.twilio_account_sid,
        auth_token=config.twilio_auth_token,
        api_base=config.twilio_api_base,
        data_dir=Path(config.data_dir),
        seal_file=seal_file or (lambda data: data),
        delete_after=config.twilio_delete_recordings,
        max_bytes=config.twilio_max_recording_bytes,
    )
    channels.voice_webhook = TwilioWebhook(config.twilio_auth_token)
    channels.voice = VoiceIntake(
        channels.intake,
        calls=calls,
        public_url=config.public_url,
        sms_on=bool(config.twilio_from),
        kick_fetcher=channels.recordings.kick,
    )


async def check_channels(config: ChannelConfig) -> dict[str, str]:
    """Prove each configured channel's credentials against the real service: name -> result."""
    results: dict[str, str] = {}
    senders = build_senders(config)
    for channel, sender in senders.items():
        check = getattr(sender, "check", None)
        if check is None:
            continue
        try:
            results[channel.value] = "ok: " + await check()
        except ChannelSendError as exc:
            results[channel.value] = f"FAILED: {exc}"
    if config.imap_url:
        try:
            client = await open_mailbox(ImapConfig.from_url(config.imap_url))
            await client.logout()
            results["imap"] = "ok: mailbox opened"
        except Exception as exc:  # any failure is reported; none is fatal here
            results["imap"] = f"FAILED: {exc.__class__.__name__}"
    return results
