"""`petition serve --demo`: the bundled example inspection with a reception period open today, marked
演示, and a demo officer created on the first start (its password printed once, only its hash kept).

A newcomer then sees what a real round shows: in-period acknowledgements, a queue to work."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from intake.inspection import Inspection, Period
from storage.stores import open_stores
from web.auth import hash_password
from web.settings import Settings

DEMO_OFFICER = "demo"
DEMO_MARK = "（演示）"


def demo_inspection(ins: Inspection, today: date) -> Inspection:
    """The inspection with a period around today (a week ago to three weeks ahead), marked 演示."""
    period = Period(start=today - timedelta(days=7), end=today + timedelta(days=23))
    team = ins.team if ins.team.endswith(DEMO_MARK) else ins.team + DEMO_MARK
    return ins.model_copy(update={"period": period, "team": team})


async def ensure_demo_officer(settings: Settings) -> str | None:
    """On a database without accounts, create the demo officer; its password, or None if not created."""
    store = await open_stores(settings.resolved_database_url())
    try:
        if await store.users.list_users():
            return None
        password = secrets.token_urlsafe(12)
        await store.users.add_user(DEMO_OFFICER, "officer", hash_password(password), datetime.now(UTC), "*")
        return password
    finally:
        await store.close()
