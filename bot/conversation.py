"""The guided Telegram conversation: explain, collect the report, ask real-name or anonymous, file it.

Every message is committed raw the moment it arrives; what lives only in memory is which
committed messages form the draft of the chat's report. The draft is filed as one report when
the citizen chooses real-name (after sending a name and phone) or anonymous, or when the chat has
been quiet for `idle` (filed as anonymous). If the service stops with a draft open, startup
recovery files each of its messages as a report of its own: split, but never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.joining import ChannelIntake
from bot.telegram import Button, TelegramEvent, parse_update
from intake.inspection import Inspection
from intake.ports import RawMessage
from intake.service import Receipt

log = logging.getLogger(__name__)

DEFAULT_IDLE = timedelta(minutes=5)
REAL_NAME = "realname"
ANONYMOUS = "anonymous"


class Prompter(Protocol):
    """Sends the conversation's own replies (the acknowledgement goes through the outbox)."""

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None: ...

    async def answer_callback(self, callback_id: str) -> None: ...


def _period(start: date, end: date) -> str:
    if start.year == end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def welcome_text(inspection: Inspection) -> str:
    """What /start says: who we are, what we accept, until when, and how to go on."""
    team = inspection.team_word
    return (
        f"您好，这里是{inspection.team}。\n"
        f"受理时间：{_period(inspection.period.start, inspection.period.end)}。\n"
        f"本{team}主要受理反映{inspection.target.name}领导班子及其成员、下一级党组织主要负责人"
        "和重要岗位领导干部问题的来信，其他问题将按规定转有关部门办理。\n"
        "请直接写下您要反映的问题（何人、何时、何地、何事），可分几条发送，也可附图片或文件。\n"
        "查询办理情况请发送：查询 编号"
    )


COLLECTING_TEXT = "已收到。可继续发送文字、图片或文件补充；写完后请选择是否留下姓名和联系电话："
CHOICE_BUTTONS: tuple[tuple[Button, ...], ...] = (
    (("实名反映（留姓名、电话）", REAL_NAME),),
    (("匿名反映", ANONYMOUS),),
)
ASK_CONTACT_TEXT = "请发送您的姓名和联系电话，或点下方按钮分享手机号。您的个人信息将严格保密。"
SHARE_PHONE = "分享手机号"
NOTHING_YET_TEXT = "请先写下您要反映的问题，再选择实名或匿名。"
ANONYMOUS_NOTE = "好的，按匿名反映登记。"


def joined_text(texts: Sequence[str]) -> str:
    """The report's text from its messages in order."""
    return "\n".join(t for t in texts if t.strip())


@dataclass
class Draft:
    """The committed messages of a report still being written."""

    messages: list[RawMessage]
    last_at: datetime
    awaiting_contact: bool = False
    contact: list[RawMessage] = field(default_factory=list)


class TelegramConversation:
    """Handles updates (from the webhook or long polling) of one bot."""

    def __init__(
        self,
        intake: ChannelIntake,
        prompter: Prompter,
        *,
        inspection_id: str | None = None,
        idle: timedelta = DEFAULT_IDLE,
    ) -> None:
        self.intake = intake
        self.prompter = prompter
        self.inspection_id = inspection_id
        self.idle = idle
        self.drafts: dict[str, Draft] = {}
        # Updates of one chat must not interleave (two photos of one album arrive together).
        self._lock = asyncio.Lock()

    @property
    def _now(self) -> datetime:
        return self.intake.service.clock.now()

    async def handle(self, data: dict[str, Any]) -> Receipt | None:
        """Act on one update dict; raises `InboundError` for malformed or unsupported updates."""
        event = parse_update(data)
        async with self._lock:
            return await self._handle(event, data)

    async def _handle(self, event: TelegramEvent, data: dict[str, Any]) -> Receipt | None:
        if event.kind in ("start", "help"):
            inspection = self.intake.service.inspection(self.inspection_id)
            await self._say(event.chat_id, welcome_text(inspection))
            return None
        if event.kind == "callback":
            if event.callback_id:
                await self.prompter.answer_callback(event.callback_id)
            return await self._choice(event.chat_id, event.callback_data or "")
        assert event.message is not None  # message and contact events carry one
        saved = await self.intake.commit(event.message, payload=data, inspection_id=self.inspection_id)
        if saved.duplicate:
            log.info("duplicate telegram update %s", event.update_id)
            return Receipt(None, None, duplicate=True)
        raw = saved.message
        draft = self.drafts.get(event.chat_id)
        if event.kind == "contact" or (draft is not None and draft.awaiting_contact):
            if draft is None:
                await self.intake.record(raw, "message.contact_without_report")
                await self._say(event.chat_id, NOTHING_YET_TEXT, remove_keyboard=True)
                return None
            draft.contact.append(raw)
            return await self._file(event.chat_id, real_name=True)
        if raw.text.strip().startswith("查询"):
            return await self.intake.service.process(raw)
        if draft is None:
            recent = await self.intake.open_report_for(raw, join_window=self.idle)
            if recent is not None:
                receipt = await self.intake.attach(raw, recent)
                await self._say(event.chat_id, f"已补充到编号{recent.tracking_number}。")
                return receipt
            self.drafts[event.chat_id] = Draft([raw], self._now)
            await self._say(event.chat_id, COLLECTING_TEXT, buttons=CHOICE_BUTTONS)
            return None
        draft.messages.append(raw)
        draft.last_at = self._now
        return None

    async def _choice(self, chat_id: str, choice: str) -> Receipt | None:
        draft = self.drafts.get(chat_id)
        if draft is None:
            await self._say(chat_id, NOTHING_YET_TEXT)
            return None
        if choice == REAL_NAME:
            draft.awaiting_contact = True
            draft.last_at = self._now
            await self._say(chat_id, ASK_CONTACT_TEXT, ask_contact=SHARE_PHONE)
            return None
        if choice == ANONYMOUS:
            await self._say(chat_id, ANONYMOUS_NOTE)
            return await self._file(chat_id, real_name=False)
        return None

    async def _file(self, chat_id: str, *, real_name: bool) -> Receipt:
        draft = self.drafts.pop(chat_id)
        messages = [*draft.messages, *draft.contact]
        text = joined_text([m.text for m in draft.messages])
        receipt = await self.intake.open_joined(messages[0], messages[1:], text)
        log.info(
            "telegram draft filed as %s (%s, %d messages)",
            receipt.tracking_number,
            "real-name" if real_name else "anonymous",
            len(messages),
        )
        if real_name:
            await self._say(chat_id, "已记录您的联系方式。", remove_keyboard=True)
        return receipt

    async def sweep(self) -> int:
        """File every draft quiet for longer than `idle` as anonymous; returns how many."""
        async with self._lock:
            due = [chat for chat, d in self.drafts.items() if self._now - d.last_at >= self.idle]
            for chat in due:
                await self._file(chat, real_name=False)
            return len(due)

    async def run_sweeper(self, interval: float = 15.0) -> None:
        """Sweep until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("telegram draft sweep failed")

    async def _say(self, chat_id: str, text: str, **kwargs: Any) -> None:
        # Conversation prompts are best effort: the messages are already committed, and the
        # acknowledgement with the tracking number goes through the outbox with retries.
        try:
            await self.prompter.send(chat_id, text, **kwargs)
        except Exception as exc:
            log.warning("telegram prompt not sent: %s", exc.__class__.__name__)
