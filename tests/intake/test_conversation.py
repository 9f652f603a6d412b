"""The guided chat conversation over vendor-neutral events, without any provider's SDK or API."""

from __future__ import annotations

from pathlib import Path

from intake.citizen_texts import ASK_AGAIN_TEXT, COLLECTING_TEXT, NOTHING_YET_TEXT, SHARE_PHONE
from intake.conversation import ANONYMOUS, REAL_NAME, ChatConversation, ChatEvent
from intake.flow import ChannelIntake
from intake.models import Channel, InboundMessage
from intake.reporter_contact import CONTACT_TEXT
from tests.fakes.intake import FakeClock, intake_service
from tests.fakes.prompter import RecordingPrompter
from tests.fakes.store import whole

CHAT = "chat-1"


def text(ident: str, body: str) -> ChatEvent:
    message = InboundMessage(id=ident, text=body, channel=Channel.TELEGRAM, sender=CHAT)
    return ChatEvent("text", CHAT, message=message, payload={"id": ident})


def choice(name: str) -> ChatEvent:
    return ChatEvent("choice", CHAT, choice=name)


async def test_texts_then_anonymous_choice_file_one_report(tmp_path: Path) -> None:
    prompter = RecordingPrompter()
    async with intake_service(tmp_path) as service:
        talk = ChatConversation(ChannelIntake(service), prompter)
        assert await talk.take(text("1", "西虢镇某村支书")) is None
        assert prompter.prompts[-1].text == COLLECTING_TEXT
        assert prompter.names() == [REAL_NAME, ANONYMOUS]
        assert await talk.take(text("2", "侵占低保款三万元")) is None
        assert len(prompter.prompts) == 1  # no prompt per message
        receipt = await talk.take(choice(ANONYMOUS))
        assert receipt is not None and receipt.tracking_number == "MZ1-0001"
        # The adapter hears of the choice before it is acted on and after (buttons off).
        assert prompter.steps[1:] == [f"received {ANONYMOUS}", "send", f"used {ANONYMOUS}"]
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None
        messages = await whole(service).report_messages(report.pk)
        assert [m.provider_id for m in messages] == ["1", "2"]
        assert await talk.draft_of(CHAT) is None
        # A choice with no draft open is answered, not filed.
        assert await talk.take(choice(ANONYMOUS)) is None
        assert prompter.prompts[-1].text == NOTHING_YET_TEXT


async def test_real_name_takes_a_typed_contact_and_keeps_content(tmp_path: Path) -> None:
    prompter = RecordingPrompter()
    async with intake_service(tmp_path) as service:
        talk = ChatConversation(ChannelIntake(service), prompter)
        await talk.take(text("1", "村会计挪用公款"))
        await talk.take(choice(REAL_NAME))
        assert prompter.prompts[-1].ask_contact == SHARE_PHONE
        # More of the report, not contact details: kept, and the question asked again.
        assert await talk.take(text("2", "另外他还收了购物卡")) is None
        assert prompter.prompts[-1].text == ASK_AGAIN_TEXT
        receipt = await talk.take(text("3", "张三 13912345678"))
        assert receipt is not None and receipt.tracking_number == "MZ1-0001"
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None
        messages = await whole(service).report_messages(report.pk)
        assert [m.text for m in messages] == ["村会计挪用公款", "另外他还收了购物卡", CONTACT_TEXT]
        assert messages[0].payload is not None
        assert (messages[0].payload["real_name"], messages[0].payload["contact_phone"]) == (
            "张三",
            "13912345678",
        )


async def test_a_quiet_draft_is_filed_by_the_sweep(tmp_path: Path) -> None:
    clock = FakeClock()
    async with intake_service(tmp_path, clock) as service:
        talk = ChatConversation(ChannelIntake(service), RecordingPrompter())
        await talk.take(text("1", "某局长收受礼金"))
        assert await talk.sweep() == 0
        clock.advance(seconds=talk.idle.total_seconds())
        assert await talk.sweep() == 1
        assert await talk.draft_of(CHAT) is None
        assert await whole(service).get_report("MZ1-0001") is not None
