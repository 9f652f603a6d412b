"""`petition channels check` against the local fakes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.fakes.http import serve
from tests.fakes.telegram_api import TOKEN, FakeBotApi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


@pytest.fixture
def fake_apis() -> Iterator[tuple[str, str]]:
    """The fake Bot API and Twilio API served from a thread (the CLI runs its own event loop)."""
    ready: list[str] = []
    stop = threading.Event()

    async def run() -> None:
        async with serve(FakeBotApi().app()) as tg, serve(FakeTwilio().app()) as tw:
            ready.extend([tg, tw])
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    while len(ready) < 2:
        threading.Event().wait(0.02)
    yield ready[0], ready[1]
    stop.set()
    thread.join(5)


def test_channels_check(fake_apis: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tg, tw = fake_apis
    monkeypatch.chdir(tmp_path)
    env = {
        "PETITION_TELEGRAM_TOKEN": TOKEN,
        "PETITION_TELEGRAM_SECRET": "s",
        "PETITION_TELEGRAM_API_BASE": tg,
        "PETITION_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "PETITION_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PETITION_TWILIO_FROM": "+8613900000000",
        "PETITION_TWILIO_API_BASE": tw,
    }
    result = CliRunner().invoke(main, ["channels", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "sms: on" in result.output and "telegram (webhook): on" in result.output
    assert "e-mail out (SMTP): off (missing PETITION_SMTP_URL, PETITION_MAIL_FROM)" in result.output
    assert "check telegram: ok: bot @xuncha_test_bot" in result.output
    assert "check sms: ok: account test (active)" in result.output
    bad = CliRunner().invoke(main, ["channels", "check"], env={**env, "PETITION_TWILIO_AUTH_TOKEN": "wrong"})
    assert bad.exit_code == 1 and "check sms: FAILED" in bad.output
