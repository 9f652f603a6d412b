"""SMS through Twilio: signatures, parsing, and sending against a fake Twilio REST API over HTTP."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.base import WebhookRequest
from bot.sms import TwilioSmsSender, TwilioWebhook, form_of, parse_sms, parse_status
from intake.errors import ChannelSendError, InboundError, MalformedPayload, UnsupportedEvent, WebhookAuthError
from intake.models import Channel
from intake.outbox import OutboxWorker
from intake.ports import NewAck
from tests.fakes.http import serve
from tests.fakes.intake import FakeClock, intake_service
from tests.fakes.store import whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

URL = "https://petition.example.org/hooks/sms"
PHONE = "+8613912345678"


def signed(form: dict[str, str], url: str = URL, token: str = AUTH_TOKEN) -> WebhookRequest:
    """A webhook request signed the way Twilio signs it, by the SDK's own validator."""
    signature = RequestValidator(token).compute_signature(url, form)
    return WebhookRequest(URL, {"X-Twilio-Signature": signature}, urlencode(form).encode())


def inbound_form(sid: str = "SM" + "1" * 32, body: str = "村支书侵占补助款", **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": PHONE,
        "To": "+8613900000000",
        "Body": body,
        **extra,
    }


def test_good_signature_passes_and_parses() -> None:
    hook = TwilioWebhook(AUTH_TOKEN)
    req = signed(inbound_form())
    hook.verify(req)
    [msg] = hook.parse(req)
    assert (msg.id, msg.sender, msg.text, msg.channel) == (
        "SM" + "1" * 32,
        PHONE,
        "村支书侵占补助款",
        Channel.SMS,
    )


@pytest.mark.parametrize(
    "req",
    [
        signed(inbound_form(), token="another-token"),
        signed(inbound_form(), url="https://attacker.example/hooks/sms"),
        WebhookRequest(URL, {}, urlencode(inbound_form()).encode()),
        WebhookRequest(URL, {"X-Twilio-Signature": "AAAA"}, urlencode(inbound_form()).encode()),
    ],
    ids=["wrong-token", "other-url", "missing", "garbage"],
)
def test_forged_signatures_are_refused(req: WebhookRequest) -> None:
    with pytest.raises(WebhookAuthError):
        TwilioWebhook(AUTH_TOKEN).verify(req)


def test_tampered_body_is_refused() -> None:
    good = signed(inbound_form())
    tampered = WebhookRequest(good.url, good.headers, good.body.replace(b"Body=", b"Body=X"))
    with pytest.raises(WebhookAuthError):
        TwilioWebhook(AUTH_TOKEN).verify(tampered)


def test_stop_and_media_and_segments() -> None:
    stop = parse_sms(urlencode(inbound_form(body="STOP", OptOutType="STOP")).encode())
    assert stop.opt_out and not stop.opt_in
    assert parse_sms(urlencode(inbound_form(body="退订")).encode()).opt_out
    mms = parse_sms(urlencode(inbound_form(body="", NumMedia="2", NumSegments="3")).encode())
    assert mms.message.text == "[彩信附件2个]" and mms.segments == 3


def test_status_callback() -> None:
    status = parse_status(
        urlencode({"MessageSid": "SMabc", "MessageStatus": "undelivered", "ErrorCode": "30003"}).encode()
    )
    assert (status.sid, status.status, status.error_code) == ("SMabc", "undelivered", "30003")
    with pytest.raises(UnsupportedEvent):
        parse_status(urlencode({"Body": "x"}).encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=500))
def test_parse_raises_only_inbound_errors(body: bytes) -> None:
    with contextlib.suppress(InboundError):
        parse_sms(body)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_body_round_trips(text: str) -> None:
    msg = parse_sms(urlencode(inbound_form(body=text)).encode()).message
    assert msg.text == text


def test_missing_sid_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        parse_sms(urlencode({"From": PHONE, "Body": "x"}).encode())


