"""`petition serve --demo`: the bundled inspection's period is open today, marked 演示, and the first
start creates one demo officer whose password is printed once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from intake.inspection import default_inspection_path, load_inspection
from tests.fakes.store import SqlDeskStore
from web.auth import verify_password
from web.demo import DEMO_OFFICER, demo_inspection, ensure_demo_officer
from web.settings import Settings


def test_the_demo_period_is_open_today_and_marked() -> None:
    bundled = load_inspection(default_inspection_path())
    today = date(2027, 3, 1)
    demo = demo_inspection(bundled, today)
    assert demo.period.start <= today <= demo.period.end
    assert demo.team.endswith("（演示）") and demo.id == bundled.id
    assert demo_inspection(demo, today).team == demo.team  # marked once


async def test_the_first_start_creates_the_demo_officer_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    password = await ensure_demo_officer(settings)
    assert password and len(password) >= 10
    assert await ensure_demo_officer(settings) is None  # never a second account or password
    store = await SqlDeskStore.open(settings.resolved_database_url())
    try:
        user = await store.get_user(DEMO_OFFICER)
        assert user is not None and user.role == "officer"
        assert password not in user.password_hash and verify_password(user.password_hash, password)
    finally:
        await store.close()
