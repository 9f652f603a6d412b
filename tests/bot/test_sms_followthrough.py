"""SMS beyond the first message: durable STOP, delivery callbacks on the outbox, long SMS decided whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.sms import SmsStatus, delivery_error
from intake.inspection import default_inspection_path
from intake.models import Channel
from intake.outbox import OutboxWorker
from intake.ports import OPTED_OUT_ERROR, NewAck, OutboxItem
from tests.bot.test_hooks import PHONE, app_client, sms_form, sms_post
from tests.fakes.http import serve
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlDeskStore, SqlReportStore, whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

NOW = datetime(2021, 4, 1, 2, 0, tzinfo=UTC)
MENGZHOU = str(Path(default_inspection_path()).parent / "mengzhou-xiguo-2021.toml")


def _twilio(base: str) -> dict[str, str]:
    return {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from": "+8613900000000",
        "twilio_api_base": base,
        "inspection": MENGZHOU,
    }


class _Recorder:
    channel = Channel.SMS

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        self.sent.append((recipient, text))
        return f"SM{len(self.sent)}"


async def test_opt_out_is_durable_and_checked_at_queue_and_send(db_url: str) -> None:
    store = await SqlReportStore.open(db_url)
    try:
        before = await store.enqueue_ack(None, NewAck(Channel.SMS, PHONE, "早先排队", "status"), NOW)
        assert await store.set_opted_out(Channel.SMS, PHONE, True, NOW)
        assert not await store.set_opted_out(Channel.SMS, PHONE, True, NOW)  # a redelivered STOP
        after = await store.enqueue_ack(None, NewAck(Channel.SMS, PHONE, "之后排队", "status"), NOW)
        assert (after.state, after.last_error) == ("failed", OPTED_OUT_ERROR)
        # Another channel, another number: not affected.
        assert not await store.is_opted_out(Channel.TELEGRAM, PHONE)
        assert not await store.is_opted_out(Channel.SMS, "+8613800000000")
    finally:
        await store.close()

    # A new process on the same database: the STOP is still there.
    store = await SqlReportStore.open(db_url)
    try:
        assert await store.is_opted_out(Channel.SMS, PHONE)
        sender = _Recorder()
        worker = OutboxWorker(store, {Channel.SMS: sender}, FakeClock(NOW))
        assert await worker.run_once() == 1  # the item queued before the STOP
        assert sender.sent == []
        [item] = [a for a in await _all_acks(store) if a.pk == before.pk]
        assert (item.state, item.last_error) == ("failed", OPTED_OUT_ERROR)
        # START lifts it.
        assert await store.set_opted_out(Channel.SMS, PHONE, False, NOW)
        again = await store.enqueue_ack(None, NewAck(Channel.SMS, PHONE, "恢复后", "status"), NOW)
        assert again.state == "pending"
        assert await worker.run_once() == 1
        assert sender.sent == [(PHONE, "恢复后")]
    finally:
        await store.close()


async def _all_acks(store: SqlReportStore) -> list[OutboxItem]:
    from sqlalchemy import select

    from storage.outbox import outbox_item
    from storage.schema import outbox

    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.pk))).mappings().all()
    return [outbox_item(store.db, r) for r in rows]


async def test_mark_outbox_by_provider_id(db_url: str) -> None:
    store = await SqlReportStore.open(db_url)
    try:
        for text in ("一", "二"):
            await store.enqueue_ack(None, NewAck(Channel.SMS, PHONE, text, "status"), NOW)
        first, second = await store.claim_outbox(NOW)
        await store.mark_sent(first.pk, "SMaaa", NOW)
        await store.mark_sent(second.pk, "SMbbb", NOW)

        delivered = await store.mark_outbox_by_provider_id(
            Channel.SMS, "SMaaa", delivered=True, error=None, now=NOW
        )
        failed = await store.mark_outbox_by_provider_id(
            Channel.SMS, "SMbbb", delivered=False, error="twilio: undelivered code 30003", now=NOW
        )
        assert delivered is not None and (delivered.pk, delivered.state) == (first.pk, "sent")
        assert failed is not None and failed.pk == second.pk
        assert (failed.state, failed.last_error) == ("failed", "twilio: undelivered code 30003")
        # A late "delivered" does not undo a recorded failure; an unknown id is not ours.
        late = await store.mark_outbox_by_provider_id(
            Channel.SMS, "SMbbb", delivered=True, error=None, now=NOW
        )
        assert late is not None and late.state == "failed"
        assert (
            await store.mark_outbox_by_provider_id(Channel.SMS, "SMzzz", delivered=False, error="x", now=NOW)
            is None
        )
        # The id is looked up on its own channel only.
        assert (
            await store.mark_outbox_by_provider_id(
                Channel.TELEGRAM, "SMaaa", delivered=False, error="x", now=NOW
            )
            is None
        )
    finally:
        await store.close()


def test_delivery_error_names_the_code_for_officers() -> None:
    assert delivery_error(SmsStatus("SM1", "undelivered", "30003")) == (
        "twilio: undelivered code 30003: 对方手机无法接通（关机或停机）"
    )
    assert delivery_error(SmsStatus("SM1", "failed", None)) == "twilio: failed"


async def test_stop_survives_a_restart_of_the_service(tmp_path: Path) -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base:
        async with app_client(tmp_path, **_twilio(base)) as (client, _app):
            assert (await client.post(**sms_post(sms_form("SM1", "退订")))).status_code == 200
        # A restart: a new app and runtime on the same data directory.
        async with app_client(tmp_path, **_twilio(base)) as (client, app):
            rt = app.state.rt
            report_text = "反映西虢镇某村党支部书记在低保评定中优亲厚友，把自家亲属都评上了低保。"
            assert (await client.post(**sms_post(sms_form("SM2", report_text)))).status_code == 200
            [report] = await whole(rt).latest_reports(None)
            while await rt.worker.run_once():
                pass
            [ack] = await whole(rt).report_acks(report.pk)
            assert (ack.state, ack.last_error) == ("failed", OPTED_OUT_ERROR)
            assert fake.messages == []
            # START, then the next report is acknowledged again.
            assert (await client.post(**sms_post(sms_form("SM3", "START")))).status_code == 200
            later = FakeClock(datetime.now(UTC) + timedelta(minutes=5))  # past the join window
            rt.service.clock = rt.worker.clock = later
            assert (await client.post(**sms_post(sms_form("SM4", report_text)))).status_code == 200
            while await rt.worker.run_once():
                pass
            assert [m["To"] for m in fake.messages] == [PHONE]


async def test_status_callbacks_mark_the_outbox_item(tmp_path: Path) -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base, app_client(tmp_path, **_twilio(base)) as (client, app):
        rt = app.state.rt
        for sid, sender in (("SM1", PHONE), ("SM2", "+8613800000000"), ("SM3", "+8613700000000")):
            form = sms_form(sid, "反映西虢镇某村村支书截留修路工程款二十多万元。", sender=sender)
            assert (await client.post(**sms_post(form))).status_code == 200
        while await rt.worker.run_once():
            pass
        sids = {m["To"]: f"SM{i + 1:032d}" for i, m in enumerate(fake.messages)}
        callbacks = [
            {"MessageSid": sids[PHONE], "MessageStatus": "delivered"},
            {"MessageSid": sids["+8613800000000"], "MessageStatus": "undelivered", "ErrorCode": "30003"},
            {"MessageSid": sids["+8613700000000"], "MessageStatus": "failed", "ErrorCode": "21610"},
            {"MessageSid": "SMnot-ours", "MessageStatus": "failed", "ErrorCode": "30008"},
        ]
        for form in callbacks:
            assert (await client.post(**sms_post(form, "/hooks/sms/status"))).status_code == 200
        states = {}
        for report in await whole(rt).latest_reports(None):
            [ack] = await whole(rt).report_acks(report.pk)
            states[ack.recipient] = (ack.state, ack.last_error)
        assert states == {
            PHONE: ("sent", None),
            "+8613800000000": ("failed", "twilio: undelivered code 30003: 对方手机无法接通（关机或停机）"),
            "+8613700000000": ("failed", "twilio: failed code 21610: 对方已退订（STOP）"),
        }
        # Twilio's 21610 means the number unsubscribed: recorded like a STOP.
        assert await whole(rt).is_opted_out(Channel.SMS, "+8613700000000")
        assert not await whole(rt).is_opted_out(Channel.SMS, "+8613800000000")
        audited = [e for e in await whole(rt).audit_entries() if e.action == "sms.status"]
        assert len(audited) == 4 and sum(e.report_id is not None for e in audited) == 3


async def test_long_sms_is_decided_again_on_the_joined_text(tmp_path: Path) -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base, app_client(tmp_path, **_twilio(base)) as (client, app):
        rt = app.state.rt
        part1 = "我是西虢镇的村民，想反映我们村里的一些情况，去年村里修路的时候，"
        part2 = "村支书李某把修路的工程款截留了二十多万，还收受包工头的红包。"
        assert (await client.post(**sms_post(sms_form("SM1", part1)))).status_code == 200
        [report] = await whole(rt).latest_reports(None)
        first = report.decision
        assert (first.scope.value, first.category.value) == ("out_of_scope", "appeal")
        assert (await client.post(**sms_post(sms_form("SM2", part2)))).status_code == 200
        [report] = await whole(rt).latest_reports(None)
        assert (report.decision.scope.value, report.decision.category.value) == ("in_scope", "accusation")
        assert report.state == "decided"
        desk = whole(rt)
        assert isinstance(desk, SqlDeskStore)
        detail = await desk.detail(report.pk)
        assert [kind for kind, *_ in detail.decisions] == ["suggested", "suggested"]
        assert [m.text for m in detail.messages] == [part1, part2]
        assert any(e.action == "decision.resuggested" for e in detail.history)
        # One report, one acknowledgement.
        assert len(await whole(rt).report_acks(report.pk)) == 1


async def test_a_confirmed_decision_is_not_replaced_by_a_later_part(tmp_path: Path) -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base, app_client(tmp_path, **_twilio(base)) as (client, app):
        rt = app.state.rt
        part1 = "我是西虢镇的村民，想反映我们村里的一些情况，去年村里修路的时候，"
        assert (await client.post(**sms_post(sms_form("SM1", part1)))).status_code == 200
        [report] = await whole(rt).latest_reports(None)
        await whole(rt).set_decision(
            report.pk,
            report.decision,
            actor="duty",
            state="confirmed",
            now=datetime.now(UTC),
            action="decision.confirmed",
        )
        part2 = "村支书李某把修路的工程款截留了二十多万，还收受包工头的红包。"
        assert (await client.post(**sms_post(sms_form("SM2", part2)))).status_code == 200
        [after] = await whole(rt).latest_reports(None)
        assert after.decision == report.decision and after.state == "confirmed"
        assert len(await whole(rt).report_messages(report.pk)) == 2
