"""No identity and no report text in the logs of an end-to-end run, failures and retries included."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.models import Channel, InboundMessage
from intake.ports import NewAck
from tests.fakes.faults import inserts_refused
from tests.fakes.intake import FakeClock
from tests.fakes.store import whole
from tests.fakes.telegram_api import callback_update, message_update
from tests.trust.harness import running, settings_for
from web.logs import QUIET_LIBRARIES, mask, quiet_libraries

PHONE = "+8613755501234"
STRANGER = "+8613755509876"
EMAIL = "li.si.reporter@example.cn"
TG_CHAT = 7310551234
TEXTS = ("举报县交通局局长收受工程老板贿赂", "反映镇长在拆迁补偿中优亲厚友", "村会计挪用扶贫资金")


def secrets() -> list[str]:
    """What must never appear in a log line."""
    return [PHONE, PHONE.lstrip("+"), STRANGER, EMAIL, str(TG_CHAT), *TEXTS, "工程老板", "拆迁补偿"]


async def test_logs_carry_no_identity_and_no_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Everything of ours at DEBUG; the libraries as `serve` configures them (web/logs.py).
    caplog.set_level(logging.DEBUG)
    quiet_libraries()
    clock = FakeClock(datetime(2016, 3, 10, 9, 0, tzinfo=UTC))
    async with running(settings_for(tmp_path / "data"), clock) as h:
        # The provider fails first (500, then 429), then the acknowledgement goes out.
        h.twilio.failures.add(500, '{"code": 20500, "message": "Internal error"}')
        h.telegram.failures.add(
            429,
            '{"ok": false, "error_code": 429, "description": "Too Many Requests", '
            '"parameters": {"retry_after": 1}}',
        )
        assert (await h.sms("SMlog1", TEXTS[0] + "。", PHONE)).status_code == 200
        assert (await h.sms("SMlog1", TEXTS[0] + "。", PHONE)).status_code == 200  # redelivered
        assert (await h.telegram_update(message_update(7001, TG_CHAT, TEXTS[1]))).status_code == 200
        assert (await h.telegram_update(callback_update(7002, TG_CHAT, "anonymous"))).status_code == 200
        receipt = await h.rt.service.accept(
            InboundMessage(id="mail-log", channel=Channel.EMAIL, sender=EMAIL, text=TEXTS[2])
        )
        number = receipt.tracking_number
        assert number is not None
        # A stranger asks after the report; a forged webhook; an unparsable update.
        assert (await h.sms("SMlog2", f"查询 {number}", STRANGER)).status_code == 200
        forged = await h.client.post(
            "/hooks/sms", content=f"From={PHONE}&Body=x", headers={"X-Twilio-Signature": "x"}
        )
        assert forged.status_code == 403
        bad = await h.client.post(
            "/hooks/telegram", content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
        )
        assert bad.status_code == 400
        # An invalid recipient the provider refuses for good (its error quotes nothing of ours here,
        # but the outbox's own lines must not name the number either).
        await whole(h.rt).enqueue_ack(None, NewAck(Channel.SMS, PHONE.lstrip("+"), "x", "reply"), clock.now())
        for _ in range(4):  # sent, failed, retried after the backoff
            await h.drain()
            clock.advance(minutes=2)
        assert {m["To"] for m in h.twilio.messages} == {PHONE, STRANGER}
        assert len(h.telegram.sent()) >= 2

    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert number in text, "the logs do name the tracking number"
    leaked = [s for s in secrets() if s in text]
    assert leaked == [], [line for line in text.splitlines() if any(s in line for s in leaked)]


@pytest.fixture(autouse=True)
def _restore_library_levels() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_mask_is_the_last_guard() -> None:
    line = f"sent to {PHONE} and 13755501234 and {EMAIL}; report HN1-0002, outbox 12, 2026-03-01"
    assert mask(line) == "sent to <phone> and <phone> and <email>; report HN1-0002, outbox 12, 2026-03-01"


async def test_a_failed_insert_logs_no_parameters(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A database error names the statement, never its parameters (sealed number and text, hashes)."""
    caplog.set_level(logging.DEBUG)
    quiet_libraries()
    clock = FakeClock(datetime(2016, 3, 10, 9, 0, tzinfo=UTC))
    async with running(settings_for(tmp_path / "data"), clock) as h:
        async with inserts_refused(h.rt.stores.db.engine, "messages"):
            answer = await h.sms("SMfail1", TEXTS[0] + "。", PHONE)
        assert answer.status_code != 200, "the message was not stored, so Twilio must deliver it again"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    text = "\n".join(formatter.format(r) for r in caplog.records)
    assert "StorageError" in text, "the failure itself is logged"
    # Sealed fields and the sender's lookup hash are no one's business in a log either.
    assert "[parameters:" not in text and "s1." not in text, text[-2000:]
    leaked = [s for s in secrets() if s in text]
    assert leaked == [], [line for line in text.splitlines() if any(s in line for s in leaked)]
