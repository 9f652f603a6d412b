"""The desk's own texts (notes, transfer matters) are sealed too, and search survives a key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from intake.models import Category, Channel, Decision, Scope, Target
from storage.crypto import SEALED_PREFIX, Keyring, SealingCodec, new_key
from storage.desk import QueueFilter
from storage.engine import make_engine
from storage.rekey import rebuild_search_index, reseal_all
from storage.schema import notes, transfers
from tests.fakes.store import SqlDeskStore

TEXT = "西虢镇某村村支书侵占低保资金"


async def test_notes_and_matters_sealed_and_search_survives_rotation(db_url: str) -> None:
    old = Keyring.from_texts([new_key()])
    store = await SqlDeskStore.open(db_url, codec=SealingCodec(old))
    now = datetime.now(UTC)
    decision = Decision(
        id="m",
        scope=Scope.OUT_OF_SCOPE,
        category=Category.ACCUSATION,
        confidence=0.9,
        target=Target(kind="discipline", region="410883", name="孟州市纪委监委"),
    )
    try:
        saved = await store.save_raw(
            inspection_id="ins",
            channel=Channel.SMS,
            provider_id="p1",
            sender="+8613900000000",
            text=TEXT,
            subject=None,
            received_at=now,
            payload=None,
        )
        report = await store.create_report(
            message_pk=saved.message.pk,
            tracking_prefix="T",
            decision=decision,
            state="decided",
            ack=None,
            now=now,
        )
        await store.add_note(report.pk, "核实：低保名单", actor="li", now=now)
        await store.create_transfer(
            report.pk,
            decision=decision,
            body_email=None,
            matter=TEXT,
            identity_released=False,
            deadline=now + timedelta(days=90),
            actor="li",
            now=now,
        )
        async with store.engine.connect() as conn:
            stored_note = (await conn.execute(select(notes.c.text))).scalar_one()
            stored_matter = (await conn.execute(select(transfers.c.matter))).scalar_one()
        assert stored_note.startswith(SEALED_PREFIX) and "低保" not in stored_note
        assert stored_matter.startswith(SEALED_PREFIX) and "低保" not in stored_matter
    finally:
        await store.close()

    both = Keyring.from_texts([new_key(), *old.texts()])
    codec = SealingCodec(both)
    engine = make_engine(db_url)
    try:
        result = await reseal_all(engine, codec)
        assert result.rewritten["notes"] == 1 and result.rewritten["transfers"] == 1
        assert await rebuild_search_index(engine, codec) == 1
    finally:
        await engine.dispose()

    store = await SqlDeskStore.open(db_url, codec=SealingCodec(Keyring.from_texts(both.texts()[:1])))
    try:
        page = await store.queue(QueueFilter(("ins",), states=(), text="低保资金"))
        assert [r.tracking_number for r in page.rows] == [report.tracking_number]
        detail = await store.detail(report.pk)
        assert detail.notes[0].text == "核实：低保名单" and detail.transfers[0].matter == TEXT
    finally:
        await store.close()
