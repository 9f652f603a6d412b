"""The duty phone through Twilio Voice: TwiML for each step of a call, and what each webhook records.

A call's webhooks, all signed like the SMS one (`TwilioWebhook.verify`) and all keyed by CallSid:

- `/hooks/voice`: the call arrives. In duty hours the greeting, then `<Dial>` rings the officers'
  phones together (each `<Number>`/`<Sip>` with a whisper); outside them the voice message.
- `/hooks/voice/whisper`: an officer picked up: the call's draft report is opened and its number
  whispered to the officer before the caller is put through.
- `/hooks/voice/dial`: the `<Dial>` ended. Answered: done. Busy or no answer: the voice message.
- `/hooks/voice/recorded`: the `<Record>` ended: the report is opened (the number is read out to a
  caller no SMS can reach) and the recording is due for fetching.
- `/hooks/voice/recording`: the provider's recording is ready (bot/recordings.py fetches it).
- `/hooks/voice/status`: the call ended: duration and outcome; a call that left nothing is logged.

The first answer to a call decides its course (`calls.in_hours`): a provider retry of any webhook
gets the same TwiML and creates nothing twice (the report's message is unique per CallSid).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Final
from urllib.parse import quote

from twilio.twiml.voice_response import Dial, VoiceResponse

from intake import citizen_texts
from intake.calls import Call, CallRecords
from intake.errors import MalformedPayload
from intake.flow import ChannelIntake
from intake.inspection import Inspection
from intake.phone import e164, in_duty_hours, is_mobile, published_for
from intake.ports import Report

log = logging.getLogger(__name__)

VOICE_PATH: Final = "/hooks/voice"
WHISPER_PATH: Final = "/hooks/voice/whisper"
DIAL_PATH: Final = "/hooks/voice/dial"
RECORDED_PATH: Final = "/hooks/voice/recorded"
RECORDING_PATH: Final = "/hooks/voice/recording"
STATUS_PATH: Final = "/hooks/voice/status"

# Amazon Polly's Mandarin voice through Twilio (billed per 100 characters on top of the call).
VOICE: Final = "Polly.Zhiyu"
LANGUAGE: Final = "zh-CN"
# Twilio's ids: CA + 32 hex digits for a call, RE + 32 for a recording.
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
# <Dial>'s outcomes when an officer took the call.
TAKEN: Final = frozenset({"completed", "answered"})
FINAL_STATUSES: Final = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# How long after the <Record> action a recording is fetched when its callback never came.
RECORDING_GRACE: Final = timedelta(minutes=1)


def call_sid_of(form: Mapping[str, str], key: str = "CallSid") -> str:
    """The CallSid of a voice webhook; `MalformedPayload` when missing or not one."""
    sid = form.get(key, "").strip()
    if not _CALL_SID.match(sid):
        raise MalformedPayload(f"{key} missing or malformed")
    return sid


def caller_of(form: Mapping[str, str]) -> str | None:
    """The caller's number in E.164, or None when withheld ("anonymous", "+266696687", empty)."""
    return e164(form.get("From", "").strip())


def _say(response: VoiceResponse | Dial, text: str) -> None:
    response.say(text, language=LANGUAGE, voice=VOICE)


