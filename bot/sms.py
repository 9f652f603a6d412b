"""SMS through Twilio: signed inbound webhooks, status callbacks, and sending through the REST API.

Inbound: `X-Twilio-Signature` is checked with the SDK's `RequestValidator` against the configured
public URL before anything of the body is used. Outbound: a plain form POST through one kept-alive
aiohttp session (the base URL points at a local fake in tests), mapped once onto `ChannelSendError`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import aiohttp
import httpx
from twilio.request_validator import RequestValidator

from bot.base import HookAnswer, WebhookRequest
from intake.errors import ChannelSendError, MalformedPayload, UnsupportedEvent, WebhookAuthError
from intake.flow import ChannelIntake, DeliveryReport, InboundSms, SmsIntake
from intake.models import MAX_TEXT_CHARS, Channel, InboundMessage

log = logging.getLogger(__name__)

# Twilio's opt-out keywords (Advanced Opt-Out defaults) and the ones Chinese carriers use.
OPT_OUT_WORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD", "T"}
)
OPT_IN_WORDS: Final = frozenset({"START", "UNSTOP", "YES"})
# Twilio error codes that no retry can fix: unsubscribed recipient, invalid or unreachable number.
PERMANENT_CODES: Final = frozenset({21211, 21408, 21610, 21612, 21614, 30003, 30005, 30006})
EMPTY_TWIML: Final = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
DEFAULT_API_BASE: Final = "https://api.twilio.com"
# Connections the outbox's sends to Twilio may keep open at once (kept alive between sends).
MAX_CONNECTIONS: Final = 64


@dataclass(frozen=True, slots=True)
class SmsStatus:
    """A delivery status callback for a message we sent."""

    sid: str
    status: str
    error_code: str | None


def form_of(body: bytes) -> dict[str, str]:
    """The form fields of an urlencoded body (the last value of a repeated field wins), as
    `urllib.parse.parse_qsl(keep_blank_values=True)` reads them."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("form body is not UTF-8") from exc
    form: dict[str, str] = {}
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            form[_unquote_plus(name)] = _unquote_plus(value)
    return form


# A run of percent escapes: a Chinese character is three, a message hundreds in a row.
_ESCAPES: Final = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _unquote_plus(value: str) -> str:
    # urllib's unquote looks at one escape at a time in Python; decoding each run of them at once
    # is several times faster on a Chinese SMS. A byte sequence that is not UTF-8 becomes U+FFFD,
    # as there; every multi-byte character lies inside one run.
    return _ESCAPES.sub(_decode_run, value.replace("+", " "))


def _decode_run(run: re.Match[str]) -> str:
    return bytes.fromhex(run.group().replace("%", "")).decode("utf-8", "replace")


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio sends with a form posted to `url` (the playground signs its
    own calls with it; the SDK stays in bot/)."""
    signature: str = RequestValidator(auth_token).compute_signature(url, form)
    return signature


class TwilioWebhook:
    """Verifies and parses Twilio's inbound SMS and status-callback webhooks."""

    channel = Channel.SMS

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def verify(self, req: WebhookRequest) -> dict[str, str]:
        """The form, verified: `WebhookAuthError` unless `X-Twilio-Signature` matches the public URL
        and form. (A form of Chinese text is long in percent escapes: it is parsed once.)"""
        signature = req.header("X-Twilio-Signature")
        if not signature:
            raise WebhookAuthError("missing X-Twilio-Signature")
        try:
            params = form_of(req.body)
        except MalformedPayload as exc:
            raise WebhookAuthError("unsigned body") from exc
        # RequestValidator compares in constant time (twilio.compat.compare_digest).
        if not self._validator.validate(req.url, params, signature):
            raise WebhookAuthError("bad X-Twilio-Signature")
        return params

    def parse(self, req: WebhookRequest) -> list[InboundMessage]:
        """The message of a verified inbound-SMS webhook."""
        return [parse_sms(req.body).message]

    def parse_status(self, req: WebhookRequest) -> SmsStatus:
        """The status callback of a verified request."""
        return parse_status(req.body)


def parse_sms(body: bytes) -> InboundSms:
    """Parse Twilio's inbound-SMS form (pure); raises only `InboundError`s."""
    return sms_of(form_of(body))


