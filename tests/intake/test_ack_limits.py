"""The hourly limits on what one sender is sent: new-report numbers and status answers apart.

Status answers never use up the acknowledgements of new reports; each limit, once reached, is
told to the sender once an hour; Telegram (no robot peers) is outside the report loop guard.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from intake.models import Channel, InboundMessage
from intake.service import MAX_ACKS_PER_HOUR, MAX_STATUS_PER_HOUR, IntakeService
from tests.fakes.intake import FakeClock, intake_service
from tests.fakes.store import whole

PHONE = "+8613700000042"


def sms(n: int, text: str) -> InboundMessage:
    return InboundMessage(id=f"SM{n}", text=text, channel=Channel.SMS, sender=PHONE)


async def queued(service: IntakeService) -> list[tuple[str, str]]:
    items = await whole(service).claim_outbox(service.clock.now() + timedelta(days=1), 100)
    return [(i.kind, i.text) for i in items]


async def test_status_answers_do_not_use_up_the_number_of_a_new_report(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        first = await service.accept(sms(1, "镇长收礼"))
        for n in range(2, 2 + MAX_STATUS_PER_HOUR):
            await service.accept(sms(n, f"查询 {first.tracking_number}"))
        second = await service.accept(sms(99, "村支书侵占低保款"))
        kinds = [kind for kind, _ in await queued(service)]
        assert kinds.count("status") == MAX_STATUS_PER_HOUR
        assert second.ack_text is not None and str(second.tracking_number) in second.ack_text


async def test_each_limit_is_told_once_an_hour(tmp_path: Path) -> None:
    clock = FakeClock()
    async with intake_service(tmp_path, clock) as service:
        for n in range(MAX_ACKS_PER_HOUR + 3):
            await service.accept(sms(n, f"第{n}件：镇长收礼"))
        for n in range(MAX_STATUS_PER_HOUR + 3):
            await service.accept(sms(100 + n, "查询 MZ1-0001"))
        kinds = [kind for kind, _ in await queued(service)]
        assert kinds.count("in_scope") == MAX_ACKS_PER_HOUR and kinds.count("ack_limit") == 1
        assert kinds.count("status") == MAX_STATUS_PER_HOUR and kinds.count("status_limit") == 1
        clock.advance(hours=1, minutes=1)
        await service.accept(sms(500, "查询 MZ1-0001"))
        # An hour on, the sender is answered again (the earlier claims have expired: all come back).
        later = [kind for kind, _ in await queued(service)]
        assert later.count("status") == MAX_STATUS_PER_HOUR + 1 and later.count("status_limit") == 1


async def test_telegram_reports_always_get_their_number(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        for n in range(MAX_ACKS_PER_HOUR + 2):
            message = InboundMessage(id=str(n), text="镇长收礼", channel=Channel.TELEGRAM, sender="42")
            receipt = await service.accept(message)
            assert receipt.ack_text is not None and str(receipt.tracking_number) in receipt.ack_text
