"""The duty phone through the whole app: Twilio's voice webhooks, signed by the SDK's own validator,
against the local fake Twilio (calls, recordings behind Basic auth), with the clock injected."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from intake.calls import Call
from storage.schema import calls, messages
from tests.fakes.http import serve
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlDeskStore, whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from web.app import create_app
from web.settings import Settings

PUBLIC = "https://petition.example.org"
MOBILE = "+8613912345678"
LANDLINE = "+863918222222"
TEAM_NUMBER = "+863918111111"
OFFICER = "+8613800000001"
AUDIO = b"ID3" + bytes(range(256)) * 20
# 2021-04-01 is a Thursday; 10:00 and 20:00 in Beijing.
IN_HOURS = datetime(2021, 4, 1, 2, 0, tzinfo=UTC)
OUT_OF_HOURS = datetime(2021, 4, 1, 12, 0, tzinfo=UTC)

INSPECTION = """
id = "mengzhou-xiguo-2021"
team = "孟州市委第一巡察组"
committee_level = "county"
tracking_prefix = "MZ1"

[target]
type = "region"
name = "西虢镇"
region = "410883"
level = "township"

[period]
start = 2021-03-15
end = 2021-05-14

[hours]
days = "workdays"
ranges = ["08:30-12:00", "15:00-18:00"]

[channels]
phone = ["0391-8111111"]
sms = ["+8613900000000"]
email = ["mzxc1@example.org"]
post = "孟州市12号信箱"

