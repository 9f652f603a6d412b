"""A real intake service on a real SQLite store, with a tiny deterministic classifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intake.inspection import Inspection, default_inspection_path, load_inspection
from intake.models import Category, Decision, InboundMessage, Scope
from intake.service import IntakeService
from storage.engine import sqlite_url
from tests.fakes.store import SqlReportStore, records_of


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2021, 4, 1, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


def decide(message: InboundMessage, inspection: Inspection) -> Decision:
    """Empty text is no_content; anything else an in-scope accusation."""
    if not message.text.strip() or message.text.strip().startswith("["):
        return Decision(id=message.id, scope=Scope.NO_CONTENT, category=Category.NO_CONTENT, confidence=1.0)
    return Decision(id=message.id, scope=Scope.IN_SCOPE, category=Category.ACCUSATION, confidence=0.9)


def inspection() -> Inspection:
    """The bundled Mengzhou example (prefix MZ1; period 2021-03-15 to 2021-05-14)."""
    path = Path(default_inspection_path()).parent / "mengzhou-xiguo-2021.toml"
    return load_inspection(path)


@asynccontextmanager
async def intake_service(tmp_path: Path, clock: FakeClock | None = None) -> AsyncIterator[IntakeService]:
    """An `IntakeService` on a fresh SQLite file."""
    (tmp_path / "db").mkdir(exist_ok=True)
    store = await SqlReportStore.open(sqlite_url(tmp_path / "db"))
    ins = inspection()
    try:
        yield IntakeService(records_of(store), {ins.id: ins}, decide, clock or FakeClock())
    finally:
        await store.close()
