"""Faults that must lose nothing: providers failing then recovering, a full or read-only database.

The figures each test measures are printed (`pytest -s tests/trust/test_faults.py`) and asserted.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.models import Channel, InboundMessage
from tests.fakes.faults import inserts_refused
from tests.fakes.intake import FakeClock
from tests.fakes.smtp import RecordingHandler
from tests.fakes.store import whole
from tests.fakes.telegram_api import callback_update, message_update
from tests.trust.harness import Harness, count_rows, running, settings_for

START = datetime(2016, 3, 10, 1, 0, tzinfo=UTC)  # inside the default inspection's period
N_SMS, N_TG, N_MAIL = 24, 8, 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@asynccontextmanager
async def smtp_on(port: int, handler: RecordingHandler) -> AsyncIterator[None]:
    """An SMTP server on a given port (the one the service was configured with while it was down)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="mx.test"), "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


async def _outbox_states(h: Harness) -> Counter[str]:
    engine: AsyncEngine = whole(h.rt).engine  # type: ignore[attr-defined]
    from sqlalchemy import text

    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT state, count(*) FROM outbox GROUP BY state"))).all()
    return Counter({state: n for state, n in rows})


async def test_acknowledgements_survive_provider_outages_once_each(tmp_path: Path) -> None:
    clock = FakeClock(START)
    smtp_port = _free_port()  # nothing listens here yet: the mail server is down
    settings = settings_for(
        tmp_path / "data", smtp_url=f"smtp://127.0.0.1:{smtp_port}", mail_from="team@example.org"
    )
    mails = RecordingHandler()
    async with running(settings, clock) as h:
        # Twilio answers 500 to the first 60 calls (three rounds of attempts), Telegram 429 to 12.
        h.twilio.failures.add(500, '{"code": 20500, "message": "Internal Server Error"}', times=60)
        h.telegram.failures.add(
            429,
            '{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", '
            '"parameters": {"retry_after": 1}}',
            times=12,
        )
        phones = [f"+86137{i:08d}" for i in range(N_SMS)]
        for i, phone in enumerate(phones):
            assert (await h.sms(f"SMout{i}", f"举报第{i}村村主任侵占集体土地。", phone)).status_code == 200
        chats = [7_100_000 + i for i in range(N_TG)]
        for i, chat in enumerate(chats):
            update = message_update(500 + i, chat, f"反映第{i}村支书收受红包。")
            assert (await h.telegram_update(update)).status_code == 200
            # The guided conversation asks real name or anonymous before it files the report.
            assert (await h.telegram_update(callback_update(600 + i, chat, "anonymous"))).status_code == 200
        addresses = [f"reporter{i}@example.cn" for i in range(N_MAIL)]
        for i, address in enumerate(addresses):
            text = f"举报局长{i}受贿。"
            message = InboundMessage(id=f"<m{i}@x>", channel=Channel.EMAIL, sender=address, text=text)
            await h.rt.service.accept(message)

        rounds = 0
        for rounds in range(1, 40):
            await h.drain()
            if rounds == 4:  # the mail server comes back
                await stack_enter(h, smtp_on(smtp_port, mails))
            states = await _outbox_states(h)
            if set(states) == {"sent"}:
                break
            clock.advance(minutes=3)
        states = await _outbox_states(h)
        reports = await count_rows(h, "reports")
        await h.aclose_extra()

    sms_to = Counter(m["To"] for m in h.twilio.messages)
    tg_to = Counter(str(p["chat_id"]) for p in h.telegram.sent() if "编号" in p["text"])
    mail_to = Counter(str(m["To"]) for m in mails.messages())
    print(
        f"\noutbound faults: {reports} reports, outbox {dict(states)} after {rounds} rounds; "
        f"delivered sms {sum(sms_to.values())}/{N_SMS}, telegram {sum(tg_to.values())}/{N_TG}, "
        f"mail {sum(mail_to.values())}/{N_MAIL}; Twilio calls {h.twilio.attempts}"
    )
    assert states == Counter({"sent": N_SMS + N_TG + N_MAIL})
    assert sms_to == Counter({p: 1 for p in phones})
    assert tg_to == Counter({str(c): 1 for c in chats})
    assert mail_to == Counter({a: 1 for a in addresses})
    assert h.twilio.attempts >= 60 + N_SMS  # the outage did happen


