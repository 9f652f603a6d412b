"""The providers' webhooks as one kind of object, served by the one door `POST /hooks/{name}`.

Each inbound hook says how to `verify` a delivery (the provider's signature or secret: nothing is read
before it), how to `parse` it, and how to `take` it (commit it through the channel adapters, and
the answer the provider expects). The door (`web/hooks.py`) does the rest the same way for all:
404 for a channel that is off, 413 for a body over the limit, 403 (or 429) on failed verification,
the provider's empty answer for an event we do not take in, 503 when the database is down so that
the provider delivers again. `build_channels` (bot/registry.py) registers the hooks of the channels
that are on.

The paths providers were configured with before the door keep working: `HOOK_ALIASES`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from bot.base import HookAnswer, WebhookRequest
from bot.conversation import TelegramConversation
from bot.sms import EMPTY_TWIML, TWIML_OK, TWIML_UNAVAILABLE, Form, TwilioWebhook
from bot.telegram import TelegramWebhook, update_json
from bot.voice import (
    DIAL_PATH,
    RECORDED_PATH,
    RECORDING_PATH,
    STATUS_PATH,
    VOICE_PATH,
    WHISPER_PATH,
    VoiceIntake,
)

log = logging.getLogger(__name__)

HOOKS_PREFIX: Final = "/hooks/"


JSON_OK: Final = HookAnswer(200, b"{}", "application/json")
JSON_UNAVAILABLE: Final = HookAnswer(503, b'{"error":"storage unavailable"}', "application/json")

V = TypeVar("V")
P = TypeVar("P")


class InboundHook(Protocol[V, P]):
    """One provider webhook. `verify` raises `WebhookAuthError`; `parse` and `take` raise
    `InboundError`s (`UnsupportedEvent`: answered `ignored`) and `take` `StorageError`
    (answered `unavailable`)."""

    @property
    def ignored(self) -> HookAnswer:
        """The answer to a verified event we do not take in (200: the provider must not retry it)."""

    @property
    def unavailable(self) -> HookAnswer:
        """The answer when the delivery could not be stored (503: the provider delivers again)."""

    def verify(self, req: WebhookRequest) -> V:
        """What the signature covers, checked (a Twilio form is parsed once, here)."""

    def parse(self, req: WebhookRequest, verified: V) -> P:
        """The delivery as the channel adapter takes it."""

    async def take(self, parsed: P) -> HookAnswer:
        """Commit the delivery; the provider's answer once it is stored."""


class TelegramHook:
    """Telegram's webhook updates: the conversation (bot/conversation.py) takes each one."""

    ignored = JSON_OK
    unavailable = JSON_UNAVAILABLE

    def __init__(self, webhook: TelegramWebhook, conversation: TelegramConversation) -> None:
        self.webhook = webhook
        self.conversation = conversation

    def verify(self, req: WebhookRequest) -> None:
        """Raise unless the secret-token header is right."""
        self.webhook.verify(req)

    def parse(self, req: WebhookRequest, verified: None) -> dict[str, Any]:
        """The update's JSON object (bounded in size and depth)."""
        return update_json(req.body)

    async def take(self, parsed: dict[str, Any]) -> HookAnswer:
        """Hand the update to the conversation."""
        await self.conversation.handle(parsed)
        return JSON_OK


# One step of a call (bot/voice.py): the verified form and the signed URL's query in, TwiML out.
VoiceStep = Callable[[VoiceIntake, Form, Mapping[str, str]], Awaitable[str | None]]


async def _incoming(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> str:
    return await voice.incoming(form)


async def _whisper(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> str:
    # The caller's CallSid is in our own (signed) URL: the officer's leg has a CallSid of its own.
    return await voice.whisper(form, query.get("call", ""))


async def _dial(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> str:
    return await voice.dial_ended(form)


async def _recorded(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> str:
    return await voice.recorded(form)


async def _recording(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> None:
    await voice.recording_status(form)


async def _status(voice: VoiceIntake, form: Form, query: Mapping[str, str]) -> None:
    await voice.ended(form)


# The duty phone's webhooks by name, with the path each had before the door (what Twilio calls,
# and what the TwiML of bot/voice.py still names): the step and that path.
VOICE_STEPS: Final[dict[str, tuple[VoiceStep, str]]] = {
    "voice": (_incoming, VOICE_PATH),
    "voice-whisper": (_whisper, WHISPER_PATH),
    "voice-dial": (_dial, DIAL_PATH),
    "voice-recorded": (_recorded, RECORDED_PATH),
    "voice-recording": (_recording, RECORDING_PATH),
    "voice-status": (_status, STATUS_PATH),
}


class VoiceHook:
    """One step of a call to the duty phone; the answer is the TwiML of the step (bot/voice.py)."""

    ignored = TWIML_OK
    unavailable = TWIML_UNAVAILABLE

    def __init__(self, webhook: TwilioWebhook, voice: VoiceIntake, step: VoiceStep) -> None:
        self.webhook = webhook
        self.voice = voice
        self.step = step

    def verify(self, req: WebhookRequest) -> Form:
        """The form, if Twilio signed it (over the URL with its query)."""
        return self.webhook.verify(req)

    def parse(self, req: WebhookRequest, verified: Form) -> tuple[Form, dict[str, str]]:
        """The form, and the query of the URL Twilio called (ours, signed with it)."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(req.url).query).items()}
        return verified, query

    async def take(self, parsed: tuple[Form, dict[str, str]]) -> HookAnswer:
        """Play the step."""
        form, query = parsed
        twiml = await self.step(self.voice, form, query)
        return HookAnswer(200, (twiml or EMPTY_TWIML).encode(), "text/xml")


# Every hook the door knows, and what it answers (404) while its channel is off.
HOOK_NAMES: Final[dict[str, str]] = {
    "sms": "SMS is not configured",
    "sms-status": "SMS is not configured",
    "telegram": "Telegram webhook is not configured",
    **{name: "the duty phone is not configured" for name in VOICE_STEPS},
}

# The paths of before the door, which providers are configured with: the same hooks.
HOOK_ALIASES: Final[dict[str, str]] = {
    "/hooks/sms/status": "sms-status",
    **{path: name for name, (_, path) in VOICE_STEPS.items() if path != HOOKS_PREFIX + name},
}


def hook_paths() -> dict[str, str]:
    """Every path the door answers on, with its hook's name: `/hooks/<name>` and the aliases."""
    return {**{HOOKS_PREFIX + name: name for name in HOOK_NAMES}, **HOOK_ALIASES}


def voice_hooks(webhook: TwilioWebhook, voice: VoiceIntake) -> dict[str, VoiceHook]:
    """The duty phone's hooks, one per step of a call."""
    return {name: VoiceHook(webhook, voice, step) for name, (step, _) in VOICE_STEPS.items()}