def sms_of(form: Mapping[str, str]) -> InboundSms:
    """The inbound SMS a parsed form describes (pure); raises only `InboundError`s."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    if not sid or len(sid) > 200 or not sid.strip():
        raise MalformedPayload("MessageSid missing")
    sender = form.get("From", "").strip()
    if not sender:
        raise MalformedPayload("From missing")
    if len(sender) > 320:
        raise MalformedPayload("From too long")
    text = form.get("Body", "")[:MAX_TEXT_CHARS]
    media = _media_count(form)
    if media:
        note = f"[彩信附件{media}个]"
        text = f"{text}\n{note}" if text else note
    word = text.strip().upper()
    opt_out = form.get("OptOutType", "").upper() == "STOP" or word in OPT_OUT_WORDS
    opt_in = form.get("OptOutType", "").upper() == "START" or word in OPT_IN_WORDS
    segments = int(form["NumSegments"]) if form.get("NumSegments", "").isdigit() else 1
    message = InboundMessage(id=sid.strip(), text=text, channel=Channel.SMS, sender=sender)
    return InboundSms(
        message,
        opt_out=opt_out,
        opt_in=opt_in and not opt_out,
        segments=segments,
        # The team's number the citizen wrote to: which inspection, and the number answers go from.
        written_to=form.get("To", "").strip(),
        payload={"form": dict(form)},
    )


def _media_count(form: Mapping[str, str]) -> int:
    value = form.get("NumMedia", "0")
    return int(value) if value.isdigit() else 0


def parse_status(body: bytes) -> SmsStatus:
    """Parse a status callback (pure); an inbound message posted here is unsupported."""
    return status_of(form_of(body))


def status_of(form: Mapping[str, str]) -> SmsStatus:
    """The status callback a parsed form describes (pure)."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        raise UnsupportedEvent("not a status callback")
    return SmsStatus(sid[:200], status[:40], (form.get("ErrorCode") or None))


class TwilioSmsSender:
    """`OutboundChannel` for SMS: `POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json`."""

    channel = Channel.SMS

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: str = DEFAULT_API_BASE,
        status_callback: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._sid = account_sid
        self._token = auth_token
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._from = from_number
        self._url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._status_callback = status_callback
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # One session for every send: its pool keeps connections (and TLS sessions) alive, where a
        # client per message paid a TLS context and a handshake each time (a fifth of a busy
        # process). aiohttp's pool stays cheap with many sends in flight (httpx's grew with them).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": _basic_auth(self._sid, self._token)},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=30),
            )
        return self._session

    async def aclose(self) -> None:
        """Close the shared session (the next send opens a new one)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        """Send one SMS from `from_address` (a number of this account: the one the citizen wrote to)
        or the configured number; returns Twilio's MessageSid (the outbox worker checks opt-outs)."""
        form = {"To": recipient, "From": from_address or self._from, "Body": text}
        if self._status_callback:
            form["StatusCallback"] = self._status_callback
        try:
            async with self._http().post(self._url, data=form) as response:
                body = await response.read()
                return _sid_or_raise(response.status, body, response.headers.get("Retry-After", ""))
        except TimeoutError as exc:
            raise ChannelSendError("twilio: timeout", retryable=True) from exc
        except aiohttp.ClientError as exc:
            raise ChannelSendError(f"twilio: {exc.__class__.__name__}", retryable=True) from exc

    async def check(self) -> str:
        """Fetch the account (`GET .../Accounts/{sid}.json`) to prove the credentials work."""
        url = self._url.removesuffix("/Messages.json") + ".json"
        try:
            async with httpx.AsyncClient(timeout=self._timeout, auth=self._auth) as client:
                response = await client.get(url)
        except httpx.HTTPError as exc:
            raise ChannelSendError(f"twilio: {exc.__class__.__name__}", retryable=True) from exc
        if response.status_code != 200:
            raise ChannelSendError(f"twilio: HTTP {response.status_code}", retryable=False)
        data = response.json()
        return f"account {data.get('friendly_name') or self._sid} ({data.get('status', '?')})"


