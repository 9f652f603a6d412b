"""The guided chat conversation: explain, collect the report, ask real-name or anonymous, file it.

Vendor-neutral: a channel adapter (`bot/conversation.py` for Telegram) turns its deliveries into
`ChatEvent`s (a text, a choice by name, a shared contact, a command) and renders the prompts of
its `Prompter` as its own messages and keyboards.

Every message is committed raw the moment it arrives; the chat's state (which committed messages
form the draft of its report, the contact given, whether it sent /start) is kept in the database
(`intake/drafts.py`), read at the start of each event and written at its end, so any process
continues any chat. The draft is filed as one report when the citizen chooses real-name (after
sending a name and phone) or anonymous, or when the chat has been quiet for `idle` (filed as
anonymous); its state is written only after that commit, so a failed write (the provider
redelivers) finds the draft again. A draft's messages are older than the sweep's wait for held
channels only when the chat stayed open that long: then the sweep files them.

A message after a filed report starts a new draft; it is added to the earlier report only when
the citizen chooses 补充.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from intake.citizen_texts import (
    ANONYMOUS_LABEL,
    ANONYMOUS_NOTE,
    ASK_AGAIN_TEXT,
    ASK_CONTACT_TEXT,
    COLLECTING_TEXT,
    CONTACT_NOTE,
    NOTHING_YET_TEXT,
    REAL_NAME_LABEL,
    SHARE_PHONE,
    STATUS_HELP_TEXT,
    append_label,
    appended_text,
    welcome_text,
)
from intake.drafts import ChatState, Draft, DraftStore, MemoryDrafts, StoredChat, state_json, state_of
from intake.errors import StorageError
from intake.flow import ChannelIntake
from intake.models import InboundMessage
from intake.normalise import status_query
from intake.ports import RawMessage
from intake.reporter_contact import CONTACT_TEXT, Contact, typed_contact
from intake.service import Receipt

log = logging.getLogger(__name__)

DEFAULT_IDLE = timedelta(minutes=5)
REAL_NAME = "realname"
ANONYMOUS = "anonymous"
APPEND = "append:"  # + tracking number: add the draft to that earlier report of the same chat
# How far back an earlier report of the chat is offered for 补充.
APPEND_WINDOW = timedelta(days=1)
# A /start with nothing written after it is forgotten after this long (with Telegram's update claims).
STATE_RETENTION = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
# The database compares `last_at < before`; the sweep files drafts quiet for `idle` or longer.
MOMENT = timedelta(microseconds=1)

EventKind = Literal["text", "start", "help", "status_help", "choice", "contact"]
Choice = tuple[str, str]  # (label, name): the name comes back in a "choice" event


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One thing a citizen did in a chat, as the conversation acts on it."""

    kind: EventKind
    chat_id: str
    message: InboundMessage | None = None  # for text and contact
    choice: str | None = None  # the name of the choice made
    contact: Contact | None = None  # a shared contact's name and number
    payload: dict[str, Any] | None = None  # the provider's delivery, kept sealed with the message
    origin: object = None  # the adapter's own handle, given back to its `Prompter`


class Prompter(Protocol):
    """Sends the conversation's own replies (the acknowledgement goes through the outbox)."""

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None: ...

    async def choice_received(self, event: ChatEvent) -> None:
        """Before a choice is acted on (Telegram: stop the button's spinner)."""

    async def choice_used(self, event: ChatEvent) -> None:
        """After a choice was acted on (Telegram: take the buttons off the prompt)."""


CHOICES: tuple[tuple[Choice, ...], ...] = (
    ((REAL_NAME_LABEL, REAL_NAME),),
    ((ANONYMOUS_LABEL, ANONYMOUS),),
)


def joined_text(texts: Sequence[str]) -> str:
    """The report's text from its messages in order."""
    return "\n".join(t for t in texts if t.strip())


