"""What a guided chat conversation (`intake/conversation.py`) remembers of a chat between messages,
and where it is kept.

The state lives in the database (`storage.drafts.SqlConversationDrafts`), not in one process's
memory: every process handling webhooks (docs/deploy.md) continues any chat. `MemoryDrafts` keeps it
in this process only, for a store without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from intake.errors import StorageError
from intake.models import Channel
from intake.ports import RawMessage
from intake.reporter_contact import Contact


@dataclass
class Draft:
    """The committed messages of a report still being written."""

    messages: list[RawMessage]
    last_at: datetime
    awaiting_contact: bool = False
    contact: list[RawMessage] = field(default_factory=list)
    identity: Contact | None = None

    def holds(self, raw: RawMessage) -> bool:
        """Whether `raw` is already part of the draft (a redelivery after a failed write)."""
        return any(m.pk == raw.pk for m in (*self.messages, *self.contact))


@dataclass
class ChatState:
    """A chat's open draft, and whether it sent /start since its last report (its next message
    then opens a new report without offering 补充 to the earlier one)."""

    draft: Draft | None = None
    fresh: bool = False

    @property
    def empty(self) -> bool:
        return self.draft is None and not self.fresh


@dataclass(frozen=True, slots=True)
class StoredChat:
    """A chat's state as read, with the version a write must name."""

    chat: str
    state: dict[str, Any]
    version: int


class DraftStore(Protocol):
    """Keeps chats' states as JSON objects; a write from a stale read raises `StorageError`."""

    async def load(self, bot: str, chat: str) -> StoredChat | None: ...

    async def save(
        self,
        bot: str,
        chat: str,
        state: dict[str, Any],
        *,
        last_at: datetime | None,
        now: datetime,
        version: int | None,
    ) -> None: ...

    async def delete(self, bot: str, chat: str, *, version: int) -> None: ...

    async def idle(self, bot: str, before: datetime) -> Sequence[StoredChat]: ...

    async def prune(self, bot: str, before: datetime) -> int: ...


def _message_json(m: RawMessage) -> dict[str, Any]:
    return {
        "pk": m.pk,
        "inspection_id": m.inspection_id,
        "channel": m.channel.value,
        "provider_id": m.provider_id,
        "sender": m.sender,
        "text": m.text,
        "subject": m.subject,
        "received_at": m.received_at.isoformat(),
        "report_id": m.report_id,
        "payload": m.payload,
        "handled": m.handled,
    }


def _message(d: dict[str, Any]) -> RawMessage:
    return RawMessage(
        **{**d, "channel": Channel(d["channel"]), "received_at": datetime.fromisoformat(d["received_at"])}
    )


def state_json(state: ChatState) -> dict[str, Any]:
    """The chat's state as a JSON object (the messages as they were when added to the draft)."""
    draft = state.draft
    if draft is None:
        return {"fresh": state.fresh, "draft": None}
    identity = (
        None if draft.identity is None else {"name": draft.identity.name, "phone": draft.identity.phone}
    )
    return {
        "fresh": state.fresh,
        "draft": {
            "messages": [_message_json(m) for m in draft.messages],
            "contact": [_message_json(m) for m in draft.contact],
            "last_at": draft.last_at.isoformat(),
            "awaiting_contact": draft.awaiting_contact,
            "identity": identity,
        },
    }


def state_of(d: dict[str, Any]) -> ChatState:
    """What `state_json` wrote, read back."""
    raw = d.get("draft")
    if raw is None:
        return ChatState(None, bool(d.get("fresh")))
    identity = raw.get("identity")
    draft = Draft(
        messages=[_message(m) for m in raw["messages"]],
        last_at=datetime.fromisoformat(raw["last_at"]),
        awaiting_contact=bool(raw["awaiting_contact"]),
        contact=[_message(m) for m in raw["contact"]],
        identity=None if identity is None else Contact(identity["name"], identity["phone"]),
    )
    return ChatState(draft, bool(d.get("fresh")))


class MemoryDrafts:
    """`DraftStore` in this process's memory (one process only: a store without a database)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], tuple[dict[str, Any], datetime | None, datetime, int]] = {}

    async def load(self, bot: str, chat: str) -> StoredChat | None:
        row = self._rows.get((bot, chat))
        return None if row is None else StoredChat(chat, row[0], row[3])

    async def save(
        self,
        bot: str,
        chat: str,
        state: dict[str, Any],
        *,
        last_at: datetime | None,
        now: datetime,
        version: int | None,
    ) -> None:
        row = self._rows.get((bot, chat))
        if (row[3] if row else None) != version:
            raise StorageError("conversation state changed meanwhile")
        self._rows[(bot, chat)] = (state, last_at, now, (version or 0) + 1)

    async def delete(self, bot: str, chat: str, *, version: int) -> None:
        row = self._rows.get((bot, chat))
        if row is None or row[3] != version:
            raise StorageError("conversation state changed meanwhile")
        del self._rows[(bot, chat)]

    async def idle(self, bot: str, before: datetime) -> Sequence[StoredChat]:
        due = [
            (row[1], StoredChat(chat, row[0], row[3]))
            for (b, chat), row in self._rows.items()
            if b == bot and row[1] is not None and row[1] < before
        ]
        return [stored for _, stored in sorted(due, key=lambda x: x[0])]

    async def prune(self, bot: str, before: datetime) -> int:
        gone = [k for k, row in self._rows.items() if k[0] == bot and row[1] is None and row[2] < before]
        for k in gone:
            del self._rows[k]
        return len(gone)