async def test_send_posts_to_the_rest_api() -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number="+8613900000000",
            api_base=base,
            status_callback="https://petition.example.org/hooks/sms/status",
        )
        sid = await sender.send_text(PHONE, "您反映的问题已收到，编号MZ1-0001。")
        assert await sender.check() == "account test (active)"
        await sender.aclose()
    assert sid == "SM" + "1".zfill(32)
    assert fake.messages == [
        {
            "To": PHONE,
            "From": "+8613900000000",
            "Body": "您反映的问题已收到，编号MZ1-0001。",
            "StatusCallback": "https://petition.example.org/hooks/sms/status",
        }
    ]


@pytest.mark.parametrize(
    ("status", "headers", "retryable", "retry_after"),
    [(429, {"Retry-After": "7"}, True, 7.0), (500, None, True, None), (503, None, True, None)],
)
async def test_provider_errors_are_retryable(
    status: int, headers: dict[str, str] | None, retryable: bool, retry_after: float | None
) -> None:
    fake = FakeTwilio()
    fake.failures.add(status, '{"code": 20429}', headers=headers)
    async with serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+1", api_base=base
        )
        with pytest.raises(ChannelSendError) as err:
            await sender.send_text(PHONE, "x")
        await sender.aclose()
    assert err.value.retryable is retryable and err.value.retry_after == retry_after


async def test_invalid_number_and_bad_credentials_are_permanent() -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+1", api_base=base
        )
        with pytest.raises(ChannelSendError) as invalid:
            await sender.send_text("12345", "x")
        wrong = TwilioSmsSender(account_sid=ACCOUNT_SID, auth_token="wrong", from_number="+1", api_base=base)
        with pytest.raises(ChannelSendError) as unauthorised:
            await wrong.send_text(PHONE, "x")
        await sender.aclose()
        await wrong.aclose()
    assert not invalid.value.retryable and "21211" in str(invalid.value)
    assert PHONE not in str(invalid.value)
    assert not unauthorised.value.retryable


async def test_unreachable_api_is_retryable() -> None:
    sender = TwilioSmsSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number="+1",
        api_base="http://127.0.0.1:9",
        timeout=2,
    )
    with pytest.raises(ChannelSendError) as err:
        await sender.send_text(PHONE, "x")
    await sender.aclose()
    assert err.value.retryable


async def test_outbox_retries_500_and_429_then_sends_once(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = FakeTwilio()
    fake.failures.add(500)
    fake.failures.add(429, headers={"Retry-After": "30"})
    async with intake_service(tmp_path, clock) as service, serve(fake.app()) as base:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number="+1", api_base=base
        )
        worker = OutboxWorker(whole(service), {Channel.SMS: sender}, clock)
        await whole(service).enqueue_ack(None, NewAck(Channel.SMS, PHONE, "回执", "status"), clock.now())
        assert await worker.run_once() == 1  # 500
        assert await worker.run_once() == 0  # not due yet
        clock.advance(seconds=6)
        assert await worker.run_once() == 1  # 429, Retry-After 30
        clock.advance(seconds=29)
        assert await worker.run_once() == 0
        clock.advance(seconds=2)
        assert await worker.run_once() == 1  # sent
        clock.advance(hours=2)
        assert await worker.run_once() == 0
        await sender.aclose()
    assert fake.attempts == 3
    assert [m["Body"] for m in fake.messages] == ["回执"]


@given(st.dictionaries(st.text(min_size=1), st.text()), st.text(alphabet="%&=+aZ09éE4B8"))
@settings(max_examples=300, deadline=None)
def test_form_parsing_reads_what_parse_qsl_reads(fields: dict[str, str], junk: str) -> None:
    # The webhook's own parser (fast on long runs of escapes) must see exactly what Twilio signed.
    for body in (urlencode(fields), junk, urlencode(fields) + "&" + junk):
        assert form_of(body.encode()) == dict(parse_qsl(body, keep_blank_values=True))
