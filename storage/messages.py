"""Raw inbound messages: committed first, before anything is decided, then linked to a report."""

from __future__ import annotations

import functools
import operator
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, select, tuple_, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.dml import Insert

from intake.contacts import mask_text, restore
from intake.models import Channel
from intake.ports import RawMessage, SavedRaw
from storage.db import Db, insert_ignoring
from storage.groupcommit import GroupCommit
from storage.schema import messages, utcnow
from storage.search_index import SearchIndex

# Where a message's payload keeps the contact details masked in its text and subject.
TEXT_CONTACTS_KEY: Final = "text_contacts"


def masked_contacts(
    text: str, subject: str | None, payload: dict[str, Any] | None
) -> tuple[str, str | None, dict[str, Any] | None]:
    """The text and subject with contact details masked, and the payload that keeps them."""
    in_text = mask_text(text)
    in_subject = mask_text(subject) if subject else None
    if not in_text.contacts and not (in_subject and in_subject.contacts):
        return text, subject, payload
    record = {"text": in_text.sealed_record(), "subject": in_subject.sealed_record() if in_subject else []}
    return (
        in_text.text,
        in_subject.text if in_subject else subject,
        {**(payload or {}), TEXT_CONTACTS_KEY: record},
    )


def unmasked(message: RawMessage) -> tuple[str, str | None]:
    """A message's text and subject as the citizen wrote them: only for the audited reveal."""
    record = (message.payload or {}).get(TEXT_CONTACTS_KEY) or {}
    subject = restore(message.subject, record.get("subject")) if message.subject else message.subject
    return restore(message.text, record.get("text")), subject


@functools.cache
def _raw_message_insert(dialect: str) -> Insert:
    """`save_raw`'s statement, built once per dialect: every webhook runs it, and building and
    keying a statement anew cost more than executing it."""
    return insert_ignoring(dialect, messages, "channel", "provider_id").returning(*messages.c)


def message_of(db: Db, row: RowMapping) -> RawMessage:
    """A stored message row, unsealed."""
    return RawMessage(
        pk=row["pk"],
        inspection_id=row["inspection_id"],
        channel=Channel(row["channel"]),
        provider_id=row["provider_id"],
        sender=db.unseal(row["sender"]),
        text=db.codec.unseal(row["text"]),
        subject=row["subject"],
        received_at=row["received_at"],
        report_id=row["report_id"],
        payload=db.unseal_payload(row["payload"]),
        handled=bool(row["handled"]),
    )


def _insert_raws(
    batch: Sequence[dict[str, Any]], conn: Connection
) -> list[tuple[RowMapping | None, RowMapping]]:
    """`SqlMessages._save_raws`' transaction, synchronous (run in one trip to the database thread)."""
    key = operator.itemgetter("channel", "provider_id")
    fresh = list({key(v): v for v in reversed(batch)}.values())
    stmt = _raw_message_insert(conn.dialect.name)
    inserted = {key(r): r for r in conn.execute(stmt, fresh).mappings().all()}
    stored = dict(inserted)
    missing = [k for k in map(key, batch) if k not in stored]
    if missing:
        pair = tuple_(messages.c.channel, messages.c.provider_id)
        found = conn.execute(select(messages).where(pair.in_(sorted(set(missing)))))
        stored.update({key(r): r for r in found.mappings().all()})
    out: list[tuple[RowMapping | None, RowMapping]] = []
    for v in batch:
        k = key(v)
        out.append((inserted.pop(k, None), stored[k]))
    return out


