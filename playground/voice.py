"""The duty phone in `petition demo-channels`: play a call step by step and see the TwiML the service
answers at each step, as Twilio would receive it, and what the caller would hear.

`:call` rings the service (in or outside duty hours, from a mobile, a landline or a withheld
number); then `:answer` (an officer picks up), `:noanswer` (nobody does), `:leave N` (the caller
leaves an N-second message, which the service fetches from the fake provider) or `:hangup`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final, Protocol
from xml.etree import ElementTree

from intake.inspection import Inspection
from intake.models import Channel
from intake.phone import e164


@dataclass(frozen=True, slots=True)
class Reply:
    """One thing the service sent to the citizen: the text, and the labels of its buttons, if any."""

    channel: Channel
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data)
    asks_contact: bool = False


class FakeRecordings(Protocol):
    """The fake Twilio's recordings (`playground.channels.FakeProviders`)."""

    def new_recording(self, audio: bytes) -> str: ...


class VoiceHost(Protocol):
    """What the voice demo needs of the playground (`playground.channels.Playground`), named here so
    that this module does not import the playground that imports it."""

    @property
    def providers(self) -> FakeRecordings: ...

    @property
    def service_inspection(self) -> Inspection: ...

    async def post_twilio(self, path: str, form: dict[str, str]) -> str: ...

    async def fetch_recordings(self) -> None: ...

    async def call_record(self, call_sid: str) -> tuple[str, str | None]: ...

    async def replies(self) -> list[Reply]: ...


CALLERS: Final = {"mobile": "+8613800138000", "landline": "+863918222222", "withheld": "anonymous"}
OFFICER: Final = "+8613800000001"
# A short MP3 frame header and silence: what the fake provider serves as the recording.
DEMO_AUDIO: Final = b"\xff\xfb\x90\x00" + bytes(4000)

VOICE_HELP: Final = """The duty phone (the TwiML the service answers, step by step):
  :call [in|out] [mobile|landline|withheld]   call the team, in or outside duty hours
  :answer             an officer picks up (whisper, then the call is bridged and ends)
  :noanswer           nobody picks up within ring_seconds: the voice message
  :leave [SECONDS]    the caller leaves a message; the service fetches the recording
  :hangup             the caller hangs up"""


class DemoClock:
    """The service's clock in the playground: real time, or a moment a call was placed at."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed or datetime.now(UTC)


def moment(inspection: Inspection, in_hours: bool) -> datetime:
    """A moment in (10:00) or outside (20:00) the duty hours of the inspection's first working day."""
    from intake.deadlines import default_calendar

    day = default_calendar().next_workday(inspection.period.start)
    local = datetime.combine(day, time(10 if in_hours else 20), inspection.tz)
    return local.astimezone(UTC)


def describe(twiml: str) -> list[str]:
    """What each verb of a TwiML answer does, in words (the service's own XML, parsed as such)."""
    lines = []
    for verb in ElementTree.fromstring(twiml):
        if verb.tag == "Say":
            lines.append(f"说（{verb.get('voice')}，{verb.get('language')}）：{verb.text}")
        elif verb.tag == "Dial":
            who = "、".join(child.text or "" for child in verb)
            lines.append(f"同时呼叫值班人员 {who}，{verb.get('timeout')}秒无人接听转留言")
        elif verb.tag == "Record":
            lines.append(f"提示音后录音，最长{verb.get('maxLength')}秒")
        elif verb.tag == "Hangup":
            lines.append("挂断")
    return lines


class VoiceDemo:
    """One call at a time, played against the service's voice webhooks."""

    def __init__(self, pg: VoiceHost, clock: DemoClock) -> None:
        self.pg = pg
        self.clock = clock
        self.sid: str | None = None
        self.caller = CALLERS["mobile"]
        self._ids = itertools.count(1)

    def _form(self, **extra: str) -> dict[str, str]:
        assert self.sid is not None
        ins = self.pg.service_inspection
        to = e164(ins.channels.phone[0]) if ins.channels.phone else None
        return {"CallSid": self.sid, "From": self.caller, "To": to or "+863918111111", **extra}

    async def _step(self, path: str, form: dict[str, str]) -> list[Reply]:

        twiml = await self.pg.post_twilio(path, form)
        shown = [Reply(Channel.PHONE, f"POST {path} -> {twiml}")] if twiml.startswith("<?xml") else []
        return shown + [Reply(Channel.PHONE, line) for line in describe(twiml)] if twiml else shown

    async def command(self, name: str, args: Sequence[str]) -> list[Reply]:
        """Run one of the phone commands (see VOICE_HELP)."""
        if name == "call":
            self.clock.fixed = moment(self.pg.service_inspection, "out" not in args)
            self.caller = next((CALLERS[a] for a in args if a in CALLERS), CALLERS["mobile"])
            self.sid = f"CA{next(self._ids):032x}"
            return await self._step("/hooks/voice", self._form(CallStatus="ringing"))
        if self.sid is None:
            raise ValueError("no call: start one with :call")
        if name == "answer":
            leg = {**self._form(), "CallSid": f"CA{'f' * 28}{next(self._ids):04x}", "To": OFFICER}
            replies = await self._step(f"/hooks/voice/whisper?call={self.sid}", leg)
            replies += await self._step("/hooks/voice/dial", self._form(DialCallStatus="completed"))
            return replies + await self._end("95")
        if name == "noanswer":
            return await self._step("/hooks/voice/dial", self._form(DialCallStatus="no-answer"))
        if name == "leave":
            seconds = args[0] if args and args[0].isdigit() else "30"
            return await self._leave(seconds)
        if name == "hangup":
            return await self._end("4")
        raise ValueError(VOICE_HELP)

    async def _leave(self, seconds: str) -> list[Reply]:
        rec = self.pg.providers.new_recording(DEMO_AUDIO)
        replies = await self._step(
            "/hooks/voice/recorded", self._form(RecordingSid=rec, RecordingDuration=seconds)
        )
        callback = {"CallSid": str(self.sid), "RecordingSid": rec, "RecordingStatus": "completed"}
        await self.pg.post_twilio("/hooks/voice/recording", callback)
        self.clock.fixed = (self.clock.fixed or datetime.now(UTC)) + timedelta(seconds=int(seconds) + 5)
        await self.pg.fetch_recordings()
        return replies + await self._end(str(int(seconds) + 40))

    async def _end(self, duration: str) -> list[Reply]:

        await self.pg.post_twilio(
            "/hooks/voice/status", self._form(CallStatus="completed", CallDuration=duration)
        )
        call = await self.pg.call_record(str(self.sid))
        self.sid = None
        report = f"，编号 {call[1]}" if call[1] else "，未编号（没有留下内容）"
        recording = {"stored": "，录音已取回并加密保存", "pending": "，录音未取回"}.get(call[0], "")
        return [Reply(Channel.PHONE, f"通话结束{report}{recording}"), *await self.pg.replies()]
