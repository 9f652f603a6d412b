"""One Telegram chat continued by two app processes on one database (issue #14, item 5).

docs/deploy.md runs the webhooks in every process, so consecutive updates of one chat reach
different processes; the draft of the chat's report must be where every process finds it.
Each test runs two apps (same data directory, same database) and sends the updates of one
chat alternately to them, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text as sql_text

from intake.reporter_contact import CONTACT_TEXT
from tests.bot.test_telegram_webhook import ACCUSATION, PHONE, START, texts_of
from tests.fakes.intake import FakeClock
from tests.fakes.store import whole
from tests.fakes.telegram_api import callback_update, message_update
from tests.trust.harness import Harness, running, settings_for

CHAT = 7_300_042
MORE = "他还让下属报销私人旅游费用"


@asynccontextmanager
async def two_processes(
    tmp_path: Path, db_url: str, clock: FakeClock
) -> AsyncIterator[tuple[Harness, Harness]]:
    settings = settings_for(tmp_path / "data", db_url)
    async with running(settings, clock) as a, running(settings, clock) as b:
        yield a, b


async def post(h: Harness, update: dict[str, Any]) -> httpx.Response:
    response = await h.telegram_update(update)
    assert response.status_code == 200
    return response


def heard(*hs: Harness) -> list[str]:
    return [p["text"] for h in hs for p in h.telegram.sent() if str(p["chat_id"]) == str(CHAT)]


async def drain(*hs: Harness) -> None:
    for h in hs:
        await h.drain()


async def test_a_draft_begun_in_one_process_is_filed_by_another(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(START)
    async with two_processes(tmp_path, db_url, clock) as (a, b):
        await post(a, message_update(1001, CHAT, ACCUSATION))
        await post(b, message_update(1002, CHAT, MORE))
        await post(a, callback_update(1003, CHAT, "anonymous"))
        await drain(a, b)
        assert await texts_of(a, "HN1-0001") == [ACCUSATION, MORE]
        assert await whole(a.rt).get_report("HN1-0002") is None
        assert not any("请先写下" in t for t in heard(a, b))
        assert [t for t in heard(a, b) if "收到，编号HN1-" in t] != []


async def test_real_name_chosen_in_one_process_and_contact_sent_to_another(
    tmp_path: Path, db_url: str
) -> None:
    clock = FakeClock(START)
    async with two_processes(tmp_path, db_url, clock) as (a, b):
        await post(a, message_update(1001, CHAT, ACCUSATION))
        await post(b, callback_update(1002, CHAT, "realname"))
        await post(a, message_update(1003, CHAT, f"张三 {PHONE}"))
        await drain(a, b)
        # The contact message is part of the report; the number itself only in its sealed payload.
        assert await texts_of(a, "HN1-0001") == [ACCUSATION, CONTACT_TEXT]
        assert "已记录您的联系方式。" in heard(a)
        assert await a.app.state.channels.telegram.draft_of(str(CHAT)) is None
        assert await b.app.state.channels.telegram.draft_of(str(CHAT)) is None


async def test_a_quiet_draft_is_filed_once_by_the_sweeps_of_both(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(START)
    async with two_processes(tmp_path, db_url, clock) as (a, b):
        await post(a, message_update(1001, CHAT, ACCUSATION))
        await post(b, message_update(1002, CHAT, MORE))
        clock.advance(minutes=6)
        assert await b.app.state.channels.telegram.sweep() == 1
        assert await a.app.state.channels.telegram.sweep() == 0
        assert await texts_of(a, "HN1-0001") == [ACCUSATION, MORE]
        assert await whole(a.rt).get_report("HN1-0002") is None


async def test_the_stored_draft_is_sealed(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(START)
    async with two_processes(tmp_path, db_url, clock) as (a, _):
        await post(a, message_update(1001, CHAT, ACCUSATION))
        await post(a, callback_update(1002, CHAT, "realname"))
        await post(a, message_update(1003, CHAT, "补充：" + MORE))
        async with whole(a.rt).engine.connect() as conn:  # type: ignore[attr-defined]
            rows = (await conn.execute(sql_text("SELECT * FROM conversation_drafts"))).all()
        assert len(rows) == 1
        stored = " ".join(str(v) for v in rows[0])
        for secret in (ACCUSATION, MORE, str(CHAT)):
            assert secret not in stored
        draft = await a.app.state.channels.telegram.draft_of(str(CHAT))
        assert draft is not None
        assert [m.text for m in draft.messages] == [ACCUSATION, "补充：" + MORE]
        assert draft.awaiting_contact


async def test_messages_another_process_recovered_are_not_filed_again(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(START)
    async with two_processes(tmp_path, db_url, clock) as (a, b):
        await post(a, message_update(1001, CHAT, ACCUSATION))
        await post(a, message_update(1002, CHAT, MORE))
        # Process b (re)starts: its recovery files every committed message without a report.
        assert await b.rt.service.recover() == 2
        await post(a, callback_update(1003, CHAT, "anonymous"))
        await drain(a, b)
        assert await texts_of(a, "HN1-0001") == [ACCUSATION]
        assert await texts_of(a, "HN1-0002") == [MORE]  # not moved into HN1-0001
        assert await whole(a.rt).get_report("HN1-0003") is None
        assert await a.app.state.channels.telegram.draft_of(str(CHAT)) is None
