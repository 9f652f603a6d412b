"""The intake flow: every channel's message from its arrival to its acknowledgement, in order.

1. **Receive.** A channel adapter in `bot/` verifies the provider's call and parses it into an
   `InboundMessage` (vendor-specific: signatures, forms, MIME, updates). Everything after that is
   here and the same for every channel: SMS (`SmsIntake`), e-mail, Telegram, the duty phone, an
   officer's entry and the API (`IntakeService.accept`).
2. **Commit raw** (`ChannelIntake.commit`): the message is stored before anything else happens to
   it, keyed by (channel, provider id), so the provider's 200 means "stored" and a redelivery
   creates nothing twice. An SMS webhook stops here; the rest follows moments later in batches
   (`intake/deferred.py`: in this process, or in a `petition worker`), and the sweep and the
   start-up recovery (`IntakeService.sweep`, `recover`) take any message left without a report.
3. **Join** (`open_report_for`, `attach`, `redecide`): a message that continues an open matter of
   the same sender (the next part of a long SMS, a reply to an acknowledgement mail) is linked to
   that report instead of opening a new one, so the citizen gets one report and one number.
4. **Decide, number, acknowledge** (`IntakeService.process_many`): the pipeline decides; in one
   transaction the report gets its tracking number and the acknowledgement (texts:
   `intake/citizen_texts.py`) is queued in the outbox, which the "outbox" job sends. A status query
   ("查询 MZ1-0042", `intake.normalise.status_query`) is answered instead of opening a report.
5. **Audit** (`_audit`, `record_delivery`): joins, recorded-only messages and delivery reports are
   in the audit log by provider id and tracking number, never the sender or the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Final

from intake import citizen_texts
from intake.calls import Call
from intake.deferred import LINGER_S, DeferredIntake
from intake.inspection import Inspection
from intake.models import Category, Channel, Decision, InboundMessage, Scope
from intake.normalise import status_query
from intake.ports import WRITTEN_TO, NewAck, RawMessage, Report, SavedRaw
from intake.service import IntakeService, Receipt

log = logging.getLogger(__name__)

# Parts of one long SMS that the carrier delivers separately arrive within seconds of each other.
SMS_JOIN_WINDOW: Final = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class InboundSms:
    """One inbound SMS as its provider's adapter parsed it."""

    message: InboundMessage
    opt_out: bool = False
    opt_in: bool = False
    segments: int = 1
    # The team's number the citizen wrote to ("" if the provider did not say).
    written_to: str = ""
    # What the provider sent, kept with the raw message.
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A provider's word on a message we sent: delivered (True), failed (False) or not final (None)."""

    provider: str
    channel: Channel
    provider_id: str
    delivered: bool | None
    # What the officers see for a failure, in words they can act on.
    error: str | None = None
    # The recipient unsubscribed (as good as a STOP we received).
    unsubscribed: bool = False
    detail: Mapping[str, str | None] = field(default_factory=dict)


def call_decision(call_sid: str) -> Decision:
    """The placeholder decision of a call's report until an officer writes down what was said:
    nothing is suggested, and the desk asks for the summary before any decision."""
    return Decision(
        id=call_sid,
        scope=Scope.NO_CONTENT,
        category=Category.NO_CONTENT,
        confidence=0.0,
        reasons=["电话来电，待值班人员听取录音或根据通话整理内容后再作判断"],
    )


