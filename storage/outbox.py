"""The outbox (every message we send, queued and sent by `intake.outbox.OutboxWorker`) and the
opt-outs (STOP / 退订) that stop it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.models import Channel
from intake.ports import OPTED_OUT_ERROR, NewAck, OutboxItem
from storage.db import Db, insert_ignoring_conflict
from storage.schema import opt_outs, outbox

# A claimed outbox item whose worker has not reported back within this time is handed out again.
DEFAULT_CLAIM_LEASE: Final = timedelta(seconds=60)
MAX_ERROR_CHARS: Final = 2000


def outbox_item(db: Db, row: RowMapping) -> OutboxItem:
    """An outbox row as the worker and the pages see it, unsealed."""
    return OutboxItem(
        pk=row["pk"],
        report_id=row["report_id"],
        channel=Channel(row["channel"]),
        recipient=db.codec.unseal(row["recipient"]),
        text=db.codec.unseal(row["text"]),
        kind=row["kind"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=db.unseal(row["last_error"]),
        provider_id=row["provider_id"],
        sent_at=row["sent_at"],
        from_address=row["from_address"],
    )


async def insert_acks(
    db: Db,
    conn: AsyncConnection,
    acks: Sequence[tuple[int | None, NewAck]],
    now: datetime,
    *,
    returning: bool = True,
) -> list[RowMapping]:
    """`queue_acks` on an async connection."""
    return await conn.run_sync(lambda sync: queue_acks(db, sync, acks, now, returning=returning))


def queue_acks(
    db: Db,
    conn: Connection,
    acks: Sequence[tuple[int | None, NewAck]],
    now: datetime,
    *,
    returning: bool = True,
) -> list[RowMapping]:
    """Queue acknowledgements (report id, ack) in one statement; their rows, in order (none
    unless `returning`: asking for them makes SQLite insert row by row)."""
    hashes = [db.codec.lookup(ack.recipient) for _, ack in acks]
    # Every path that queues a message comes through here, so an opted-out recipient is caught
    # once for all of them; the item is kept, failed, so that officers see why nothing went.
    stopped = opted_out_among(conn, set(hashes))
    values = []
    for (report_id, ack), recipient_hash in zip(acks, hashes, strict=True):
        opted_out = (ack.channel.value, recipient_hash) in stopped
        values.append(
            {
                "report_id": report_id,
                "channel": ack.channel.value,
                "recipient": db.codec.seal(ack.recipient),
                "recipient_hash": recipient_hash,
                "text": db.codec.seal(ack.text),
                "kind": ack.kind,
                "state": "failed" if opted_out else "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": db.codec.seal(OPTED_OUT_ERROR) if opted_out else None,
                "created_at": now,
                "from_address": ack.from_address,
            }
        )
    if not returning:
        conn.execute(outbox.insert(), values)
        return []
    result = conn.execute(outbox.insert().returning(*outbox.c, sort_by_parameter_order=True), values)
    return list(result.mappings().all())


async def opted_out_in(conn: AsyncConnection, address_hashes: set[str]) -> set[tuple[str, str]]:
    """`opted_out_among` on an async connection."""
    return await conn.run_sync(opted_out_among, address_hashes)


def opted_out_among(conn: Connection, address_hashes: set[str]) -> set[tuple[str, str]]:
    """The (channel, address hash) pairs among `address_hashes` that sent STOP."""
    found = conn.execute(
        select(opt_outs.c.channel, opt_outs.c.sender_hash).where(
            opt_outs.c.sender_hash.in_(sorted(address_hashes))
        )
    )
    return {(channel, address_hash) for channel, address_hash in found.all()}


async def _opted_out(conn: AsyncConnection, channel: Channel, address_hash: str) -> bool:
    return (channel.value, address_hash) in await opted_out_in(conn, {address_hash})


class SqlOutbox:
    """The outbox and the opt-outs (`intake.ports.Outbox`)."""

    def __init__(self, db: Db, *, claim_lease: timedelta = DEFAULT_CLAIM_LEASE) -> None:
        self._db = db
        self._claim_lease = claim_lease

    # --- opt-outs (STOP / 退订) -----------------------------------------------------------------

    async def set_opted_out(self, channel: Channel, address: str, opted_out: bool, now: datetime) -> bool:
        """Record STOP (True) or START (False) from `address`; returns whether anything changed."""
        address_hash = self._db.codec.lookup(address)
        async with self._db.write() as conn:
            if not opted_out:
                result = await conn.execute(
                    opt_outs.delete().where(
                        opt_outs.c.channel == channel.value, opt_outs.c.sender_hash == address_hash
                    )
                )
                return bool(result.rowcount)
            inserted = await conn.execute(
                insert_ignoring_conflict(conn, opt_outs, "channel", "sender_hash")
                .values(
                    channel=channel.value,
                    sender=self._db.codec.seal(address),
                    sender_hash=address_hash,
                    created_at=now,
                )
                .returning(opt_outs.c.pk)
            )
            return inserted.scalar_one_or_none() is not None

    async def is_opted_out(self, channel: Channel, address: str) -> bool:
        """True when `address` sent STOP on `channel` and has not sent START since."""
        async with self._db.read() as conn:
            return await _opted_out(conn, channel, self._db.codec.lookup(address))

    async def opted_out_among(self, addresses: Collection[tuple[Channel, str]]) -> set[tuple[Channel, str]]:
        """Those of the (channel, address) pairs that sent STOP and no START since: one query."""
        by_hash = {(ch.value, self._db.codec.lookup(a)): (ch, a) for ch, a in addresses}
        if not by_hash:
            return set()
        async with self._db.read() as conn:
            stopped = await opted_out_in(conn, {h for _, h in by_hash})
        return {by_hash[key] for key in stopped if key in by_hash}

    async def enqueue_ack(self, report_id: int | None, ack: NewAck, now: datetime) -> OutboxItem:
        """Queue an acknowledgement, due at `now`."""
        async with self._db.write() as conn:
            [row] = await insert_acks(self._db, conn, [(report_id, ack)], now)
        return outbox_item(self._db, row)

    async def report_acks(self, report_id: int) -> Sequence[OutboxItem]:
        """The acknowledgements queued for a report, oldest first."""
        stmt = select(outbox).where(outbox.c.report_id == report_id).order_by(outbox.c.pk)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [outbox_item(self._db, row) for row in rows]

    async def recent_acks(
        self, *, channel: Channel, recipients: Collection[str], since: datetime
    ) -> dict[str, list[tuple[str, datetime]]]:
        """The (kind, queued at) of the acknowledgements queued to each recipient since `since`."""
        by_hash = {self._db.codec.lookup(r): r for r in recipients}
        if not by_hash:
            return {}
        stmt = select(outbox.c.recipient_hash, outbox.c.kind, outbox.c.created_at).where(
            outbox.c.channel == channel.value,
            outbox.c.recipient_hash.in_(sorted(by_hash)),
            outbox.c.created_at >= since,
        )
        found: dict[str, list[tuple[str, datetime]]] = {r: [] for r in recipients}
        async with self._db.read() as conn:
            for recipient_hash, kind, created_at in (await conn.execute(stmt)).all():
                found[by_hash[recipient_hash]].append((kind, created_at))
        return found

    async def claim_outbox(self, now: datetime, limit: int = 20) -> Sequence[OutboxItem]:
        """Take due pending items (and items of a worker whose claim ran out) for sending."""

        def due(t: Any) -> Any:
            return or_(
                and_(t.c.state == "pending", t.c.next_attempt_at <= now),
                and_(t.c.state == "sending", t.c.claimed_until < now),
            )

        # A citizen's messages go out in the order they were queued: an item waits while an earlier
        # one to the same recipient was tried and is not due again (backing off, or out with a sender). Taken
        # in queue order, an earlier due item is always in the batch with the later ones, and the
        # worker sends one recipient's items one after the other.
        earlier = outbox.alias("earlier")
        waits = (
            select(earlier.c.pk)
            .where(
                earlier.c.recipient_hash == outbox.c.recipient_hash,
                earlier.c.channel == outbox.c.channel,
                earlier.c.pk < outbox.c.pk,
                earlier.c.state.in_(("pending", "sending")),
                earlier.c.attempts > 0,  # tried: not an item merely scheduled for later
                ~due(earlier),
            )
            .exists()
        )
        # SKIP LOCKED lets PostgreSQL workers take disjoint batches; SQLite ignores FOR UPDATE and
        # relies on BEGIN IMMEDIATE, which lets one claimer at a time in.
        pick = (
            select(outbox.c.pk)
            .where(due(outbox), ~waits)
            .order_by(outbox.c.pk)
            .limit(limit)
            .with_for_update(skip_locked=True, of=outbox)
        )
        lease = now + self._claim_lease

        def claim(conn: Connection) -> Sequence[RowMapping]:
            pks = list(conn.execute(pick).scalars().all())
            if not pks:
                return []
            stmt = (
                update(outbox)
                .where(outbox.c.pk.in_(pks))
                .values(state="sending", claimed_until=lease, attempts=outbox.c.attempts + 1)
                .returning(*outbox.c)
            )
            return conn.execute(stmt).mappings().all()

        # In one trip (the webhooks' raw commits wait for this write), not urgent; unsealed after.
        claimed = await self._db.write_at_once(claim, urgent=False)
        items = [outbox_item(self._db, row) for row in claimed]
        items.sort(key=lambda item: item.pk)
        return items

    async def mark_sent_many(self, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Record that the items (pk, provider id) were sent: one transaction for a batch."""
        if not sent:
            return
        stmt = (
            update(outbox)
            .where(outbox.c.pk == bindparam("b_pk"))
            .values(state="sent", provider_id=bindparam("b_provider_id"), sent_at=now, claimed_until=None)
        )
        rows = [{"b_pk": pk, "b_provider_id": pid} for pk, pid in sent]

        def mark(conn: Connection) -> None:
            conn.execute(stmt, rows)

        await self._db.write_at_once(mark, urgent=False)  # in one trip, like the claim

    async def release_outbox(self, pks: Collection[int]) -> None:
        """Give claimed items back unsent and uncounted (an earlier item to their recipient failed
        and is retried first)."""
        if not pks:
            return
        values = {"state": "pending", "claimed_until": None, "attempts": outbox.c.attempts - 1}
        async with self._db.write() as conn:
            await conn.execute(update(outbox).where(outbox.c.pk.in_(list(pks))).values(values))

    async def mark_sent(self, pk: int, provider_id: str | None, now: datetime) -> None:
        """Record that an item was sent."""
        await self._update_outbox(pk, state="sent", provider_id=provider_id, sent_at=now, claimed_until=None)

    async def mark_failed(self, pk: int, error: str, retry_at: datetime | None, now: datetime) -> None:
        """Record a failed send: retried at `retry_at`, or failed for good when it is None."""
        # Sealed: a provider's error may quote the recipient ("The 'To' number +86... is invalid").
        values: dict[str, Any] = {"last_error": self._db.seal(error[:MAX_ERROR_CHARS]), "claimed_until": None}
        if retry_at is None:
            values["state"] = "failed"
        else:
            values["state"] = "pending"
            values["next_attempt_at"] = retry_at
        await self._update_outbox(pk, **values)

    async def mark_outbox_by_provider_id(
        self, channel: Channel, provider_id: str, *, delivered: bool, error: str | None, now: datetime
    ) -> OutboxItem | None:
        """Apply a provider's delivery report to the item it sent as `provider_id`.

        Delivered: the item is sent (a failure already recorded stays, callbacks can come out of
        order). Not delivered: the item is failed with `error` for the officers. None when no item
        of ours carries that id.
        """
        where = and_(outbox.c.channel == channel.value, outbox.c.provider_id == provider_id)
        if delivered:
            values: dict[str, Any] = {"state": "sent", "claimed_until": None}
            where = and_(where, outbox.c.state != "failed")
        else:
            values = {"state": "failed", "claimed_until": None}
            values["last_error"] = self._db.seal((error or "not delivered")[:MAX_ERROR_CHARS])
        async with self._db.write() as conn:
            await conn.execute(update(outbox).where(where).values(values))
            row = (
                (
                    await conn.execute(
                        select(outbox)
                        .where(outbox.c.channel == channel.value, outbox.c.provider_id == provider_id)
                        .order_by(outbox.c.pk.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
        return outbox_item(self._db, row) if row is not None else None

    async def _update_outbox(self, pk: int, **values: Any) -> None:
        async with self._db.write() as conn:
            result = await conn.execute(update(outbox).where(outbox.c.pk == pk).values(values))
            if result.rowcount == 0:
                raise LookupError(f"no outbox item with pk {pk}")
