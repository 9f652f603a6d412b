"""The Telegram side of the guided chat conversation (`intake/conversation.py`).

Telegram updates become the conversation's `ChatEvent`s (a text, a button's choice, a shared
contact, a command) and its prompts become Telegram messages with inline buttons or a
share-phone-number keyboard.

Each update is handled once: its update_id is claimed in the database before anything else (a
redelivered button press or /start would otherwise act twice), and released if handling fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.telegram import Button, TelegramEvent, parse_update
from intake.conversation import DEFAULT_IDLE, PRUNE_EVERY, ChatConversation, ChatEvent, Choice, EventKind
from intake.drafts import Draft, DraftStore
from intake.flow import ChannelIntake
from intake.ports import UpdateClaims
from intake.service import Receipt

log = logging.getLogger(__name__)

# Telegram gives up redelivering an update after a day; claims are kept twice that long.
UPDATE_RETENTION = timedelta(days=2)

_KINDS: dict[str, EventKind] = {
    "message": "text",
    "callback": "choice",
    "contact": "contact",
    "start": "start",
    "help": "help",
    "status_help": "status_help",
}


class TelegramPrompts(Protocol):
    """What the conversation sends through Telegram (`bot.telegram.TelegramSender`)."""

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None: ...

    async def answer_callback(self, callback_id: str) -> None: ...

    async def remove_buttons(self, chat_id: str, message_id: int) -> None: ...


class TelegramPrompter:
    """The conversation's `Prompter`: choices as inline buttons whose callback data is their name."""

    def __init__(self, sender: TelegramPrompts) -> None:
        self.sender = sender

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None:
        return await self.sender.send(
            chat_id, text, buttons=choices, ask_contact=ask_contact, remove_keyboard=remove_keyboard
        )

    async def choice_received(self, event: ChatEvent) -> None:
        update = event.origin
        if isinstance(update, TelegramEvent) and update.callback_id:
            await self.sender.answer_callback(update.callback_id)

    async def choice_used(self, event: ChatEvent) -> None:
        update = event.origin
        if isinstance(update, TelegramEvent) and update.source_message_id is not None:
            await self.sender.remove_buttons(event.chat_id, update.source_message_id)


def chat_event(update: TelegramEvent, data: dict[str, Any]) -> ChatEvent:
    """The conversation's view of a parsed update (`data`, the update, is kept with its message)."""
    return ChatEvent(
        kind=_KINDS[update.kind],
        chat_id=update.chat_id,
        message=update.message,
        choice=update.callback_data,
        contact=update.contact,
        payload=data,
        origin=update,
    )


class TelegramConversation:
    """Handles updates (from the webhook or long polling) of one bot."""

    def __init__(
        self,
        intake: ChannelIntake,
        prompter: TelegramPrompts,
        *,
        updates: UpdateClaims,
        inspection_id: str | None = None,
        idle: timedelta = DEFAULT_IDLE,
        bot_id: str = "bot",
        states: DraftStore | None = None,
    ) -> None:
        self.talk = ChatConversation(
            intake,
            TelegramPrompter(prompter),
            inspection_id=inspection_id,
            idle=idle,
            bot_id=bot_id,
            states=states,
        )
        # Which updates were handled, across processes (Telegram redelivers).
        self.updates = updates
        self.bot_id = bot_id
        self._pruned_at: datetime | None = None

    @property
    def _now(self) -> datetime:
        return self.talk.intake.service.clock.now()

    async def handle(self, data: dict[str, Any]) -> Receipt | None:
        """Act on one update dict, once per update_id; raises `InboundError` for malformed or
        unsupported updates and `StorageError` when the database fails (Telegram will redeliver)."""
        update = parse_update(data)
        async with self.talk.lock:
            if not await self.updates.claim_update(self.bot_id, update.update_id, self._now):
                log.info("redelivered telegram update %s ignored", update.update_id)
                return Receipt(None, None, duplicate=True)
            try:
                return await self.talk.take(chat_event(update, data))
            except BaseException:
                await self._release(update.update_id)
                raise

    async def _release(self, update_id: int) -> None:
        try:
            await self.updates.release_update(self.bot_id, update_id)
        except Exception as exc:
            # The redelivery will be ignored; a committed message is still filed by the sweep.
            log.error("telegram update %s not released: %s", update_id, exc.__class__.__name__)

    async def draft_of(self, chat_id: str) -> Draft | None:
        """The chat's open draft, as any process sees it."""
        return await self.talk.draft_of(chat_id)

    async def sweep(self) -> int:
        """File every draft quiet for longer than `idle` as anonymous; returns how many. Also
        forgets update claims older than Telegram's redelivery horizon (once an hour)."""
        async with self.talk.lock:
            now = self._now
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                await self.updates.prune_updates(now - UPDATE_RETENTION)
                self._pruned_at = now
            return await self.talk.sweep_held()
