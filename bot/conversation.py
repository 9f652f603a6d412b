"""The guided Telegram conversation: explain, collect the report, ask real-name or anonymous, file it.

Every message is committed raw the moment it arrives; the chat's state (which committed messages
form the draft of its report, the contact given, whether it sent /start) is kept in the database
(`bot/drafts.py`), read at the start of each update and written at its end, so any process
continues any chat. The draft is filed as one report when the citizen chooses real-name (after
sending a name and phone) or anonymous, or when the chat has been quiet for `idle` (filed as
anonymous); its state is written only after that commit, so a failed write (answered 503,
redelivered by Telegram) finds the draft again. A draft's messages are older than the sweep's
wait for held channels only when the chat stayed open that long: then the sweep files them.

Each update is handled once: its update_id is claimed in the database before anything else (a
redelivered button press or /start would otherwise act twice), and released if handling fails.
A message after a filed report starts a new draft; it is added to the earlier report only when
the citizen taps 补充.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.contact import Contact, typed_contact
from bot.drafts import ChatState, Draft, DraftStore, MemoryDrafts, StoredChat, state_json, state_of
from bot.telegram import CONTACT_TEXT, Button, TelegramEvent, parse_update
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
from intake.errors import StorageError
from intake.flow import ChannelIntake
from intake.normalise import status_query
from intake.ports import RawMessage, UpdateClaims
from intake.service import Receipt

log = logging.getLogger(__name__)

DEFAULT_IDLE = timedelta(minutes=5)
REAL_NAME = "realname"
ANONYMOUS = "anonymous"
APPEND = "append:"  # + tracking number: add the draft to that earlier report of the same chat
# How far back an earlier report of the chat is offered for 补充.
APPEND_WINDOW = timedelta(days=1)
# Telegram gives up redelivering an update after a day; claims are kept twice that long.
UPDATE_RETENTION = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
# The database compares `last_at < before`; the sweep files drafts quiet for `idle` or longer.
MOMENT = timedelta(microseconds=1)


class Prompter(Protocol):
    """Sends the conversation's own replies (the acknowledgement goes through the outbox)."""

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


CHOICE_BUTTONS: tuple[tuple[Button, ...], ...] = (
    ((REAL_NAME_LABEL, REAL_NAME),),
    ((ANONYMOUS_LABEL, ANONYMOUS),),
)


def joined_text(texts: Sequence[str]) -> str:
    """The report's text from its messages in order."""
    return "\n".join(t for t in texts if t.strip())


