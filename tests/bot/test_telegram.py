"""Telegram: secret token, update parsing, sending against a fake Bot API over HTTP, the conversation."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.base import WebhookRequest
from bot.conversation import TelegramConversation
from bot.telegram import (
    SECRET_HEADER,
    TelegramSender,
    TelegramWebhook,
    parse_update,
    update_json,
)
from intake.citizen_texts import welcome_text
from intake.conversation import ANONYMOUS, REAL_NAME
from intake.errors import ChannelSendError, InboundError, StorageError, UnsupportedEvent, WebhookAuthError
from intake.flow import ChannelIntake
from intake.models import Channel
from intake.outbox import OutboxWorker
from intake.reporter_contact import CONTACT_TEXT, Contact
from intake.service import IntakeService
from tests.fakes.http import serve
from tests.fakes.intake import FakeClock, intake_service
from tests.fakes.store import whole
from tests.fakes.telegram_api import TOKEN, FakeBotApi, callback_update, message_update

SECRET = "s3cret-token_x"
CHAT = 777001


def req(update: dict[str, Any], secret: str | None = SECRET) -> WebhookRequest:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return WebhookRequest("https://x/hooks/telegram", headers, json.dumps(update).encode())


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
def test_wrong_secret_is_refused(secret: str | None) -> None:
    with pytest.raises(WebhookAuthError):
        TelegramWebhook(SECRET).verify(req(message_update(1, CHAT, "x"), secret))


def test_message_parses() -> None:
    hook = TelegramWebhook(SECRET)
    r = req(message_update(10, CHAT, "镇长收礼"))
    hook.verify(r)
    [msg] = hook.parse(r)
    assert (msg.id, msg.sender, msg.text, msg.channel) == ("10", str(CHAT), "镇长收礼", Channel.TELEGRAM)


def test_commands_photos_documents_contacts() -> None:
    assert parse_update(message_update(1, CHAT, "/start")).kind == "start"
    status = parse_update(message_update(2, CHAT, "/status MZ1-0001"))
    assert status.message is not None and status.message.text == "查询 MZ1-0001"
    photo = parse_update(
        message_update(
            3,
            CHAT,
            caption="现场",
            photo=[
                {"file_id": "small", "file_unique_id": "a", "width": 1, "height": 1},
                {"file_id": "big", "file_unique_id": "b", "width": 9, "height": 9},
            ],
        )
    )
    assert photo.message is not None and photo.message.text == "现场\n[图片]"
    assert photo.attachments[0]["file_id"] == "big"
    doc = parse_update(
        message_update(4, CHAT, document={"file_id": "d", "file_unique_id": "d", "file_name": "账目.pdf"})
    )
    assert doc.message is not None and doc.message.text == "[文件：账目.pdf]"
    contact = parse_update(
        message_update(
            5, CHAT, contact={"phone_number": "+8613912345678", "first_name": "张三", "user_id": CHAT}
        )
    )
    assert contact.kind == "contact" and contact.message is not None
    # The number goes to the sealed identity fields, never into the text.
    assert contact.message.text == CONTACT_TEXT
    assert contact.contact == Contact("张三", "+8613912345678")


def test_groups_and_edits_are_unsupported() -> None:
    group = message_update(1, -100, "x")
    group["message"]["chat"]["type"] = "group"
    with pytest.raises(UnsupportedEvent):
        parse_update(group)
    with pytest.raises(UnsupportedEvent):
        parse_update({"update_id": 2, "edited_message": message_update(2, CHAT, "x")["message"]})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bodies_raise_only_inbound_errors(body: bytes) -> None:
    with contextlib.suppress(InboundError):
        parse_update(update_json(body))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["update_id", "message", "callback_query", "x"]), _json))
def test_arbitrary_json_raises_only_inbound_errors(data: dict[str, Any]) -> None:
    with contextlib.suppress(InboundError):
        parse_update(data)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300).filter(
        lambda s: not s.startswith("/")
    )
)
def test_text_round_trips(text: str) -> None:
    event = parse_update(message_update(9, CHAT, text))
    assert event.message is not None and event.message.text == text


# --- sending through the fake Bot API ---------------------------------------------------------------


async def test_send_text_reaches_the_bot_api() -> None:
    api = FakeBotApi()
    async with serve(api.app()) as base:
        sender = TelegramSender(TOKEN, base)
        message_id = await sender.send_text(str(CHAT), "您反映的问题已收到，编号MZ1-0001。")
        assert await sender.check() == "bot @xuncha_test_bot"
    assert message_id == "101"
    assert api.sent() == [{"chat_id": str(CHAT), "text": "您反映的问题已收到，编号MZ1-0001。"}]


@pytest.mark.parametrize(
    ("status", "body", "retryable", "retry_after"),
    [
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
            False,
            None,
        ),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, False, None),
        (
            429,
            {"ok": False, "error_code": 429, "description": "Too Many", "parameters": {"retry_after": 3}},
            True,
            3.0,
        ),
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}, True, None),
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, True, None),
    ],
)
async def test_send_errors_are_mapped(
    status: int, body: dict[str, Any], retryable: bool, retry_after: float | None
) -> None:
    api = FakeBotApi()
    api.failures.add(status, json.dumps(body))
    async with serve(api.app()) as base:
        with pytest.raises(ChannelSendError) as err:
            await TelegramSender(TOKEN, base).send_text(str(CHAT), "x")
    assert err.value.retryable is retryable and err.value.retry_after == retry_after
    assert str(CHAT) not in str(err.value)


# --- the conversation ---------------------------------------------------------------------------------


async def _pending_texts(service: IntakeService) -> list[str]:
    items = await whole(service).claim_outbox(
        service.clock.now() + __import__("datetime").timedelta(days=1), 100
    )
    return [i.text for i in items]


async def test_guided_conversation_files_one_report_and_one_ack(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with intake_service(tmp_path) as service, serve(api.app()) as base:
        sender = TelegramSender(TOKEN, base)
        talk = TelegramConversation(ChannelIntake(service), sender, updates=whole(service))
        await talk.handle(message_update(1, CHAT, "/start"))
        assert api.sent()[-1]["text"] == welcome_text(service.default_inspection)
        await talk.handle(message_update(2, CHAT, "西虢镇某村支书"))
        prompt = api.sent()[-1]
        assert "实名" in json.dumps(prompt["reply_markup"], ensure_ascii=False)
        await talk.handle(message_update(3, CHAT, "侵占低保款三万元"))
        await talk.handle(message_update(3, CHAT, "侵占低保款三万元"))  # redelivered
        await talk.handle(
            message_update(4, CHAT, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])
        )
        assert len(api.sent()) == 2  # no prompt per message
        receipt = await talk.handle(callback_update(5, CHAT, ANONYMOUS))
        assert receipt is not None and receipt.tracking_number == "MZ1-0001"
        assert [c.method for c in api.calls].count("answerCallbackQuery") == 1
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None and report.sender == str(CHAT)
        messages = await whole(service).report_messages(report.pk)
        assert [m.provider_id for m in messages] == ["2", "3", "4"]
        # The acknowledgement (with the number) goes through the outbox, once.
        worker = OutboxWorker(whole(service), {Channel.TELEGRAM: sender}, service.clock)
        await worker.run_once()
        acks = [p["text"] for p in api.sent() if "MZ1-0001" in p["text"]]
        assert len(acks) == 1
        # A follow-up is added to the report only when the citizen taps 补充.
        assert await talk.handle(message_update(6, CHAT, "补充：还有一张收据")) is None
        offered = api.sent()[-1]["reply_markup"]["inline_keyboard"][0][0]
        assert offered == {"text": "补充到编号MZ1-0001", "callback_data": "append:MZ1-0001"}
        joined = await talk.handle(callback_update(7, CHAT, "append:MZ1-0001"))
        assert joined is not None and joined.tracking_number == "MZ1-0001"
        assert len(await whole(service).report_messages(report.pk)) == 4
        assert (await whole(service).latest_reports(None))[0].tracking_number == "MZ1-0001"


async def test_real_name_with_shared_contact(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with intake_service(tmp_path) as service, serve(api.app()) as base:
        talk = TelegramConversation(
            ChannelIntake(service), TelegramSender(TOKEN, base), updates=whole(service)
        )
        await talk.handle(message_update(1, CHAT, "村会计挪用公款"))
        await talk.handle(callback_update(2, CHAT, REAL_NAME))
        assert api.sent()[-1]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
        receipt = await talk.handle(
            message_update(
                3, CHAT, contact={"phone_number": "+8613912345678", "first_name": "张三", "user_id": CHAT}
            )
        )
        assert receipt is not None and receipt.tracking_number == "MZ1-0001"
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None
        messages = await whole(service).report_messages(report.pk)
        assert [m.text for m in messages] == ["村会计挪用公款", CONTACT_TEXT]
        assert messages[0].payload is not None
        assert (messages[0].payload["real_name"], messages[0].payload["contact_phone"]) == (
            "张三",
            "+8613912345678",
        )


async def test_quiet_draft_is_filed_as_anonymous(tmp_path: Path) -> None:
    clock = FakeClock()
    async with intake_service(tmp_path, clock) as service:
        api = FakeBotApi()
        async with serve(api.app()) as base:
            talk = TelegramConversation(
                ChannelIntake(service), TelegramSender(TOKEN, base), updates=whole(service)
            )
            await talk.handle(message_update(1, CHAT, "乡镇干部吃拿卡要"))
            assert await talk.sweep() == 0
            clock.advance(minutes=6)
            assert await talk.sweep() == 1
        assert await whole(service).get_report("MZ1-0001") is not None


async def test_status_query_only_answers_the_chat_that_filed(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with intake_service(tmp_path) as service, serve(api.app()) as base:
        talk = TelegramConversation(
            ChannelIntake(service), TelegramSender(TOKEN, base), updates=whole(service)
        )
        await talk.handle(message_update(1, CHAT, "村支书违规发放补贴"))
        await talk.handle(callback_update(2, CHAT, ANONYMOUS))
        own = await talk.handle(message_update(3, CHAT, "/status MZ1-0001"))
        other = await talk.handle(message_update(4, 999, "查询 MZ1-0001"))
        assert own is not None and own.ack_text is not None and "审核" in own.ack_text
        assert other is not None and other.tracking_number is None
        assert other.ack_text is not None and "未查到" in other.ack_text


async def test_long_polling_takes_each_update_once(tmp_path: Path) -> None:
    api = FakeBotApi()
    api.updates = [message_update(41, CHAT, "镇长收礼"), callback_update(42, CHAT, ANONYMOUS)]
    async with intake_service(tmp_path) as service, serve(api.app()) as base:
        sender = TelegramSender(TOKEN, base)
        talk = TelegramConversation(ChannelIntake(service), sender, updates=whole(service))
        stop = asyncio.Event()
        seen: list[int] = []

        async def handle(update: dict[str, Any]) -> None:
            seen.append(update["update_id"])
            await talk.handle(update)
            if len(seen) == 2:
                stop.set()

        await asyncio.wait_for(sender.poll(handle, poll_timeout=1, stop=stop), 10)
        assert seen == [41, 42]
        assert next(c.method for c in api.calls) == "deleteWebhook"
        assert await whole(service).get_report("MZ1-0001") is not None


async def test_seen_update_ids_are_pruned_after_telegrams_redelivery_horizon(tmp_path: Path) -> None:
    clock = FakeClock()
    api = FakeBotApi()
    async with intake_service(tmp_path, clock) as service, serve(api.app()) as base:
        talk = TelegramConversation(
            ChannelIntake(service), TelegramSender(TOKEN, base), updates=whole(service)
        )
        await talk.handle(message_update(1, CHAT, "/start"))
        assert await talk.handle(message_update(1, CHAT, "/start")) is not None  # a duplicate
        clock.advance(days=1)
        await talk.sweep()
        assert not await whole(service).claim_update(talk.bot_id, 1, clock.now())  # still kept
        clock.advance(days=2)
        await talk.sweep()
        assert await whole(service).claim_update(talk.bot_id, 1, clock.now())  # forgotten


async def test_a_failed_update_ends_the_poll_and_the_next_round_takes_it_again(tmp_path: Path) -> None:
    api = FakeBotApi()
    api.updates = [message_update(41, CHAT, "镇长收礼"), callback_update(42, CHAT, ANONYMOUS)]
    async with intake_service(tmp_path) as service, serve(api.app()) as base:
        sender = TelegramSender(TOKEN, base)
        talk = TelegramConversation(ChannelIntake(service), sender, updates=whole(service))
        stop = asyncio.Event()
        seen: list[int] = []

        async def handle(update: dict[str, Any]) -> None:
            seen.append(update["update_id"])
            if len(seen) == 2:
                raise StorageError("database gone")  # the button press fails the first time
            await talk.handle(update)
            if update["update_id"] == 42:
                stop.set()

        with pytest.raises(StorageError):
            await asyncio.wait_for(sender.poll(handle, poll_timeout=1, stop=stop), 10)
        # The runner starts the job again: Telegram redelivers from the last confirmed update, and
        # the message already handled is taken once (its update_id is claimed).
        await asyncio.wait_for(sender.poll(handle, poll_timeout=1, stop=stop), 10)
        assert seen == [41, 42, 41, 42]
        assert await whole(service).get_report("MZ1-0001") is not None
        assert await whole(service).get_report("MZ1-0002") is None
