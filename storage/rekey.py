"""Re-sealing every personal field under the current data key (`petition keys rotate`).

Also the upgrade path for rows written before sealing was on: they are read as plain text, then
sealed and given their lookup hashes; and for messages stored before contact details typed into
the text were masked: they are masked now (the search index is rebuilt after). Each batch is one
transaction, so an interrupted run leaves every row readable (old key or new) and a second run
finishes the job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import SealingCodec
from storage.db import SEALED_PAYLOAD_KEY, Db
from storage.drafts import reseal_drafts
from storage.messages import masked_contacts
from storage.schema import (
    conversation_drafts,
    messages,
    notes,
    opt_outs,
    outbox,
    reports,
    search_terms,
    transfer_events,
    transfers,
)
from storage.search import pairs, term_ids
from storage.search_index import add_search_terms


@dataclass(frozen=True, slots=True)
class Sealed:
    """The sealed columns of one table, and the hash column computed from one of them."""

    table: Table
    texts: tuple[str, ...]
    json_payloads: tuple[str, ...] = ()
    hashed: tuple[str, str] | None = None  # (hash column, the sealed column it hashes)


# Every sealed column in the database; a new one must be listed here to be rotated.
SEALED_COLUMNS: Final = (
    Sealed(messages, ("sender", "text"), ("payload",), ("sender_hash", "sender")),
    Sealed(reports, ("sender",), (), ("sender_hash", "sender")),
    Sealed(outbox, ("recipient", "text", "last_error"), (), ("recipient_hash", "recipient")),
    Sealed(notes, ("text",)),
    Sealed(transfers, ("matter", "result")),
    Sealed(transfer_events, ("text",)),
    Sealed(opt_outs, ("sender",), (), ("sender_hash", "sender")),
)


@dataclass
class RekeyResult:
    """How many rows were read and rewritten, per table."""

    scanned: dict[str, int]
    rewritten: dict[str, int]


def _reseal_row(codec: SealingCodec, spec: Sealed, row: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    plain: dict[str, str | None] = {}
    for name in spec.texts:
        stored: str | None = row[name]
        plain[name] = None if stored is None else codec.unseal(stored)
        if stored is not None and not codec.sealed_with_current(stored):
            values[name] = codec.seal(plain[name] or "")
    for name in spec.json_payloads:
        stored_json: dict[str, Any] | None = row[name]
        if stored_json is None:
            continue
        is_sealed = set(stored_json) == {SEALED_PAYLOAD_KEY}
        sealed_text = stored_json[SEALED_PAYLOAD_KEY] if is_sealed else None
        if sealed_text is not None and codec.sealed_with_current(sealed_text):
            continue
        document = stored_json if sealed_text is None else json.loads(codec.unseal(sealed_text))
        values[name] = {SEALED_PAYLOAD_KEY: codec.seal(json.dumps(document, ensure_ascii=False))}
    if spec.table is messages:
        _mask_typed_contacts(codec, row, plain, values)
    if spec.hashed is not None:
        hash_column, source = spec.hashed
        value = plain[source]
        wanted = None if value is None else codec.lookup(value)
        if row[hash_column] != wanted:
            values[hash_column] = wanted
    return values


def _mask_typed_contacts(
    codec: SealingCodec, row: Any, plain: dict[str, str | None], values: dict[str, Any]
) -> None:
    """Mask the contact details typed into a message stored before `save_raw` masked them, keeping
    them sealed in its payload as `save_raw` does (issue #13 item 2); a masked message is left."""
    text = plain["text"] or ""
    stored_json: dict[str, Any] | None = row["payload"]
    if stored_json is not None and set(stored_json) == {SEALED_PAYLOAD_KEY}:
        payload: dict[str, Any] | None = json.loads(codec.unseal(stored_json[SEALED_PAYLOAD_KEY]))
    else:
        payload = stored_json
    masked_text, subject, masked_payload = masked_contacts(text, row["subject"], payload)
    if masked_text == text and subject == row["subject"]:
        return
    values["text"] = codec.seal(masked_text)
    values["subject"] = subject
    values["payload"] = {SEALED_PAYLOAD_KEY: codec.seal(json.dumps(masked_payload, ensure_ascii=False))}


async def reseal_all(engine: AsyncEngine, codec: SealingCodec, *, batch: int = 500) -> RekeyResult:
    """Seal every personal field with the codec's current key and recompute every lookup hash."""
    result = RekeyResult({}, {})
    for spec in SEALED_COLUMNS:
        name = spec.table.name
        result.scanned[name] = result.rewritten[name] = 0
        pk = spec.table.c.pk
        columns = [pk, *(spec.table.c[c] for c in (*spec.texts, *spec.json_payloads))]
        if spec.table is messages:
            columns.append(messages.c.subject)  # masked too (_mask_typed_contacts)
        if spec.hashed is not None:
            columns.append(spec.table.c[spec.hashed[0]])
        after = 0
        while True:
            async with engine.begin() as conn:
                rows = (
                    (await conn.execute(select(*columns).where(pk > after).order_by(pk).limit(batch)))
                    .mappings()
                    .all()
                )
                if not rows:
                    break
                for row in rows:
                    values = _reseal_row(codec, spec, row)
                    if values:
                        await conn.execute(update(spec.table).where(pk == row["pk"]).values(values))
                        result.rewritten[name] += 1
                result.scanned[name] += len(rows)
                after = rows[-1]["pk"]
    # Telegram drafts: keyed by a hash of the chat id, not by a pk (storage/drafts.py).
    name = conversation_drafts.name
    result.scanned[name], result.rewritten[name] = await reseal_drafts(engine, codec)
    return result


async def rebuild_search_index(engine: AsyncEngine, codec: SealingCodec, *, batch: int = 500) -> int:
    """Recompute the blind search index under the codec's current lookup key; returns reports indexed.

    Its terms are keyed hashes, so after a key rotation the old terms match nothing."""
    async with engine.begin() as conn:
        await conn.execute(search_terms.delete())
    indexed: set[int] = set()
    after = 0
    while True:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(messages.c.pk, messages.c.report_id, messages.c.text)
                    .where(messages.c.pk > after, messages.c.report_id.is_not(None))
                    .order_by(messages.c.pk)
                    .limit(batch)
                )
            ).all()
            if not rows:
                break
            for pk, report_id, stored in rows:
                terms = term_ids(pairs(codec.unseal(stored)), codec.lookup)
                await add_search_terms(conn, report_id, terms)
                indexed.add(report_id)
                after = pk
    return len(indexed)


async def reseal_and_reindex(db: Db, codec: SealingCodec) -> RekeyResult:
    """`petition keys rotate`'s database work: every sealed field re-sealed under the codec's current
    key, then the search index rebuilt (it is keyed by the lookup key, which changed with it)."""
    result = await reseal_all(db.engine, codec)
    indexed = await rebuild_search_index(db.engine, codec)
    result.scanned["search_terms"] = result.rewritten["search_terms"] = indexed
    return result