class TelegramConversation:
    """Handles updates (from the webhook or long polling) of one bot."""

    def __init__(
        self,
        intake: ChannelIntake,
        prompter: Prompter,
        *,
        updates: UpdateClaims,
        inspection_id: str | None = None,
        idle: timedelta = DEFAULT_IDLE,
        bot_id: str = "bot",
        states: DraftStore | None = None,
    ) -> None:
        self.intake = intake
        self.prompter = prompter
        # Which updates were handled, across processes (Telegram redelivers).
        self.updates = updates
        self.inspection_id = inspection_id
        self.idle = idle
        self.bot_id = bot_id
        # Chats' drafts; in memory only when no database is given (one process).
        self.states: DraftStore = states or MemoryDrafts()
        self._pruned_at: datetime | None = None
        # Updates of one chat must not interleave (two photos of one album arrive together); across
        # processes, a write of a chat's state from a stale read fails (see `bot/drafts.py`).
        self._lock = asyncio.Lock()

    @property
    def _now(self) -> datetime:
        return self.intake.service.clock.now()

    async def handle(self, data: dict[str, Any]) -> Receipt | None:
        """Act on one update dict, once per update_id; raises `InboundError` for malformed or
        unsupported updates and `StorageError` when the database fails (Telegram will redeliver)."""
        event = parse_update(data)
        async with self._lock:
            if not await self.updates.claim_update(self.bot_id, event.update_id, self._now):
                log.info("redelivered telegram update %s ignored", event.update_id)
                return Receipt(None, None, duplicate=True)
            try:
                return await self._handle(event, data)
            except BaseException:
                await self._release(event.update_id)
                raise

    async def _release(self, update_id: int) -> None:
        try:
            await self.updates.release_update(self.bot_id, update_id)
        except Exception as exc:
            # The redelivery will be ignored; a committed message is still filed by the sweep.
            log.error("telegram update %s not released: %s", update_id, exc.__class__.__name__)

    async def draft_of(self, chat_id: str) -> Draft | None:
        """The chat's open draft, as any process sees it."""
        stored = await self.states.load(self.bot_id, chat_id)
        return None if stored is None else state_of(stored.state).draft

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

    async def _handle(self, event: TelegramEvent, data: dict[str, Any]) -> Receipt | None:
        chat = event.chat_id
        stored = await self.states.load(self.bot_id, chat)
        state = state_of(stored.state) if stored is not None else ChatState()
        await self._settle(state)
        receipt = await self._act(event, data, state)
        await self._keep(chat, state, stored)
        return receipt

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

    async def _act(self, event: TelegramEvent, data: dict[str, Any], state: ChatState) -> Receipt | None:
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
        if event.kind == "callback":
            if event.callback_id:
                await self.prompter.answer_callback(event.callback_id)
            receipt = await self._choice(chat, state, event.callback_data or "")
            if event.source_message_id is not None:
                await self._unbutton(chat, event.source_message_id)
            return receipt
        return await self._message(event, data, state)

    async def _message(self, event: TelegramEvent, data: dict[str, Any], state: ChatState) -> Receipt | None:
        assert event.message is not None  # message and contact events carry one
        chat, message = event.chat_id, event.message
        draft = state.draft
        contact = event.contact
        if contact is None and draft is not None and draft.awaiting_contact and event.kind == "message":
            contact = typed_contact(message.text)
            if contact is not None:
                # The number never reaches a message text: only the sealed payload keeps what was typed.
                message = message.model_copy(update={"text": CONTACT_TEXT})
        saved = await self.intake.commit(message, payload=data, inspection_id=self.inspection_id)
        raw = saved.message
        held = draft is not None and draft.holds(raw) and contact is None
        if saved.duplicate and (raw.handled or raw.report_id is not None or held):
            log.info("duplicate telegram message %s", event.update_id)
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
        buttons: tuple[tuple[Button, ...], ...] = CHOICE_BUTTONS
        if not state.fresh:
            earlier = await self.intake.open_report_for(raw, join_window=APPEND_WINDOW)
            if earlier is not None:
                label = append_label(earlier.tracking_number)
                buttons = (((label, APPEND + earlier.tracking_number),), *CHOICE_BUTTONS)
        state.draft = Draft([raw], self._now)
        await self._say(chat, COLLECTING_TEXT, buttons=buttons)

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
            # The pressed prompt loses its buttons: offer the choice again.
            await self._say(chat_id, COLLECTING_TEXT, buttons=CHOICE_BUTTONS)
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
        # Dropped only now: had the write failed, Telegram's redelivery would find the draft again.
        state.draft = None
        state.fresh = False
        log.info(
            "telegram draft filed as %s (%s, %d messages)",
            receipt.tracking_number,
            "real-name" if real_name else "anonymous",
            len(messages),
        )
        if real_name:
            await self._say(chat_id, CONTACT_NOTE, remove_keyboard=True)
        return receipt

    async def sweep(self) -> int:
        """File every draft quiet for longer than `idle` as anonymous; returns how many. Also
        forgets update claims older than Telegram's redelivery horizon (once an hour)."""
        async with self._lock:
            now = self._now
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                await self.updates.prune_updates(now - UPDATE_RETENTION)
                # A /start with nothing written after it is forgotten with the update claims.
                await self.states.prune(self.bot_id, now - UPDATE_RETENTION)
                self._pruned_at = now
            filed = 0
            for stored in await self.states.idle(self.bot_id, now - self.idle + MOMENT):
                filed += await self._file_idle(stored)
            return filed

    async def _file_idle(self, stored: StoredChat) -> int:
        """File a quiet draft as anonymous, unless another process's sweep or update got it first."""
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
            log.info("telegram draft taken by another process")
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

    async def _unbutton(self, chat_id: str, message_id: int) -> None:
        try:
            await self.prompter.remove_buttons(chat_id, message_id)
        except Exception as exc:
            log.warning("telegram buttons not removed: %s", exc.__class__.__name__)

    async def _say(self, chat_id: str, text: str, **kwargs: Any) -> None:
        # Conversation prompts are best effort: the messages are already committed, and the
        # acknowledgement with the tracking number goes through the outbox with retries.
        try:
            await self.prompter.send(chat_id, text, **kwargs)
        except Exception as exc:
            log.warning("telegram prompt not sent: %s", exc.__class__.__name__)