class VoiceIntake:
    """What each voice webhook does, on the intake service and its call records."""

    def __init__(
        self,
        intake: ChannelIntake,
        *,
        calls: CallRecords,
        public_url: str,
        sms_on: bool,
        kick_fetcher: Callable[[], None] | None = None,
    ) -> None:
        self.intake = intake
        self.service = intake.service
        self.calls = calls
        self.public_url = public_url.rstrip("/")
        self.sms_on = sms_on
        self.kick_fetcher = kick_fetcher or (lambda: None)

    def _url(self, path: str, call_sid: str | None = None) -> str:
        query = f"?call={quote(call_sid)}" if call_sid else ""
        return f"{self.public_url}{path}{query}"

    def inspection_called(self, to: str) -> Inspection:
        """The inspection that published the number called (several teams may share a deployment)."""
        number = e164(to)
        for ins in self.service.inspections.values():
            if number is not None and number in published_for(ins):
                return ins
        return self.service.default_inspection

    async def _call(self, call_sid: str) -> tuple[Call, Inspection]:
        call = await self.calls.get_call(call_sid)
        if call is None:
            raise MalformedPayload("unknown call")
        return call, self.service.inspection(call.inspection_id)

    # --- the webhooks ------------------------------------------------------------------------

    async def incoming(self, form: Mapping[str, str]) -> str:
        """A call arrives: ring the officers in duty hours, else take a voice message."""
        sid = call_sid_of(form)
        ins = self.inspection_called(form.get("To", ""))
        now = self.service.clock.now()
        in_hours = in_duty_hours(ins, now)
        call, created = await self.calls.start_call(
            call_sid=sid,
            inspection_id=ins.id,
            called=e164(form.get("To", "")),
            in_hours=in_hours,
            ringing=in_hours and bool(ins.phone.ring),
            now=now,
        )
        if created:
            log.info(
                "call %s for %s: %s", sid, ins.id, "ringing the officers" if in_hours else "voice message"
            )
        else:
            log.info("call %s: webhook retried, same answer", sid)
        if call.stage == "ringing":
            return self.ring_twiml(ins, sid)
        # In duty hours with nobody to ring (no `[phone] ring`), the officers "cannot answer".
        return self.voicemail_twiml(ins, sid, outside_hours=not call.in_hours)

    async def whisper(self, form: Mapping[str, str], parent_sid: str) -> str:
        """An officer picked up: open the draft report and whisper its number to the officer."""
        call, ins = await self._call(parent_sid)
        report = await self._open_report(call, ins, form, citizen_texts.ANSWERED_CALL_TEXT)
        answered_by = form.get("To", "").strip()[:200] or None
        await self.calls.update_call(
            parent_sid, stage="answered", answered_by=answered_by, now=self.service.clock.now()
        )
        response = VoiceResponse()
        _say(response, citizen_texts.whisper(ins, report.tracking_number))
        return str(response)

    async def dial_ended(self, form: Mapping[str, str]) -> str:
        """`<Dial>` ended: an answered call is over; otherwise the caller may leave a message."""
        sid = call_sid_of(form)
        call, ins = await self._call(sid)
        status = form.get("DialCallStatus", "").strip()
        response = VoiceResponse()
        if status in TAKEN or call.stage == "answered":
            # The whisper opened the report; a call bridged without one (no whisper) gets it now.
            await self._open_report(call, ins, form, citizen_texts.ANSWERED_CALL_TEXT)
            await self.calls.update_call(sid, stage="answered", now=self.service.clock.now())
            response.hangup()
            return str(response)
        log.info("call %s: no officer answered (%s): voice message", sid, status[:20] or "?")
        if call.stage == "ringing":
            await self.calls.update_call(sid, stage="voicemail", now=self.service.clock.now())
        return self.voicemail_twiml(ins, sid, outside_hours=False)

    async def recorded(self, form: Mapping[str, str]) -> str:
        """`<Record>` ended: open the report (once), say its number to a caller no SMS reaches."""
        sid = call_sid_of(form)
        call, ins = await self._call(sid)
        recording_sid = form.get("RecordingSid", "").strip()
        seconds = _int(form.get("RecordingDuration"))
        response = VoiceResponse()
        if not _RECORDING_SID.match(recording_sid) or not seconds:
            log.info("call %s: nothing recorded; logged, not numbered", sid)
            _say(response, citizen_texts.nothing_recorded())
            response.hangup()
            return str(response)
        report = await self._open_report(call, ins, form, citizen_texts.VOICE_MESSAGE_TEXT)
        now = self.service.clock.now()
        await self.calls.update_call(sid, stage="recorded", now=now)
        # The recording callback says when the audio is ready; should it be lost, this is fetched
        # a minute later anyway.
        await self.calls.recording_ready(sid, recording_sid, seconds, now, due=now + RECORDING_GRACE)
        spoken = None if self._texted(caller_of(form)) else report.tracking_number
        _say(response, citizen_texts.message_taken(ins, spoken))
        response.hangup()
        return str(response)

    async def recording_status(self, form: Mapping[str, str]) -> None:
        """The provider's recording callback: the audio is ready to fetch (or there is none)."""
        sid = call_sid_of(form)
        recording_sid = form.get("RecordingSid", "").strip()
        status = form.get("RecordingStatus", "").strip()
        await self._call(sid)
        now = self.service.clock.now()
        if status == "completed" and _RECORDING_SID.match(recording_sid):
            if await self.calls.recording_ready(sid, recording_sid, _int(form.get("RecordingDuration")), now):
                self.kick_fetcher()
            return
        log.info("call %s: recording %s is %s", sid, recording_sid[:34] or "?", status[:20] or "?")

    async def ended(self, form: Mapping[str, str]) -> None:
        """The call's status callback: its outcome and duration; a call that left nothing is logged."""
        sid = call_sid_of(form)
        status = form.get("CallStatus", "").strip()[:16]
        if status not in FINAL_STATUSES:
            return
        call, _ = await self._call(sid)
        now = self.service.clock.now()
        duration = _int(form.get("CallDuration"))
        await self.calls.update_call(sid, outcome=status, duration=duration, now=now)
        if call.report_id is None:
            # Hung up in the greeting or before the beep: nothing to number, nothing to answer.
            log.info(
                "call %s ended (%s, %ss) before anything was said: logged, not numbered",
                sid,
                status,
                duration,
            )
        await self.intake.records.audit.audit(
            actor="channel:phone",
            action="call.ended",
            report_id=call.report_id,
            detail={"provider_id": sid, "outcome": status, "duration": duration, "stage": call.stage},
            now=now,
        )

    # --- TwiML ---------------------------------------------------------------------------------

    def ring_twiml(self, ins: Inspection, call_sid: str) -> str:
        """Greeting, then every officer's phone rings together for `ring_seconds`."""
        response = VoiceResponse()
        _say(response, citizen_texts.greeting(ins, recorded=ins.phone.record_calls))
        dial = Dial(
            timeout=ins.phone.ring_seconds,
            action=self._url(DIAL_PATH),
            method="POST",
            record="record-from-answer" if ins.phone.record_calls else None,
            recording_status_callback=self._url(RECORDING_PATH) if ins.phone.record_calls else None,
        )
        whisper_url = self._url(WHISPER_PATH, call_sid)
        for address in ins.phone.ring:
            if address.startswith(("sip:", "sips:")):
                dial.sip(address, url=whisper_url, method="POST")
            else:
                dial.number(address, url=whisper_url, method="POST")
        response.append(dial)
        return str(response)

    def voicemail_twiml(self, ins: Inspection, call_sid: str, *, outside_hours: bool) -> str:
        """Hours and other channels, then up to three minutes of voice message."""
        response = VoiceResponse()
        _say(response, citizen_texts.voicemail_prompt(ins, outside_hours=outside_hours))
        response.record(
            max_length=citizen_texts.MAX_MESSAGE_SECONDS,
            action=self._url(RECORDED_PATH),
            method="POST",
            recording_status_callback=self._url(RECORDING_PATH),
            recording_status_callback_event="completed absent",
            play_beep=True,
            trim="trim-silence",
        )
        _say(response, citizen_texts.nothing_recorded())
        response.hangup()
        return str(response)

    # --- the report ----------------------------------------------------------------------------

    def _texted(self, caller: str | None) -> bool:
        """Whether the number follows by SMS (a mobile caller, SMS on) instead of being read out."""
        return self.sms_on and is_mobile(caller)

    async def _open_report(self, call: Call, ins: Inspection, form: Mapping[str, str], text: str) -> Report:
        """The call's report (intake/flow.py), with the number by SMS to a mobile caller."""
        caller = caller_of(form)
        report = await self.intake.open_call_report(call, ins, caller, text, sms_ack=self._texted(caller))
        if call.report_id != report.pk:
            await self.calls.update_call(call.call_sid, report_id=report.pk, now=self.service.clock.now())
            log.info("call %s: report %s", call.call_sid, report.tracking_number)
        return report


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 9 else None