class ChannelIntake:
    """The one entry point of every channel adapter into the intake service."""

    def __init__(self, service: IntakeService) -> None:
        self.service = service
        self.records = service.records

    async def commit(
        self,
        message: InboundMessage,
        *,
        payload: dict[str, Any] | None = None,
        inspection_id: str | None = None,
    ) -> SavedRaw:
        """Commit the raw message (idempotent per channel and provider id)."""
        return await self.service.commit_raw(message, self.service.inspection(inspection_id).id, payload)

    async def accept(
        self,
        message: InboundMessage,
        *,
        payload: dict[str, Any] | None = None,
        inspection_id: str | None = None,
        join_window: timedelta | None = None,
        tracking_hints: Sequence[str] = (),
        record_only: bool = False,
        redecide_with: str | None = None,
    ) -> Receipt:
        """Commit, then open a report, join an open one, or (record_only) just keep the message.

        A follow-up joins the report named by one of `tracking_hints`, or the sender's newest report
        on this channel opened within `join_window`, but only a report the same sender filed. With
        `redecide_with` (the separator of the parts), a joined report is decided again on the
        joined text of all its messages.
        """
        saved = await self.commit(message, payload=payload, inspection_id=inspection_id)
        raw = saved.message
        if saved.duplicate and (raw.handled or raw.report_id is not None):
            # The first delivery did the processing.
            log.info("duplicate delivery of %s message %s", raw.channel.value, raw.provider_id)
            return Receipt(None, None, duplicate=True)
        if saved.duplicate:
            # The first delivery was committed but its processing failed (the database went away
            # and the provider was answered 503): this redelivery finishes it, instead of leaving it
            # for the next start's recovery. Every later step is idempotent per message.
            log.info("redelivery of unprocessed %s message %s", raw.channel.value, raw.provider_id)
        target = await self.open_report_for(raw, tracking_hints=tracking_hints, join_window=join_window)
        if record_only and (target is None or self._is_status_query(raw)):
            # An auto-reply that names its report is still attached to it (officers see it there).
            await self.record(raw)
            return Receipt(None, None)
        return await self._join_or_open(raw, target, redecide_with)

    async def proceed(
        self,
        raw: RawMessage,
        *,
        tracking_hints: Sequence[str] = (),
        join_window: timedelta | None = None,
        redecide_with: str | None = None,
    ) -> Receipt:
        """Process one committed message: join the report it continues, or open one."""
        target = await self.open_report_for(raw, tracking_hints=tracking_hints, join_window=join_window)
        return await self._join_or_open(raw, target, redecide_with)

    async def _join_or_open(
        self, raw: RawMessage, target: Report | None, redecide_with: str | None
    ) -> Receipt:
        if target is not None and not self._is_status_query(raw):
            receipt = await self.attach(raw, target)
            if redecide_with is None:
                return receipt
            return await self.redecide(target, redecide_with)
        return await self.service.process(raw)

    async def proceed_many(
        self, raws: Sequence[RawMessage], *, join_window: timedelta, redecide_with: str | None = None
    ) -> list[Receipt]:
        """`proceed` for a batch of committed messages, with a few queries for the lot.

        The common case (a sender's first message, no open report) is opened in one transaction
        with the others (`IntakeService.process_many`). A message that continues a report, or is
        the second of its sender in the batch (the next part of a long SMS), is taken one at a
        time after that, in arrival order, so that it finds the report the first one opened."""
        # Read again: another process (a redelivery to it, its sweep) may have taken some since.
        still = await self.records.messages.unprocessed_among(
            [r.pk for r in raws if not r.handled and r.report_id is None]
        )
        pending = [r for r in raws if r.pk in still]
        first: list[RawMessage] = []
        later: list[RawMessage] = []
        seen: set[tuple[str, str, str | None]] = set()
        for raw in pending:
            key = (raw.inspection_id, raw.channel.value, raw.sender)
            (later if key in seen and raw.sender is not None else first).append(raw)
            seen.add(key)
        open_reports = await self._recent_reports(first, join_window)
        fresh = [r for r in first if r.sender not in open_reports.get((r.inspection_id, r.channel), {})]
        receipts = dict(zip((r.pk for r in fresh), await self.service.process_many(fresh), strict=True))
        for raw in first:
            if raw.pk not in receipts:
                target = open_reports[(raw.inspection_id, raw.channel)][raw.sender or ""]
                receipts[raw.pk] = await self._join_or_open(raw, target, redecide_with)
        for raw in later:
            receipts[raw.pk] = await self.proceed(raw, join_window=join_window, redecide_with=redecide_with)
        done = Receipt(None, None, duplicate=True)
        return [receipts.get(raw.pk, done) for raw in raws]

    async def _recent_reports(
        self, raws: Sequence[RawMessage], join_window: timedelta
    ) -> dict[tuple[str, Channel], dict[str, Report]]:
        """The open report within `join_window` of each sender of `raws`, by (inspection, channel)."""
        since = self.service.clock.now() - join_window
        groups: dict[tuple[str, Channel], set[str]] = {}
        for raw in raws:
            if raw.sender is not None:
                groups.setdefault((raw.inspection_id, raw.channel), set()).add(raw.sender)
        found: dict[tuple[str, Channel], dict[str, Report]] = {}
        for (inspection_id, channel), senders in groups.items():
            found[(inspection_id, channel)] = await self.records.reports.recent_reports_of(
                inspection_id=inspection_id, channel=channel, senders=senders, since=since
            )
        return found

    async def open_report_for(
        self, raw: RawMessage, *, tracking_hints: Sequence[str] = (), join_window: timedelta | None = None
    ) -> Report | None:
        """The report `raw` continues, if any: named by a hint or recent, and always the sender's own."""
        if raw.sender is None:
            return None
        for number in tracking_hints:
            report = await self.records.reports.get_report(number)
            if report is not None and self._own(report, raw):
                return report
        if join_window is None:
            return None
        since = self.service.clock.now() - join_window
        return await self.records.reports.recent_report_of(
            inspection_id=raw.inspection_id, channel=raw.channel, sender=raw.sender, since=since
        )

    async def attach(self, raw: RawMessage, report: Report) -> Receipt:
        """Link `raw` to `report` without a new acknowledgement."""
        await self.records.messages.mark_message_handled(raw.pk, report.pk)
        await self._audit("message.joined", report.pk, raw, tracking_number=report.tracking_number)
        log.info("%s message %s joined report %s", raw.channel.value, raw.provider_id, report.tracking_number)
        return Receipt(report.tracking_number, report.decision)

    async def redecide(self, report: Report, separator: str) -> Receipt:
        """Decide `report` again on the joined text of its messages and record the suggestion.

        An SMS too long for one message arrives in parts, and the matter (the accusation, the
        accused) may only be in a later part: the queue must show the decision on the whole text.
        An officer's confirmed decision is never replaced (the store checks, in its transaction).
        """
        parts = await self.records.messages.report_messages(report.pk)
        if not parts:
            return Receipt(report.tracking_number, report.decision)
        whole = replace(parts[0], text=separator.join(p.text for p in parts))
        decision = self.service.decide(whole)
        if decision == report.decision:
            return Receipt(report.tracking_number, report.decision)
        recorded = await self.records.reports.add_suggestion(
            report.pk, decision, now=self.service.clock.now()
        )
        if recorded:
            log.info(
                "report %s decided again on %d parts: %s/%s",
                report.tracking_number,
                len(parts),
                decision.scope.value,
                decision.category.value,
            )
        return Receipt(report.tracking_number, decision if recorded else report.decision)

    async def open_joined(self, first: RawMessage, rest: Sequence[RawMessage], text: str) -> Receipt:
        """Open one report for several committed messages, decided on their joined `text`."""
        receipt = await self.service.process(replace(first, text=text))
        if receipt.tracking_number is not None:
            report = await self.records.reports.get_report(receipt.tracking_number)
            if report is not None:
                for raw in rest:
                    await self.attach(raw, report)
        return receipt

    async def record(self, raw: RawMessage, action: str = "message.recorded") -> None:
        """Keep a committed message without a report or an acknowledgement (STOP, a button press)."""
        await self.records.messages.mark_message_handled(raw.pk, None)
        await self._audit(action, None, raw)

    def _is_status_query(self, raw: RawMessage) -> bool:
        # The service's own parser, so that every channel agrees on what a status query is.
        return status_query(raw.text) is not None

    @staticmethod
    def _own(report: Report, raw: RawMessage) -> bool:
        return (
            report.inspection_id == raw.inspection_id
            and report.channel == raw.channel
            and report.sender is not None
            and report.sender == raw.sender
        )

    async def open_call_report(
        self, call: Call, ins: Inspection, caller: str | None, text: str, *, sms_ack: bool
    ) -> Report:
        """A phone call's report, opened once whatever the number of webhooks that ask: its message
        is unique per CallSid, the caller's number sealed in it as the reporter's identity. Nothing
        is decided until an officer writes down what was said; with `sms_ack` the caller gets the
        number by SMS (else it is read out on the call)."""
        now = self.service.clock.now()
        # No WRITTEN_TO: the number dialled is a voice number, not one an SMS answer may come from.
        payload = {"call": {"call_sid": call.call_sid, "called": call.called, "in_hours": call.in_hours}}
        message = InboundMessage(
            id=call.call_sid, text=text, channel=Channel.PHONE, sender=caller, received_at=call.created_at
        )
        saved = await self.commit(message, payload=payload, inspection_id=ins.id)
        ack = None
        if caller is not None and sms_ack:
            sms_from = next((n for n in ins.channels.sms if n.startswith("+")), None)
            # "{tracking_number}" is filled in by the store in the transaction that numbers the report.
            ack = NewAck(
                Channel.SMS, caller, citizen_texts.call_ack_sms(ins, "{tracking_number}"), "call", sms_from
            )
        return await self.records.reports.create_report(
            message_pk=saved.message.pk,
            tracking_prefix=ins.prefix,
            decision=call_decision(call.call_sid),
            state="received",
            ack=ack,
            now=now,
        )

    async def record_delivery(self, report: DeliveryReport) -> None:
        """A delivery report: a final one moves its outbox item; every one is audited."""
        now = self.service.clock.now()
        report_id = None
        if report.delivered is not None:
            item = await self.records.outbox.mark_outbox_by_provider_id(
                report.channel,
                report.provider_id,
                delivered=report.delivered,
                error=None if report.delivered else report.error,
                now=now,
            )
            report_id = item.report_id if item is not None else None
            if item is not None and report.unsubscribed:
                await self.records.outbox.set_opted_out(report.channel, item.recipient, True, now)
        await self.records.audit.audit(
            actor=report.provider,
            action=f"{report.channel.value}.status",
            report_id=report_id,
            detail={"provider_id": report.provider_id, **report.detail},
            now=now,
        )

    async def _audit(self, action: str, report_id: int | None, raw: RawMessage, **extra: str) -> None:
        # Provider ids and tracking numbers only: never the sender or the text (policy.md section 6).
        detail: dict[str, Any] = {"channel": raw.channel.value, "provider_id": raw.provider_id, **extra}
        await self.records.audit.audit(
            actor=f"channel:{raw.channel.value}",
            action=action,
            report_id=report_id,
            detail=detail,
            now=self.service.clock.now(),
        )