class SqlMessages:
    """Raw messages (`intake.ports.MessageStore`)."""

    def __init__(self, db: Db, search: SearchIndex) -> None:
        self._db = db
        self._search = search
        self._raw_commits: GroupCommit[dict[str, Any], tuple[RowMapping | None, RowMapping]] = GroupCommit(
            self._save_raws
        )

    async def save_raw(
        self,
        *,
        inspection_id: str,
        channel: Channel,
        provider_id: str,
        sender: str | None,
        text: str,
        subject: str | None,
        received_at: datetime,
        payload: dict[str, Any] | None,
    ) -> SavedRaw:
        """Commit a raw inbound message; a second delivery of (channel, provider_id) returns the first.

        Contact details typed into the text or subject are masked in what is stored and sealed with
        the payload (`masked_contacts`): the text is searched, listed and printed, the payload only
        unsealed for an officer's audited reveal."""
        text, subject, payload = masked_contacts(text, subject, payload)
        values = {
            "inspection_id": inspection_id,
            "channel": channel.value,
            "provider_id": provider_id,
            "sender": self._db.seal(sender),
            "sender_hash": self._db.lookup(sender),
            "text": self._db.codec.seal(text),
            "subject": subject,
            "received_at": received_at,
            "payload": self._db.seal_payload(payload),
            "handled": False,
            "created_at": utcnow(),
        }
        inserted, row = await self._raw_commits.submit(values)
        if inserted is None:
            return SavedRaw(message=message_of(self._db, row), duplicate=True)
        # What was just sealed need not be unsealed again.
        message = RawMessage(
            pk=inserted["pk"],
            inspection_id=inspection_id,
            channel=channel,
            provider_id=provider_id,
            sender=sender,
            text=text,
            subject=subject,
            received_at=inserted["received_at"],
            report_id=None,
            payload=payload,
            handled=False,
        )
        return SavedRaw(message=message, duplicate=False)

    async def _save_raws(self, batch: Sequence[dict[str, Any]]) -> list[tuple[RowMapping | None, RowMapping]]:
        """The webhooks' raw rows in one transaction (`GroupCommit`), run at once (`Db.write_at_once`:
        the webhooks' answers wait for this commit); per row, (inserted row or None, stored row); None
        for a delivery stored before (or twice in this batch: the first wins)."""
        return await self._db.write_at_once(functools.partial(_insert_raws, batch))

    async def unprocessed_messages(
        self,
        limit: int = 100,
        *,
        stored_before: datetime | None = None,
        channels: Collection[Channel] | None = None,
    ) -> Sequence[RawMessage]:
        """Raw messages committed but not yet turned into a report (after a crash, say), oldest first;
        with `stored_before`, only those stored before that time; with `channels`, only theirs."""
        stmt = (
            select(messages)
            .where(messages.c.handled.is_(False), messages.c.report_id.is_(None))
            .order_by(messages.c.pk)
            .limit(limit)
        )
        if stored_before is not None:
            stmt = stmt.where(messages.c.created_at < stored_before)
        if channels is not None:
            stmt = stmt.where(messages.c.channel.in_(sorted(c.value for c in channels)))
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [message_of(self._db, row) for row in rows]

    async def unprocessed_among(self, message_pks: Collection[int]) -> set[int]:
        """Those of `message_pks` that still have neither a report nor the handled mark."""
        if not message_pks:
            return set()
        stmt = select(messages.c.pk).where(
            messages.c.pk.in_(sorted(message_pks)),
            messages.c.handled.is_(False),
            messages.c.report_id.is_(None),
        )
        async with self._db.read() as conn:
            return set((await conn.execute(stmt)).scalars())

    async def mark_message_handled(self, message_pk: int, report_id: int | None) -> None:
        """Record that a raw message needs no new report; link it to `report_id` when one is given."""
        values: dict[str, Any] = {"handled": True}
        if report_id is not None:
            values["report_id"] = report_id
        async with self._db.write() as conn:
            result = await conn.execute(update(messages).where(messages.c.pk == message_pk).values(values))
            if result.rowcount == 0:
                raise LookupError(f"no message with pk {message_pk}")
            if report_id is not None:
                # A message joined to a report (a later SMS part, a Telegram follow-up) is searchable too.
                stored = (
                    await conn.execute(select(messages.c.text).where(messages.c.pk == message_pk))
                ).scalar_one()
                await self._search.index_text(conn, report_id, self._db.codec.unseal(stored))

    async def texts_of(self, message_pks: Sequence[int]) -> dict[int, str]:
        """The unsealed texts of messages, by pk."""
        stmt = select(messages.c.pk, messages.c.text).where(messages.c.pk.in_(message_pks))
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {pk: self._db.codec.unseal(stored) for pk, stored in rows}

    async def report_messages(self, report_id: int) -> Sequence[RawMessage]:
        """The messages of a report, in arrival order."""
        stmt = select(messages).where(messages.c.report_id == report_id).order_by(messages.c.pk)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [message_of(self._db, row) for row in rows]

    async def set_reporter_identity(
        self, message_pk: int, *, real_name: str | None, phone: str | None
    ) -> None:
        """Keep a reporter's name and phone in the sealed payload of `message_pk` (a report's first
        message, where the reveal step, the ledger and the transfer form look), never in a text."""
        async with self._db.write() as conn:
            stored = (
                await conn.execute(select(messages.c.payload).where(messages.c.pk == message_pk))
            ).scalar_one_or_none()
            payload = dict(self._db.unseal_payload(stored) or {})
            payload.update({"real_name": real_name, "contact_phone": phone})
            await conn.execute(
                update(messages)
                .where(messages.c.pk == message_pk)
                .values(payload=self._db.seal_payload(payload))
            )
