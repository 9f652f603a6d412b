"""Telegram through python-telegram-bot: the webhook's secret token, update parsing, sending, polling.

Only private chats are served: a report written in a group would be read by the group. Updates
are parsed with PTB's own `Update.de_json` into a `TelegramEvent`; sending goes through PTB's
`Bot` against a configurable base URL (a local fake Bot API in tests), and its errors are mapped
once onto `ChannelSendError`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from bot.base import WebhookRequest
from intake.errors import ChannelSendError, MalformedPayload, UnsupportedEvent, WebhookAuthError
from intake.models import MAX_TEXT_CHARS, Channel, InboundMessage
from intake.normalise import status_query
from intake.reporter_contact import CONTACT_TEXT, Contact

# python-telegram-bot (17 MB resident, 0.2 s to import) is imported where it is used: a service
# without Telegram configured never loads it.
if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
    from telegram.error import TelegramError

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_BASE: Final = "https://api.telegram.org"
MAX_UPDATE_BYTES: Final = 1 << 20

EventKind = Literal["message", "start", "help", "status_help", "callback", "contact"]


@dataclass(frozen=True, slots=True)
class TelegramEvent:
    """One update, reduced to what the conversation acts on."""

    update_id: int
    kind: EventKind
    chat_id: str
    message: InboundMessage | None = None  # for message and contact
    callback_data: str | None = None
    callback_id: str | None = None
    attachments: tuple[dict[str, str], ...] = ()  # file ids, kept in the raw payload
    source_message_id: int | None = None  # the message whose button was pressed
    contact: Contact | None = None  # a shared contact's name and number


Button = tuple[str, str]  # (label, callback data)


# A real update nests about ten deep (update > message > reply_to_message > entities > user ...).
MAX_UPDATE_DEPTH = 32


def check_secret(expected: str, given: str | None) -> None:
    """Raise `WebhookAuthError` unless `given` equals the webhook secret (constant time)."""
    if not given or not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise WebhookAuthError("bad or missing secret token")


def update_json(body: bytes) -> dict[str, Any]:
    """The JSON object of an update body, nested at most `MAX_UPDATE_DEPTH` deep."""
    if len(body) > MAX_UPDATE_BYTES:
        raise MalformedPayload("update too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # json.loads recurses once a level: a deeply nested body exhausts the stack (was a 500).
        raise MalformedPayload("update is not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedPayload("update is not a JSON object")
    if nested_deeper_than(data, MAX_UPDATE_DEPTH):
        # Parsed, but kept in the payload it would break whatever reads it again later, deeper in a
        # call stack (the SDK's de_json, unsealing, the desk): refused at the edge.
        raise MalformedPayload("update nested too deeply")
    return data


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests lists/objects more than `limit` deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_update(data: dict[str, Any]) -> TelegramEvent:
    """Parse one update (pure); raises only `InboundError`s."""
    from telegram import Update

    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise MalformedPayload("update_id missing")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedPayload(f"unreadable update: {exc.__class__.__name__}") from exc
    try:
        return _event(update_id, update)
    except (AttributeError, TypeError, ValueError) as exc:
        # de_json checks no types: a message without a chat, a text that is a number, ... (found by
        # tests/trust/test_fuzz_endpoints.py): a clean 400, not a 500.
        raise MalformedPayload(f"malformed update: {exc.__class__.__name__}") from exc


def _event(update_id: int, update: Update) -> TelegramEvent:
    if update.callback_query is not None:
        query = update.callback_query
        msg = query.message
        if msg is None or msg.chat.type != "private":
            raise UnsupportedEvent("callback outside a private chat")
        return TelegramEvent(
            update_id,
            "callback",
            str(msg.chat.id),
            None,
            query.data,
            query.id,
            source_message_id=msg.message_id,
        )
    message = update.message
    if message is None:
        raise UnsupportedEvent("not a new message")  # edits, channel posts, member updates ...
    if message.chat.type != "private":
        raise UnsupportedEvent("not a private chat")
    chat_id = str(message.chat.id)
    ident = str(update_id)
    if message.contact is not None:
        contact = message.contact
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        shared = Contact(name=name, phone=str(contact.phone_number))
        return TelegramEvent(
            update_id, "contact", chat_id, _inbound(ident, CONTACT_TEXT, chat_id), contact=shared
        )
    text = (message.text or message.caption or "")[:MAX_TEXT_CHARS]
    if message.text is not None and message.text.startswith("/"):
        command = message.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        if command == "/start":
            return TelegramEvent(update_id, "start", chat_id)
        if command == "/help":
            return TelegramEvent(update_id, "help", chat_id)
        if command == "/status":
            # "/status N" is the same question as "查询 N"; without a number it is a question about
            # how to ask, never a report.
            number = status_query(message.text)
            if number is None:
                return TelegramEvent(update_id, "status_help", chat_id)
            text = f"查询 {number}"
    attachments = _attachments(message)
    if attachments:
        notes = "、".join(a["label"] for a in attachments)
        text = f"{text}\n[{notes}]" if text else f"[{notes}]"
    return TelegramEvent(
        update_id, "message", chat_id, _inbound(ident, text, chat_id), attachments=attachments
    )


def _inbound(ident: str, text: str, chat_id: str) -> InboundMessage:
    return InboundMessage(id=ident, text=text[:MAX_TEXT_CHARS], channel=Channel.TELEGRAM, sender=chat_id)


def _attachments(message: Any) -> tuple[dict[str, str], ...]:
    found: list[dict[str, str]] = []
    if message.photo:
        largest = message.photo[-1]
        found.append({"kind": "photo", "file_id": largest.file_id, "label": "图片"})
    for kind, label in (("document", "文件"), ("video", "视频"), ("voice", "语音"), ("audio", "音频")):
        item = getattr(message, kind, None)
        if item is not None:
            name = getattr(item, "file_name", None)
            found.append(
                {"kind": kind, "file_id": item.file_id, "label": f"{label}：{name}" if name else label}
            )
    return tuple(found)


class TelegramWebhook:
    """Verifies (secret token header) and parses Telegram webhook deliveries."""

    channel = Channel.TELEGRAM

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def verify(self, req: WebhookRequest) -> None:
        """Raise `WebhookAuthError` unless the secret-token header is right."""
        check_secret(self._secret, req.header(SECRET_HEADER))

    def parse(self, req: WebhookRequest) -> list[InboundMessage]:
        """The message of a verified update, if it carries one."""
        event = parse_update(update_json(req.body))
        return [event.message] if event.message is not None else []


def map_error(exc: TelegramError) -> ChannelSendError:
    """The outbox's view of a PTB error: retry floods and network trouble, not refusals."""
    from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
    from telegram.warnings import PTBDeprecationWarning

    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            # PTB 22 warns that the attribute becomes a timedelta; both forms are handled here.
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            seconds = exc.retry_after
        after = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        return ChannelSendError("telegram: flood control", retryable=True, retry_after=after)
    if isinstance(exc, Forbidden):
        return ChannelSendError("telegram: the citizen blocked the bot", retryable=False)
    if isinstance(exc, InvalidToken):
        return ChannelSendError("telegram: invalid bot token", retryable=False)
    if isinstance(exc, BadRequest):  # a subclass of NetworkError: test it first
        return ChannelSendError(f"telegram: bad request: {exc.message}", retryable=False)
    if isinstance(exc, NetworkError):  # timeouts, 5xx, 429 without retry_after
        return ChannelSendError(f"telegram: {exc.message}", retryable=True)
    return ChannelSendError(f"telegram: {exc.__class__.__name__}", retryable=False)


