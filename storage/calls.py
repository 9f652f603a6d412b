"""The duty phone's call records (table `calls`, migration 0008_phone_calls), keyed by CallSid.

Every write is idempotent per call: a provider retry of a webhook finds the row and changes
nothing that is already done. A recording moves none -> pending -> stored (or too_large, or
failed after the last try); a pending one is fetched by a periodic job with backoff.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import RowMapping

from intake.calls import Call
from storage.audit_log import insert_audit
from storage.db import Db, insert_ignoring_conflict
from storage.schema import calls, messages
from storage.search_index import SearchIndex, add_search_terms


def _call(row: RowMapping) -> Call:
    return Call(**{name: row[name] for name in Call.__slots__})


class SqlCalls:
    """Call records (same database, same transactions as the reports)."""

    def __init__(self, db: Db, search: SearchIndex) -> None:
        self._db = db
        self._search = search

    async def start_call(
        self,
        *,
        call_sid: str,
        inspection_id: str,
        called: str | None,
        in_hours: bool,
        ringing: bool,
        now: datetime,
    ) -> tuple[Call, bool]:
        """The call's record, created on its first webhook; True when this created it."""
        values = {
            "call_sid": call_sid,
            "inspection_id": inspection_id,
            "called": (called or "")[:32] or None,
            "in_hours": in_hours,
            "stage": "ringing" if ringing else "voicemail",
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.write() as conn:
            stmt = insert_ignoring_conflict(conn, calls, "call_sid").returning(calls.c.pk)
            created = (await conn.execute(stmt, values)).first() is not None
            row = (await conn.execute(select(calls).where(calls.c.call_sid == call_sid))).mappings().one()
        return _call(row), created

    async def get_call(self, call_sid: str) -> Call | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(calls).where(calls.c.call_sid == call_sid))).mappings().first()
        return _call(row) if row is not None else None

    async def call_of_report(self, report_pk: int) -> Call | None:
        """The call a report was opened for, if any."""
        async with self._db.read() as conn:
            row = (await conn.execute(select(calls).where(calls.c.report_id == report_pk))).mappings().first()
        return _call(row) if row is not None else None

    async def update_call(self, call_sid: str, *, now: datetime, **values: Any) -> None:
        """Set columns of the call's record (stage, report_id, answered_by, outcome, duration ...)."""
        async with self._db.write() as conn:
            await conn.execute(
                update(calls).where(calls.c.call_sid == call_sid).values(updated_at=now, **values)
            )

    async def recording_ready(
        self,
        call_sid: str,
        recording_sid: str,
        seconds: int | None,
        now: datetime,
        *,
        due: datetime | None = None,
    ) -> bool:
        """The provider has (or will soon have) a recording of the call: fetch it at `due` (now).
        An earlier due time replaces a later one not yet tried (the recording callback after the
        `<Record>` action); otherwise nothing changes, so a retried callback returns False."""
        due = due or now
        fresh = calls.c.recording_state == "none"
        sooner = and_(
            calls.c.recording_state == "pending",
            calls.c.recording_attempts == 0,
            calls.c.recording_next_at > due,
        )
        values: dict[str, Any] = {
            "recording_sid": recording_sid,
            "recording_state": "pending",
            "recording_next_at": due,
            "updated_at": now,
        }
        if seconds is not None:
            values["recording_seconds"] = seconds
        async with self._db.write() as conn:
            result = await conn.execute(
                update(calls).where(calls.c.call_sid == call_sid, fresh | sooner).values(values)
            )
        return bool(result.rowcount)

    async def due_recordings(
        self, now: datetime, limit: int = 20, *, undeleted: bool = True
    ) -> Sequence[Call]:
        """Recordings to fetch now, and (`undeleted`) stored ones still to delete at the provider."""
        wanted = and_(calls.c.recording_state == "pending", calls.c.recording_next_at <= now)
        if undeleted:
            wanted = wanted | and_(calls.c.recording_state == "stored", calls.c.provider_deleted.is_(False))
        stmt = select(calls).where(wanted).order_by(calls.c.pk).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [_call(row) for row in rows]

    async def recording_attempt_failed(
        self, call_sid: str, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        """A fetch failed: tried again at `retry_at`, or given up (state failed) when it is None."""
        async with self._db.write() as conn:
            await conn.execute(
                update(calls)
                .where(calls.c.call_sid == call_sid)
                .values(
                    recording_attempts=calls.c.recording_attempts + 1,
                    recording_error=error[:500],
                    recording_next_at=retry_at,
                    recording_state="pending" if retry_at is not None else "failed",
                    updated_at=now,
                )
            )

    async def complete_call_report(
        self, report_pk: int, summary: str, placeholders: Collection[str], *, actor: str, now: datetime
    ) -> bool:
        """The officer's written summary becomes the text of the call's report (its first message),
        searchable like any report, if that text is still one of `placeholders`; audited. False
        when another officer's summary came first."""
        async with self._db.write() as conn:
            row = (
                await conn.execute(
                    select(messages.c.pk, messages.c.text)
                    .where(messages.c.report_id == report_pk)
                    .order_by(messages.c.pk)
                    .limit(1)
                    .with_for_update()
                )
            ).one()
            if self._db.codec.unseal(row.text) not in placeholders:
                return False
            await conn.execute(
                update(messages).where(messages.c.pk == row.pk).values(text=self._db.codec.seal(summary))
            )
            await add_search_terms(conn, report_pk, self._search.terms(summary))
            await insert_audit(
                conn, actor=actor, action="call.summarised", report_id=report_pk, detail={}, now=now
            )
        return True