async def stack_enter(h: Harness, cm: Any) -> None:
    """Keep `cm` open until the harness closes (see Harness.aclose_extra)."""
    await h.extra.enter_async_context(cm)


# --- (c) the database refuses writes ------------------------------------------------------------


@contextmanager
def refusing_writes(engines: list[Engine], how: str) -> Iterator[None]:
    """New connections refuse writes: `full` (no page may be added) or `read_only`."""
    dialect = engines[0].dialect.name

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if dialect == "sqlite" and how == "full":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        elif dialect == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    def on_begin(conn: Any) -> None:
        # Per transaction: a SET SESSION in the connect hook would be rolled back with its transaction.
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    hook, fn = ("begin", on_begin) if dialect == "postgresql" else ("connect", on_connect)
    for engine in engines:
        event.listen(engine, hook, fn)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, hook, fn)


async def post_all(h: Harness, text: str) -> list[int]:
    """Post the same five signed SMS deliveries; their answers."""
    return [(await h.sms(f"SMfull{i}", text, f"+8613600000{i:03d}")).status_code for i in range(5)]


@pytest.mark.parametrize("how", ["full", "read_only"])
async def test_a_database_that_refuses_writes_loses_nothing(db_url: str, tmp_path: Path, how: str) -> None:
    if how == "full" and not db_url.startswith("sqlite"):
        pytest.skip("a full PostgreSQL disk is not simulated; read-only covers the same path")
    long_text = "举报县国土局局长违规审批土地，收受开发商巨额贿赂。" * 200  # needs new pages
    async with running(settings_for(tmp_path / "data", db_url)) as h:
        db = h.rt.stores.db
        before = {t: await count_rows(h, t) for t in ("messages", "reports", "outbox", "audit_log")}
        with refusing_writes(db.sync_engines, how):
            await db.dispose()  # every new connection gets the fault
            refused = await post_all(h, long_text)
            tg = await h.telegram_update(message_update(900, 7_200_001, long_text))
        await db.dispose()
        during = {t: await count_rows(h, t) for t in before}
        # The provider retries: every delivery is taken exactly once.
        retried = await post_all(h, long_text)
        again = await post_all(h, long_text)
        tg_retry = await h.telegram_update(message_update(900, 7_200_001, long_text))
        after = {t: await count_rows(h, t) for t in before}
        await h.drain()
    print(f"\ndatabase {how}: answers {refused} + telegram {tg.status_code}")
    print(f"rows {before} -> {during} -> {after}")
    assert refused == [503] * 5 and tg.status_code == 503
    assert during == before  # nothing half-written
    assert retried == again == [200] * 5 and tg_retry.status_code == 200
    assert after["messages"] == before["messages"] + 6
    assert {m["To"] for m in h.twilio.messages} == {f"+8613600000{i:03d}" for i in range(5)}
    assert len(h.twilio.messages) == 5


async def test_a_failure_after_the_commit_is_finished_later(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        # The database refuses the report (a trigger on the test's database) after the commit.
        async with inserts_refused(h.rt.stores.db.engine, "reports"):
            first = await h.sms("SMhalf", "举报乡长挪用救灾款。", "+8613611112222")
            committed = (await count_rows(h, "messages"), await count_rows(h, "reports"))
        second = await h.sms("SMhalf", "举报乡长挪用救灾款。", "+8613611112222")
        third = await h.sms("SMhalf", "举报乡长挪用救灾款。", "+8613611112222")
        await h.drain()
        final = (await count_rows(h, "messages"), await count_rows(h, "reports"))
    # The webhook answered on the commit; the processing after it failed in the background.
    assert first.status_code == 200
    assert committed == (1, 0)  # the raw message is whole; only its report is missing
    # A redelivery (Twilio retries a slow answer) finishes it; without one, the sweep would.
    assert second.status_code == third.status_code == 200
    assert final == (1, 1)
    assert [m["To"] for m in h.twilio.messages] == ["+8613611112222"]