class ChatConversation:
    """The conversations of the chats of one bot (account) of a chat channel."""

    def __init__(
        self,
        intake: ChannelIntake,
        prompter: Prompter,
        *,
        inspection_id: str | None = None,
        idle: timedelta = DEFAULT_IDLE,
        bot_id: str = "bot",
        states: DraftStore | None = None,
    ) -> None:
        self.intake = intake
        self.prompter = prompter
        self.inspection_id = inspection_id
        self.idle = idle
        self.bot_id = bot_id
        # Chats' drafts; in memory only when no database is given (one process).
        self.states: DraftStore = states or MemoryDrafts()
        self._pruned_at: datetime | None = None
        # Events of one chat must not interleave (two photos of one album arrive together); across
        # processes, a write of a chat's state from a stale read fails (see `intake/drafts.py`).
        # Held by the caller of `take` and `sweep_held`, so it can claim a delivery under it.
        self.lock = asyncio.Lock()

    @property
    def _now(self) -> datetime:
        return self.intake.service.clock.now()

    async def draft_of(self, chat_id: str) -> Draft | None:
        """The chat's open draft, as any process sees it."""
        stored = await self.states.load(self.bot_id, chat_id)
        return None if stored is None else state_of(stored.state).draft

    async def take(self, event: ChatEvent) -> Receipt | None:
        """Act on one event (the caller holds `lock`); raises `StorageError` when the database
        fails, the chat's state then unchanged."""
        chat = event.chat_id
        stored = await self.states.load(self.bot_id, chat)
        state = state_of(stored.state) if stored is not None else ChatState()
        await self._settle(state)
        receipt = await self._act(event, state)
        await self._keep(chat, state, stored)
        return receipt

    async def _keep(self, chat: str, state: ChatState, stored: StoredChat | None) -> None:
        """Write the chat's state over what was read (`StorageError` if another process changed it)."""
        if state.empty:
            if stored is not None:
                await self.states.delete(self.bot_id, chat, version=stored.version)
            return
        new = state_json(state)
        if stored is not None and stored.state == new:
            return
        last_at = state.draft.last_at if state.draft is not None else None
        version = None if stored is None else stored.version
        await self.states.save(self.bot_id, chat, new, last_at=last_at, now=self._now, version=version)

    async def _settle(self, state: ChatState) -> None:
        """Drop from the draft the messages that got a report meanwhile: another process's start-up
        recovery (or the service's sweep) filed them on their own, and filing them again would move
        them out of those reports."""
        draft = state.draft
        if draft is None:
            return
        held = [m.pk for m in (*draft.messages, *draft.contact)]
        still = await self.intake.records.messages.unprocessed_among(held)
        if len(still) == len(held):
            return
        draft.messages = [m for m in draft.messages if m.pk in still]
        draft.contact = [m for m in draft.contact if m.pk in still]
        if not draft.messages:
            state.draft = None

    async def _act(self, event: ChatEvent, state: ChatState) -> Receipt | None:
        chat = event.chat_id
        if event.kind in ("start", "help"):
            if event.kind == "start":
                state.fresh = True
            inspection = self.intake.service.inspection(self.inspection_id)
            await self._say(chat, welcome_text(inspection, self._now))
            return None
        if event.kind == "status_help":
            await self._say(chat, STATUS_HELP_TEXT)
            return None
        if event.kind == "choice":
            await self.prompter.choice_received(event)
            receipt = await self._choice(chat, state, event.choice or "")
            await self._used(event)
            return receipt
        return await self._message(event, state)

    async def _message(self, event: ChatEvent, state: ChatState) -> Receipt | None:
        assert event.message is not None  # text and contact events carry one
        chat, message = event.chat_id, event.message
        draft = state.draft
        contact = event.contact
        if contact is None and draft is not None and draft.awaiting_contact and event.kind == "text":
            contact = typed_contact(message.text)
            if contact is not None:
                # The number never reaches a message text: only the sealed payload keeps what was typed.
                message = message.model_copy(update={"text": CONTACT_TEXT})
        saved = await self.intake.commit(message, payload=event.payload, inspection_id=self.inspection_id)
        raw = saved.message
        held = draft is not None and draft.holds(raw) and contact is None
        if saved.duplicate and (raw.handled or raw.report_id is not None or held):
            log.info("duplicate chat message %s", message.id)
            return Receipt(None, None, duplicate=True)
        if contact is not None:
            return await self._contact(chat, state, raw, contact)
        number = status_query(raw.text)
        if number is not None:
            return await self.intake.service.answer_status(raw, number)
        if draft is None:
            await self._open_draft(chat, state, raw)
            return None
        draft.messages.append(raw)
        draft.last_at = self._now
        if draft.awaiting_contact:
            # Content, not contact details: kept in the report, and the question asked again.
            await self._say(chat, ASK_AGAIN_TEXT, ask_contact=SHARE_PHONE)
        return None

    async def _contact(
        self, chat: str, state: ChatState, raw: RawMessage, contact: Contact
    ) -> Receipt | None:
        draft = state.draft
        if draft is None:
            await self.intake.record(raw, "message.contact_without_report")
            await self._say(chat, NOTHING_YET_TEXT, remove_keyboard=True)
            return None
        if not draft.holds(raw):
            draft.contact.append(raw)
        draft.identity = contact
        return await self._file(chat, state, real_name=True)

    async def _open_draft(self, chat: str, state: ChatState, raw: RawMessage) -> None:
        choices: tuple[tuple[Choice, ...], ...] = CHOICES
        if not state.fresh:
            earlier = await self.intake.open_report_for(raw, join_window=APPEND_WINDOW)
            if earlier is not None:
                label = append_label(earlier.tracking_number)
                choices = (((label, APPEND + earlier.tracking_number),), *CHOICES)
        state.draft = Draft([raw], self._now)
        await self._say(chat, COLLECTING_TEXT, choices=choices)

    async def _choice(self, chat_id: str, state: ChatState, choice: str) -> Receipt | None:
        draft = state.draft
        if draft is None:
            await self._say(chat_id, NOTHING_YET_TEXT)
            return None
        if choice == REAL_NAME:
            draft.awaiting_contact = True
            draft.last_at = self._now
            await self._say(chat_id, ASK_CONTACT_TEXT, ask_contact=SHARE_PHONE)
            return None
        if choice == ANONYMOUS:
            receipt = await self._file(chat_id, state, real_name=False)
            await self._say(chat_id, ANONYMOUS_NOTE, remove_keyboard=draft.awaiting_contact)
            return receipt
        if choice.startswith(APPEND):
            return await self._append(chat_id, state, draft, choice.removeprefix(APPEND))
        return None

    async def _append(
        self, chat_id: str, state: ChatState, draft: Draft, tracking_number: str
    ) -> Receipt | None:
        # The number comes back from the client: only a report this chat filed is accepted.
        first = draft.messages[0]
        report = await self.intake.open_report_for(first, tracking_hints=[tracking_number])
        if report is None:
            # The used prompt loses its choices: offer the choice again.
            await self._say(chat_id, COLLECTING_TEXT, choices=CHOICES)
            return None
        receipt = None
        for raw in (*draft.messages, *draft.contact):
            receipt = await self.intake.attach(raw, report)
        state.draft = None  # only after the messages are linked
        await self._say(chat_id, appended_text(report.tracking_number))
        return receipt

    async def _file(self, chat_id: str, state: ChatState, *, real_name: bool) -> Receipt:
        draft = state.draft
        assert draft is not None  # filed only from an open draft
        messages = [*draft.messages, *draft.contact]
        if real_name and draft.identity is not None:
            await self.intake.records.messages.set_reporter_identity(
                draft.messages[0].pk, real_name=draft.identity.name or None, phone=draft.identity.phone
            )
        text = joined_text([m.text for m in draft.messages])
        receipt = await self.intake.open_joined(messages[0], messages[1:], text)
        # Dropped only now: had the write failed, the provider's redelivery would find the draft again.
        state.draft = None
        state.fresh = False
        log.info(
            "chat draft filed as %s (%s, %d messages)",
            receipt.tracking_number,
            "real-name" if real_name else "anonymous",
            len(messages),
        )
        if real_name:
            await self._say(chat_id, CONTACT_NOTE, remove_keyboard=True)
        return receipt

    async def sweep(self) -> int:
        """`sweep_held` under the lock."""
        async with self.lock:
            return await self.sweep_held()

    async def sweep_held(self) -> int:
        """File every draft quiet for longer than `idle` as anonymous (the caller holds `lock`);
        returns how many. Also forgets a /start with nothing after it (once an hour)."""
        now = self._now
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await self.states.prune(self.bot_id, now - STATE_RETENTION)
            self._pruned_at = now
        filed = 0
        for stored in await self.states.idle(self.bot_id, now - self.idle + MOMENT):
            filed += await self._file_idle(stored)
        return filed

    async def _file_idle(self, stored: StoredChat) -> int:
        """File a quiet draft as anonymous, unless another process's sweep or event got it first."""
        state = state_of(stored.state)
        if state.draft is None:
            return 0
        try:
            # Taking the draft (a write over the version read) keeps two processes' sweeps from
            # filing it twice; the loser skips it.
            await self.states.save(
                self.bot_id,
                stored.chat,
                stored.state,
                last_at=state.draft.last_at,
                now=self._now,
                version=stored.version,
            )
        except StorageError:
            log.info("chat draft taken by another process")
            return 0
        taken = await self.states.load(self.bot_id, stored.chat)
        # What was taken, with any message added since the read above.
        state = state_of(taken.state) if taken is not None else ChatState()
        await self._settle(state)
        if taken is None or state.draft is None:
            if taken is not None:
                await self._keep(stored.chat, state, taken)
            return 0
        await self._file(stored.chat, state, real_name=False)
        await self._keep(stored.chat, state, taken)
        return 1

    async def _used(self, event: ChatEvent) -> None:
        try:
            await self.prompter.choice_used(event)
        except Exception as exc:
            log.warning("chat choices not removed: %s", exc.__class__.__name__)

    async def _say(self, chat_id: str, text: str, **kwargs: Any) -> None:
        # Conversation prompts are best effort: the messages are already committed, and the
        # acknowledgement with the tracking number goes through the outbox with retries.
        try:
            await self.prompter.send(chat_id, text, **kwargs)
        except Exception as exc:
            log.warning("chat prompt not sent: %s", exc.__class__.__name__)
