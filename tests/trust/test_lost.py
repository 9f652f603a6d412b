"""Attacks that lost reports (issue #13, item 6): the database file deleted or replaced while running.

A running service whose SQLite file is deleted keeps writing into the deleted inode (or a new
empty file) and answered 200: those reports were gone after a restart. Now /healthz answers 503
and the webhooks 503 (so the providers deliver again) until the service is restarted.
"""

from __future__ import annotations

import shutil
import timeit
from pathlib import Path

from storage.engine import SQLITE_FILENAME, SqliteFileGuard
from tests.fakes.telegram_api import message_update
from tests.trust.harness import count_rows, running, settings_for, sms_form, sms_post

TEXT = "举报村主任侵占集体土地。"


async def test_deleting_the_database_file_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    retry = [sms_post(sms_form(f"SMgone{i}", TEXT, f"+861370000010{i}")) for i in range(5)]
    async with running(settings_for(data)) as h:
        assert (await h.sms("SMbefore", TEXT, "+8613700000100")).status_code == 200
        assert (await h.client.get("/healthz")).status_code == 200
        (data / SQLITE_FILENAME).unlink()
        health = await h.client.get("/healthz")
        assert health.status_code == 503 and "content-security-policy" in health.headers
        # Was 200 for each, written to the deleted file: 0 of 5 after the restart.
        codes = [(await h.client.post(**post)).status_code for post in retry]
        assert codes == [503] * 5
        assert (await h.telegram_update(message_update(8001, 7300001, TEXT))).status_code == 503
    # Restarted on a new file: Twilio delivers the five again (it retries a 503), and keeps them.
    async with running(settings_for(data)) as h:
        assert (await h.client.get("/healthz")).status_code == 200
        codes = [(await h.client.post(**post)).status_code for post in retry]
        assert codes == [200] * 5
        await h.settle()
        assert await count_rows(h, "messages") == 5


async def test_a_replaced_database_file_is_noticed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running(settings_for(data)) as h:
        assert (await h.sms("SMold", TEXT, "+8613700000200")).status_code == 200
        db = data / SQLITE_FILENAME
        shutil.copy(db, tmp_path / "copy")
        (tmp_path / "copy").replace(db)  # same name, another file (a careless restore)
        assert (await h.client.get("/healthz")).status_code == 503
        assert (await h.sms("SMnew", TEXT, "+8613700000201")).status_code == 503


def test_the_check_costs_microseconds(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    guard = SqliteFileGuard(path)
    guard.remember()
    seconds = min(timeit.repeat(guard.check, number=10_000, repeat=3)) / 10_000
    print(f"file identity check: {seconds * 1e6:.1f} µs")
    assert seconds < 100e-6  # a stat: a few µs; generous for a loaded shared machine