[phone]
ring = ["+8613800000001", "sip:duty@pbx.example.org"]
ring_seconds = 20
"""


@dataclass
class Phone:
    client: httpx.AsyncClient
    store: SqlDeskStore
    clock: FakeClock
    fake: FakeTwilio
    data_dir: Path
    app: Any

    async def post(self, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> httpx.Response:
        signature = RequestValidator(token).compute_signature(PUBLIC + path, form)
        return await self.client.post(
            path,
            content=urlencode(form),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        )

    async def call(self, sid: str) -> Call:
        found = await self.store.get_call(sid)
        assert found is not None
        return found

    async def fetch(self) -> int:
        stored: int = await self.app.state.channels.recordings.run_once()
        return stored

    async def count(self, table: Any) -> int:
        async with self.store.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@asynccontextmanager
async def phone(
    tmp_path: Path, now: datetime = IN_HOURS, inspection: str = INSPECTION, **overrides: Any
) -> AsyncIterator[Phone]:
    path = tmp_path / "mengzhou.toml"
    path.write_text(inspection, encoding="utf-8")
    fake = FakeTwilio()
    clock = FakeClock(now)
    async with serve(fake.app()) as base:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=tmp_path / "data",
            public_url=PUBLIC,
            inspection=str(path),
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from="+8613900000000",
            twilio_api_base=base,
            _env_file=None,
            **overrides,
        )
        app = create_app(settings, clock=clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Phone(client, whole(app.state.rt), clock, fake, tmp_path / "data", app)


def call_form(sid: str, caller: str = MOBILE, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": TEAM_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        **extra,
    }


async def leave_message(p: Phone, sid: str, caller: str = MOBILE, seconds: str = "42") -> tuple[str, str]:
    """The caller records a message: the <Record> action, then the recording callback."""
    rec = p.fake.new_recording(AUDIO)
    done = await p.post(
        "/hooks/voice/recorded", call_form(sid, caller, RecordingSid=rec, RecordingDuration=seconds)
    )
    assert done.status_code == 200, done.text
    ready = await p.post(
        "/hooks/voice/recording",
        {"CallSid": sid, "RecordingSid": rec, "RecordingStatus": "completed", "RecordingDuration": seconds},
    )
    assert ready.status_code == 200
    return rec, done.text


# --- in duty hours ---------------------------------------------------------------------------


async def test_in_hours_the_officers_ring_and_the_one_who_answers_gets_the_number(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        r = await p.post("/hooks/voice", call_form(sid))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
        twiml = r.text
        assert '<Say language="zh-CN"' in twiml and "孟州市委第一巡察组值班电话" in twiml
        assert f'<Dial action="{PUBLIC}/hooks/voice/dial"' in twiml and 'timeout="20"' in twiml
        whisper = f"{PUBLIC}/hooks/voice/whisper?call={sid}"
        assert f'<Number method="POST" url="{whisper}">{OFFICER}</Number>' in twiml
        assert f'<Sip method="POST" url="{whisper}">sip:duty@pbx.example.org</Sip>' in twiml
        assert "<Record" not in twiml  # the message comes only if nobody answers
        # The officer picks up: the draft report is opened and its number whispered to them.
        leg = {**call_form("CA" + "f" * 32, MOBILE), "To": OFFICER, "ParentCallSid": sid}
        w = await p.post(f"/hooks/voice/whisper?call={sid}", leg)
        assert w.status_code == 200 and "巡察组来电，编号M Z 1 0 0 0 1" in w.text
        d = await p.post(
            "/hooks/voice/dial", call_form(sid, DialCallStatus="completed", DialCallDuration="95")
        )
        assert "<Hangup" in d.text and "<Record" not in d.text
        s = await p.post("/hooks/voice/status", call_form(sid, CallStatus="completed", CallDuration="120"))
        assert s.status_code == 200
        report = await p.store.get_report("MZ1-0001")
        assert report is not None and report.channel.value == "phone" and report.state == "received"
        assert report.sender == MOBILE  # the caller id is the reporter's identity (sealed at rest)
        call = await p.call(sid)
        assert (call.stage, call.outcome, call.duration, call.report_id) == (
            "answered",
            "completed",
            120,
            report.pk,
        )
        assert call.answered_by == OFFICER
        [ack] = await p.store.report_acks(report.pk)
        assert ack.channel.value == "sms" and ack.recipient == MOBILE and ack.from_address == "+8613900000000"
        assert "MZ1-0001" in ack.text and len(ack.text) <= 70


async def test_in_hours_nobody_answers_and_the_caller_leaves_a_message(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        sid = p.fake.new_call(LANDLINE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid, LANDLINE))
        d = await p.post("/hooks/voice/dial", call_form(sid, LANDLINE, DialCallStatus="no-answer"))
        assert "值班人员暂时无法接听" in d.text and "<Dial" not in d.text
        assert f'<Record action="{PUBLIC}/hooks/voice/recorded" maxLength="180"' in d.text
        assert f'recordingStatusCallback="{PUBLIC}/hooks/voice/recording"' in d.text
        rec, done = await leave_message(p, sid, LANDLINE)
        # A landline gets no SMS: the number is read out, digit by digit.
        assert "您的留言编号是：M Z 1 0 0 0 1" in done and "<Hangup" in done
        report = await p.store.get_report("MZ1-0001")
        assert report is not None and await p.store.report_acks(report.pk) == []
        [msg] = await p.store.report_messages(report.pk)
        assert msg.text == "语音留言（待整理）" and msg.sender == LANDLINE
        assert await p.fetch() == 1
        call = await p.call(sid)
        assert call.recording_state == "stored" and call.provider_deleted and p.fake.deleted == [rec]
        sealed = (p.data_dir / "attachments" / str(call.recording_sha256)).read_bytes()
        assert AUDIO not in sealed and AUDIO[:64] not in sealed  # stored sealed, not as it came


# --- outside duty hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [OUT_OF_HOURS, datetime(2021, 4, 5, 2, 0, tzinfo=UTC), datetime(2021, 4, 3, 2, 0, tzinfo=UTC)],
    ids=["evening", "qingming-monday", "saturday"],
)
async def test_outside_hours_a_voice_message_with_the_hours_and_other_channels(
    tmp_path: Path, now: datetime
) -> None:
    async with phone(tmp_path, now) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        r = await p.post("/hooks/voice", call_form(sid))
        twiml = r.text
        assert "<Dial" not in twiml and 'maxLength="180"' in twiml
        assert "现在不是值班时间" in twiml and "值班时间为工作日8点30分至12点，15点至18点" in twiml
        assert "发送短信至1 3 9 0 0 0 0 0 0 0 0" in twiml and "mzxc1@example.org" in twiml
        assert "孟州市12号信箱" in twiml
        _, done = await leave_message(p, sid)
        # A mobile caller gets the number by SMS (once), so it is not read out.
        assert "留言编号" not in done and "留言已收到" in done
        report = await p.store.get_report("MZ1-0001")
        assert report is not None
        [ack] = await p.store.report_acks(report.pk)
        assert ack.recipient == MOBILE and "MZ1-0001" in ack.text


# --- bad input and faults ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/hooks/voice",
        "/hooks/voice/dial",
        "/hooks/voice/recorded",
        "/hooks/voice/recording",
        "/hooks/voice/status",
    ],
)
async def test_forged_or_unsigned_webhooks_get_403_and_create_nothing(tmp_path: Path, path: str) -> None:
    async with phone(tmp_path) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        if path != "/hooks/voice":
            await p.post("/hooks/voice", call_form(sid))  # a real call in progress
        before = (await p.count(calls), await p.count(messages))
        form = call_form(
            sid, RecordingSid="RE" + "1" * 32, RecordingDuration="30", DialCallStatus="completed"
        )
        forged = await p.post(path, form, token="not-the-auth-token")
        unsigned = await p.client.post(path, content=urlencode(form))
        assert forged.status_code == 403 and unsigned.status_code == 403
        assert (await p.count(calls), await p.count(messages)) == before
        assert await p.store.get_report("MZ1-0001") is None


async def test_retried_webhooks_create_nothing_twice(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        first = await p.post("/hooks/voice", call_form(sid))
        p.clock.advance(hours=12)  # a retry hours later (in duty hours by then) gets the same answer
        again = await p.post("/hooks/voice", call_form(sid))
        assert first.text == again.text and "<Dial" not in again.text
        rec = p.fake.new_recording(AUDIO)
        form = call_form(sid, RecordingSid=rec, RecordingDuration="30")
        callback = {"CallSid": sid, "RecordingSid": rec, "RecordingStatus": "completed"}
        for _ in range(2):
            assert (await p.post("/hooks/voice/recorded", form)).status_code == 200
            assert (await p.post("/hooks/voice/recording", callback)).status_code == 200
        assert await p.fetch() == 1
        assert (await p.post("/hooks/voice/recording", callback)).status_code == 200
        assert await p.fetch() == 0
        assert await p.count(calls) == 1 and await p.count(messages) == 1
        report = await p.store.get_report("MZ1-0001")
        assert report is not None and await p.store.get_report("MZ1-0002") is None
        assert len(await p.store.report_acks(report.pk)) == 1
        assert p.fake.recording_fetches == 1


async def test_hang_up_in_the_greeting_is_logged_not_numbered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with phone(tmp_path) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        await p.post("/hooks/voice/status", call_form(sid, CallStatus="completed", CallDuration="3"))
        call = await p.call(sid)
        assert (call.outcome, call.duration, call.report_id) == ("completed", 3, None)
        assert await p.count(messages) == 0
        [entry] = [e for e in await p.store.audit_entries() if e.action == "call.ended"]
        assert entry.detail["outcome"] == "completed" and entry.report_id is None
    assert "logged, not numbered" in caplog.text and MOBILE not in caplog.text


async def test_an_unfetchable_recording_is_retried_with_backoff(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        await leave_message(p, sid)
        p.fake.recording_failures.add(500, times=2)
        assert await p.fetch() == 0
        call = await p.call(sid)
        assert (call.recording_state, call.recording_attempts) == ("pending", 1)
        assert "HTTP 500" in (call.recording_error or "")
        p.clock.advance(seconds=20)
        assert await p.fetch() == 0 and p.fake.recording_fetches == 1  # not due yet
        p.clock.advance(seconds=15)
        assert await p.fetch() == 0 and (await p.call(sid)).recording_attempts == 2
        p.clock.advance(seconds=59)
        assert await p.fetch() == 0 and p.fake.recording_fetches == 2  # backoff doubled: 60 s
        p.clock.advance(seconds=2)
        assert await p.fetch() == 1
        assert p.fake.unauthorised_fetches == 0 and (await p.call(sid)).recording_state == "stored"


async def test_a_recording_over_the_size_limit_is_refused_and_the_report_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with phone(tmp_path, OUT_OF_HOURS, twilio_max_recording_bytes=1024) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        rec, _ = await leave_message(p, sid)
        assert await p.fetch() == 0
        call = await p.call(sid)
        assert call.recording_state == "too_large" and not call.provider_deleted
        assert rec in p.fake.recordings  # left at the provider, not lost
        assert not (p.data_dir / "attachments").exists()
        assert await p.store.get_report("MZ1-0001") is not None
        assert await p.fetch() == 0 and p.fake.recording_fetches == 1
    assert re.search(r"recording RE\w+ of call CA\w+ refused: .* \(limit 1024 bytes\)", caplog.text)


async def test_recordings_are_kept_at_the_provider_when_deleting_is_off(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS, twilio_delete_recordings=False) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        rec, _ = await leave_message(p, sid)
        assert await p.fetch() == 1
        assert p.fake.deleted == [] and rec in p.fake.recordings


async def test_a_withheld_number_hears_the_number_and_no_identity_is_kept(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        sid = p.fake.new_call("anonymous", TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid, "anonymous"))
        _, done = await leave_message(p, sid, "anonymous")
        assert "您的留言编号是：M Z 1 0 0 0 1" in done
        report = await p.store.get_report("MZ1-0001")
        assert report is not None and report.sender is None
        assert await p.store.report_acks(report.pk) == []


async def test_an_empty_message_is_not_numbered(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        r = await p.post("/hooks/voice/recorded", call_form(sid, RecordingSid="", RecordingDuration="0"))
        assert "没有录到留言" in r.text
        assert await p.count(messages) == 0


async def test_a_lost_recording_callback_still_gets_the_recording_fetched(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        await p.post("/hooks/voice", call_form(sid))
        rec = p.fake.new_recording(AUDIO)
        await p.post("/hooks/voice/recorded", call_form(sid, RecordingSid=rec, RecordingDuration="20"))
        assert await p.fetch() == 0 and p.fake.recording_fetches == 0  # waiting for the callback
        p.clock.advance(minutes=1)
        assert await p.fetch() == 1 and (await p.call(sid)).recording_seconds == 20


async def test_in_hours_with_nobody_to_ring_the_message_says_the_officers_cannot_answer(
    tmp_path: Path,
) -> None:
    async with phone(tmp_path, inspection=INSPECTION.split("[phone]")[0]) as p:
        sid = p.fake.new_call(MOBILE, TEAM_NUMBER)
        r = await p.post("/hooks/voice", call_form(sid))
        assert "<Dial" not in r.text and "值班人员暂时无法接听" in r.text and "现在不是值班时间" not in r.text


async def test_a_voice_message_on_each_database(tmp_path: Path, db_url: str) -> None:
    # SQLite and PostgreSQL (the `db_url` fixture): the call record's upserts and updates.
    async with phone(tmp_path, OUT_OF_HOURS, database_url=db_url) as p:
        sid = p.fake.new_call(LANDLINE, TEAM_NUMBER)
        for _ in range(2):
            await p.post("/hooks/voice", call_form(sid, LANDLINE))
        rec, _ = await leave_message(p, sid, LANDLINE)
        await leave_message(p, sid, LANDLINE)  # a second message of the same call is not taken
        assert await p.fetch() == 1 and await p.fetch() == 0
        await p.post(
            "/hooks/voice/status", call_form(sid, LANDLINE, CallStatus="completed", CallDuration="70")
        )
        call = await p.call(sid)
        assert (call.stage, call.recording_state, call.duration, call.provider_deleted) == (
            "recorded",
            "stored",
            70,
            True,
        )
        assert call.recording_sid == rec and await p.count(calls) == 1 and await p.count(messages) == 1
