"""The outbox drains concurrently through one HTTP client, keeps each citizen's order through 429s
and 5xx, and takes the operator's per-sender rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sms import TwilioSmsSender
from intake.models import Channel
from intake.outbox import OutboxWorker, SenderRates, parse_rates
from intake.ports import NewAck
from tests.fakes.http import Failures, serve
from tests.fakes.intake import FakeClock, intake_service
from tests.fakes.store import whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

A, B = "+8613900000001", "+8613900000002"


def bodies_to(fake: FakeTwilio, recipient: str) -> list[str]:
    return [m["Body"] for m in fake.messages if m["To"] == recipient]


@pytest.mark.parametrize("status", [429, 503])
async def test_a_citizens_messages_keep_their_order_through_back_off(tmp_path: Path, status: int) -> None:
    clock = FakeClock()
    fake = FakeTwilio()
    fake.failures_to[A] = Failures()
    fake.failures_to[A].add(status, headers={"Retry-After": "30"} if status == 429 else None)
    async with intake_service(tmp_path, clock) as service, serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+1", api_base=base
        )
        worker = OutboxWorker(whole(service), {Channel.SMS: sender}, clock, max_in_flight=4)
        for text in ("A一", "B一", "A二", "B二", "A三"):
            recipient = A if text.startswith("A") else B
            await whole(service).enqueue_ack(
                None, NewAck(Channel.SMS, recipient, text, "status"), clock.now()
            )
        assert await worker.run_once() == 5
        # A's first message failed: their second and third were not sent before it; B's went.
        assert bodies_to(fake, A) == []
        assert bodies_to(fake, B) == ["B一", "B二"]
        assert await worker.run_once() == 0  # A waits behind the failed message's back-off
        clock.advance(seconds=31)
        assert await worker.run_once() == 3
        await sender.aclose()
    assert bodies_to(fake, A) == ["A一", "A二", "A三"]
    assert fake.attempts == 6  # one failure, five messages, none sent twice


async def test_sends_share_one_client_with_kept_alive_connections(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = FakeTwilio()
    async with intake_service(tmp_path, clock) as service, serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+1", api_base=base
        )
        worker = OutboxWorker(whole(service), {Channel.SMS: sender}, clock, max_in_flight=2)
        for i in range(20):
            recipient = f"+86139000{i:05d}"
            await whole(service).enqueue_ack(
                None, NewAck(Channel.SMS, recipient, f"回执{i}", "status"), clock.now()
            )
        while await worker.run_once():
            pass
        await sender.aclose()
    assert len(fake.messages) == 20
    # Two in flight at most, over kept-alive connections: not a connection per message.
    assert len(fake.peers) <= 2


def test_rates_per_sending_number_then_per_channel() -> None:
    rates = SenderRates(parse_rates("sms=1, sms:+10655=100, telegram=25"))
    short_code = rates.limiter(Channel.SMS, "+10655")
    long_code = rates.limiter(Channel.SMS, "+8613900000000")
    assert short_code is not None and short_code.max_rate == 100
    assert long_code is not None and long_code.max_rate == 1
    assert rates.limiter(Channel.SMS, None) is not long_code  # the default number has its own bucket
    assert rates.limiter(Channel.SMS, "+10655") is short_code
    assert rates.limiter(Channel.EMAIL, None) is None  # no rate set: not limited
    with pytest.raises(ValueError):
        parse_rates("sms")
    with pytest.raises(ValueError):
        parse_rates("sms=0")