class SmsIntake:
    """What an inbound SMS does: STOP/START recorded durably, parts within `join_window` join one
    report, which is then decided again on the whole text.

    The webhook's work ends with the commit: the rest (joining, deciding, numbering, queueing the
    acknowledgement) is done moments later in batches, by `deferred` in this process (`inline`), or
    else by a worker process's `PolledIntake` (intake/deferred.py)."""

    def __init__(
        self,
        intake: ChannelIntake,
        *,
        join_window: timedelta = SMS_JOIN_WINDOW,
        inline: bool = True,
        linger: float = LINGER_S,
    ) -> None:
        self.intake = intake
        self.join_window = join_window
        self.inline = inline
        self.deferred = DeferredIntake(self.process, linger=linger)

    async def take(self, sms: InboundSms) -> Receipt:
        """Accept one inbound SMS: committed when this returns; its report is opened by the
        deferred queue (`drain()` waits for it)."""
        # "to": the team's number the citizen wrote to, which the answers are sent from (reply_from).
        payload: dict[str, Any] = {**sms.payload, WRITTEN_TO: sms.written_to}
        # The number the citizen wrote to says which team's report it is (several may share one
        # deployment); an unknown number goes to the default inspection.
        inspection_id = self.intake.service.inspection_for(Channel.SMS, [sms.written_to])
        if sms.opt_out or sms.opt_in:
            # Recorded before the message is committed: a redelivery records it again, harmlessly,
            # and from here on nothing is queued or sent to the number (store and outbox check it).
            await self.intake.records.outbox.set_opted_out(
                Channel.SMS, sms.message.sender or "", sms.opt_out, self.intake.service.clock.now()
            )
            log.info("sms %s: %s recorded", sms.message.id, "opt-out" if sms.opt_out else "opt-in")
            # The provider answers STOP/START itself; we keep the message and never acknowledge it.
            return await self.intake.accept(
                sms.message, payload=payload, record_only=True, inspection_id=inspection_id
            )
        saved = await self.intake.commit(sms.message, payload=payload, inspection_id=inspection_id)
        raw = saved.message
        if saved.duplicate and (raw.handled or raw.report_id is not None):
            log.info("duplicate delivery of sms message %s", raw.provider_id)
        elif self.inline:
            # A redelivery of a message whose processing was lost is queued again: the processing
            # is idempotent per message.
            self.deferred.put(raw)
            # Committed: the answer waits while the processing is far behind (backpressure).
            await self.deferred.room()
        return Receipt(None, None, duplicate=saved.duplicate)

    async def drain(self) -> None:
        """Wait until every SMS taken so far has its report (or has been given up on)."""
        await self.deferred.drain()

    async def process(self, raws: Sequence[RawMessage]) -> None:
        """Join, decide and open reports for committed SMS (the deferred part of `take`)."""
        # Parts of a long SMS are cut anywhere, even inside a word: they are joined without a space.
        await self.intake.proceed_many(raws, join_window=self.join_window, redecide_with="")