def _sid_or_raise(status: int, body: bytes, retry_after: str) -> str | None:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if status in (200, 201):
        sid = data.get("sid") if isinstance(data, dict) else None
        return str(sid) if sid else None
    code: int | None = None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        code = int(data["code"]) if isinstance(data, dict) and data.get("code") is not None else None
    described = f"twilio: HTTP {status}" + (f" code {code}" if code else "")
    if status == 429 or status >= 500:
        raise ChannelSendError(described, retryable=True, retry_after=_seconds(retry_after))
    if code in PERMANENT_CODES or status in (400, 401, 403, 404):
        raise ChannelSendError(described, retryable=False)
    raise ChannelSendError(described, retryable=False)


def _basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _seconds(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


# Twilio's delivery error codes officers meet most, in words they can act on.
DELIVERY_ERRORS: Final = {
    "21610": "对方已退订（STOP）",
    "30003": "对方手机无法接通（关机或停机）",
    "30004": "对方已拦截短信",
    "30005": "号码不存在",
    "30006": "固定电话或运营商无法送达",
    "30007": "被运营商拦截",
    "30008": "未知错误",
}
DELIVERED_STATUSES: Final = frozenset({"delivered", "read"})
FAILED_STATUSES: Final = frozenset({"failed", "undelivered"})


def delivery_error(status: SmsStatus) -> str:
    """What the officers see for a message Twilio could not deliver: status, code and its meaning."""
    code = status.error_code
    described = f"twilio: {status.status}" + (f" code {code}" if code else "")
    meaning = DELIVERY_ERRORS.get(code or "")
    return f"{described}: {meaning}" if meaning else described


def delivery_report(status: SmsStatus) -> DeliveryReport:
    """A status callback in the intake flow's terms: only the final states say something new
    (queued, sending and sent do not move the outbox item); 21610 is the carrier's STOP."""
    final = status.status in DELIVERED_STATUSES or status.status in FAILED_STATUSES
    delivered = status.status in DELIVERED_STATUSES if final else None
    return DeliveryReport(
        "twilio",
        Channel.SMS,
        status.sid,
        delivered,
        error=delivery_error(status) if delivered is False else None,
        unsubscribed=status.error_code == "21610",
        detail={"status": status.status, "error_code": status.error_code},
    )


# The door's hooks for Twilio's SMS webhooks (web/hooks.py serves them; bot/hooks.py registers).
TWIML_OK: Final = HookAnswer(200, EMPTY_TWIML.encode(), "text/xml")
TWIML_UNAVAILABLE: Final = HookAnswer(503, EMPTY_TWIML.encode(), "text/xml")

Form = Mapping[str, str]


class SmsHook:
    """Twilio's inbound SMS: committed by `SmsIntake.take`; the answer is empty TwiML (the
    acknowledgement goes through the outbox and the REST API)."""

    ignored = TWIML_OK
    unavailable = TWIML_UNAVAILABLE

    def __init__(self, webhook: TwilioWebhook, sms: SmsIntake) -> None:
        self.webhook = webhook
        self.sms = sms

    def verify(self, req: WebhookRequest) -> Form:
        """The form, if Twilio signed it."""
        return self.webhook.verify(req)

    def parse(self, req: WebhookRequest, verified: Form) -> InboundSms:
        """The SMS in the verified form."""
        return sms_of(verified)

    async def take(self, parsed: InboundSms) -> HookAnswer:
        """Commit the SMS."""
        receipt = await self.sms.take(parsed)
        if receipt.tracking_number:
            log.info("sms webhook: report %s", receipt.tracking_number)
        return TWIML_OK


class SmsStatusHook:
    """Twilio's delivery callback of an SMS we sent: moves its outbox item, records a carrier's
    unsubscribe as an opt-out, and audits every callback."""

    ignored = TWIML_OK
    unavailable = TWIML_UNAVAILABLE

    def __init__(self, webhook: TwilioWebhook, intake: ChannelIntake) -> None:
        self.webhook = webhook
        self.intake = intake

    def verify(self, req: WebhookRequest) -> Form:
        """The form, if Twilio signed it."""
        return self.webhook.verify(req)

    def parse(self, req: WebhookRequest, verified: Form) -> SmsStatus:
        """The callback's message id and state (`UnsupportedEvent` if it is not a status callback)."""
        return status_of(verified)

    async def take(self, parsed: SmsStatus) -> HookAnswer:
        """Record the delivery state (the intake flow moves the outbox item and audits)."""
        await self.intake.record_delivery(delivery_report(parsed))
        return TWIML_OK