class TelegramSender:
    """`OutboundChannel` for Telegram, plus the conversation's prompts with buttons."""

    channel = Channel.TELEGRAM

    def __init__(self, token: str, api_base: str = DEFAULT_API_BASE, *, timeout: float = 15.0) -> None:
        self._token = token
        self._base_url = f"{api_base.rstrip('/')}/bot"
        self._timeout = timeout

    @asynccontextmanager
    async def bot(self, *, long_poll: float = 0.0) -> AsyncIterator[Bot]:
        """A PTB `Bot` whose HTTP client is closed on exit (one per send keeps no idle sockets)."""
        from telegram import Bot
        from telegram.request import HTTPXRequest

        request = HTTPXRequest(
            connection_pool_size=2,
            read_timeout=self._timeout + long_poll,
            write_timeout=self._timeout,
            connect_timeout=self._timeout,
        )
        bot = Bot(self._token, base_url=self._base_url, request=request, get_updates_request=request)
        await request.initialize()
        try:
            yield bot
        finally:
            await request.shutdown()

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        """Send a plain text; returns the message id."""
        return await self.send(recipient, text)

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        buttons: Sequence[Sequence[Button]] = (),
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> str | None:
        """Send a text with inline buttons, a share-phone-number button, or a keyboard removal."""
        from telegram import (
            InlineKeyboardButton,
            InlineKeyboardMarkup,
            KeyboardButton,
            ReplyKeyboardMarkup,
            ReplyKeyboardRemove,
        )
        from telegram.error import TelegramError

        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
        if buttons:
            rows = [
                [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons
            ]
            markup = InlineKeyboardMarkup(rows)
        elif ask_contact:
            markup = ReplyKeyboardMarkup(
                [[KeyboardButton(ask_contact, request_contact=True)]],
                one_time_keyboard=True,
                resize_keyboard=True,
            )
        elif remove_keyboard:
            markup = ReplyKeyboardRemove()
        try:
            async with self.bot() as bot:
                sent = await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        except TelegramError as exc:
            raise map_error(exc) from exc
        return str(sent.message_id)

    async def answer_callback(self, callback_id: str) -> None:
        """Stop the button's spinner; a failure here only costs the spinner."""
        from telegram.error import TelegramError

        try:
            async with self.bot() as bot:
                await bot.answer_callback_query(callback_id)
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", exc.__class__.__name__)

    async def remove_buttons(self, chat_id: str, message_id: int) -> None:
        """Take the inline buttons off a prompt once used; a failure leaves stale buttons, which the
        conversation answers harmlessly."""
        from telegram.error import TelegramError

        try:
            async with self.bot() as bot:
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("editMessageReplyMarkup failed: %s", exc.__class__.__name__)

    async def set_webhook(self, url: str, secret: str) -> None:
        """Point Telegram at our webhook with the secret token it must send back."""
        from telegram.error import TelegramError

        try:
            async with self.bot() as bot:
                await bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "callback_query"])
        except TelegramError as exc:
            raise map_error(exc) from exc

    async def check(self) -> str:
        """Call getMe to prove the token works."""
        from telegram.error import TelegramError

        try:
            async with self.bot() as bot:
                me = await bot.get_me()
        except TelegramError as exc:
            raise map_error(exc) from exc
        return f"bot @{me.username}"

    async def poll(
        self,
        handle: Callable[[dict[str, Any]], Awaitable[None]],
        *,
        poll_timeout: int = 30,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Long-poll getUpdates and hand each update to `handle`, confirming it only after `handle`.

        A failure (of getUpdates or of `handle`) ends the poll: the "telegram-polling" job is
        started again with the runner's backoff, and Telegram redelivers from the last confirmed
        update; an update handled before is de-duplicated by its update_id, so none is lost and
        none is taken twice.
        """
        from telegram.error import TelegramError

        offset: int | None = None
        async with self.bot(long_poll=poll_timeout) as bot:
            try:
                await bot.delete_webhook(drop_pending_updates=False)
            except TelegramError as exc:
                log.warning("deleteWebhook failed: %s", exc.__class__.__name__)
            while stop is None or not stop.is_set():
                try:
                    updates = await bot.get_updates(
                        offset=offset, timeout=poll_timeout, allowed_updates=["message", "callback_query"]
                    )
                except TelegramError as exc:
                    raise map_error(exc) from exc
                for update in updates:
                    await handle(update.to_dict())
                    offset = update.update_id + 1
