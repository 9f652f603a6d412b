"""Fuzzing the public endpoints with arbitrary bodies: clean 4xx (or 200), never a 5xx, no partial rows.

The parsers themselves are fuzzed in tests/bot (Hypothesis on bytes, forms, JSON and mails); here
the bodies go through the whole app, correctly signed so that they reach the parsers. One app runs
for the module in a thread of its own, so that every Hypothesis example is one HTTP request.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql_text
from twilio.request_validator import RequestValidator

from tests.fakes.store import whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN
from tests.trust.harness import PUBLIC, TG_SECRET, Harness, running, settings_for

T = TypeVar("T")
TABLES = ("messages", "reports", "decisions", "outbox", "audit_log")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class AppThread:
    """The harness's app on an event loop in a background thread; `call` runs a coroutine there."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None
        self.h: Harness | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(data_dir),))
        self.thread.start()
        if not self.ready.wait(60):
            raise TimeoutError("app did not start")

    async def _main(self, data_dir: Path) -> None:
        self.stop = asyncio.Event()
        # A generous limit: the fuzzer is one address posting hundreds of bodies.
        async with running(settings_for(data_dir, hook_rate_per_minute=10**6, hook_burst=10**6)) as h:
            self.h = h
            self.ready.set()
            await self.stop.wait()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the app's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=30)

    def close(self) -> None:
        """Leave the app's lifespan and stop the thread."""
        assert self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    running_app = AppThread(tmp_path_factory.mktemp("fuzz") / "data")
    try:
        yield running_app
    finally:
        running_app.close()


async def _counts(h: Harness) -> dict[str, int]:
    engine = whole(h.rt).engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        return {t: (await conn.execute(sql_text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES}


async def _post(h: Harness, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, int]]:
    # A stored SMS gets its report moments after the answer: each count waits for that.
    await h.settle()
    before = await _counts(h)
    r = await h.client.post(path, content=body, headers=headers)
    await h.settle()
    after = await _counts(h)
    assert r.status_code < 500, (path, body[:200], r.status_code, r.text[:200])
    if r.status_code != 200:
        assert after == before, (path, r.status_code, "rows written by a refused request")
    return r.status_code, after


def _signed(path: str, form: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return urlencode(form).encode(), headers


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
_sms_keys = st.sampled_from(
    ["MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments", "MessageStatus",
     "ErrorCode", "MediaUrl0", "MediaContentType0", "OptOutType", "x"]
)  # fmt: skip
_forms = st.dictionaries(_sms_keys, _text, max_size=8)
_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)
_updates = st.fixed_dictionaries(
    {"update_id": st.integers()},
    optional={
        "message": st.dictionaries(
            st.sampled_from(["message_id", "date", "chat", "from", "text", "photo", "document", "caption"]),
            _json,
        ),
        "callback_query": st.dictionaries(st.sampled_from(["id", "from", "data", "message"]), _json),
    },
)


@FUZZ
@given(form=_forms, account=st.booleans())
def test_sms_webhook_with_any_signed_form(app: AppThread, form: dict[str, str], account: bool) -> None:
    if account:
        form = {**form, "AccountSid": ACCOUNT_SID}
    assert app.h is not None
    body, headers = _signed("/hooks/sms", form)
    status, _ = app.call(_post(app.h, "/hooks/sms", body, headers))
    assert status in (200, 400, 403, 422)


@FUZZ
@given(form=_forms)
def test_sms_status_webhook_with_any_signed_form(app: AppThread, form: dict[str, str]) -> None:
    assert app.h is not None
    body, headers = _signed("/hooks/sms/status", form)
    status, _ = app.call(_post(app.h, "/hooks/sms/status", body, headers))
    assert status in (200, 400, 403, 422)


@FUZZ
@given(
    body=st.binary(max_size=600), path=st.sampled_from(["/hooks/sms", "/hooks/sms/status", "/hooks/telegram"])
)
def test_any_unsigned_bytes_are_refused_cleanly(app: AppThread, body: bytes, path: str) -> None:
    assert app.h is not None
    status, _ = app.call(_post(app.h, path, body, {"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 403


@FUZZ
@given(update=_updates | _json, raw=st.none() | st.binary(max_size=300))
def test_telegram_webhook_with_any_body(app: AppThread, update: Any, raw: bytes | None) -> None:
    assert app.h is not None
    body = raw if raw is not None else json.dumps(update).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"}
    status, _ = app.call(_post(app.h, "/hooks/telegram", body, headers))
    assert status in (200, 400, 422)


def test_no_partial_rows_after_the_fuzzing(app: AppThread) -> None:
    # Runs after the fuzzers in this module: whatever was accepted is whole.
    assert app.h is not None
    store = whole(app.h.rt)

    async def check() -> tuple[int, list[Any]]:
        engine = store.engine  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            orphans = (
                await conn.execute(
                    sql_text(
                        "SELECT 'report without decision', pk FROM reports r WHERE NOT EXISTS "
                        "(SELECT 1 FROM decisions d WHERE d.report_id = r.pk) "
                        "UNION ALL SELECT 'message neither handled nor linked', pk FROM messages "
                        "WHERE handled = false AND report_id IS NULL"
                    )
                )
            ).all()
        found = await _counts(app.h)  # type: ignore[arg-type]
        return found["messages"], list(orphans)

    messages, orphans = app.call(check())
    assert orphans == []
    assert (app.call(store.verify_audit_chain())).ok  # type: ignore[attr-defined]
    print(f"\nfuzzing: {messages} messages stored from accepted bodies, no partial rows")
