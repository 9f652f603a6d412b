"""The intake use case: store the raw message, decide, open the report, queue the acknowledgement.

The raw message is committed before anything else happens to it, so a crash at any later point
loses nothing: `recover()` picks up every stored message that has no report yet. Every step after
the first is idempotent per message, so a provider's retry or a recovery run creates nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from intake import acks
from intake.inspection import Inspection
from intake.models import Category, Channel, Decision, InboundMessage, ReportState, Scope
from intake.ports import Clock, NewAck, RawMessage, ReportStore

log = logging.getLogger(__name__)

Decide = Callable[[InboundMessage, Inspection], Decision]
StatusQuery = Callable[[str], "str | None"]

# Channels on which the citizen has an address we can answer; phone calls, letters and visits
# are entered by an officer, who reads or writes the tracking number back.
REPLYABLE = frozenset({Channel.SMS, Channel.EMAIL, Channel.TELEGRAM})

# Loop guard: two robots (an auto-responder and us) must never talk to each other for long.
MAX_ACKS_PER_HOUR = 5

# How long a stored message may wait for its report before the sweep processes it.
SWEEP_MIN_AGE = timedelta(minutes=15)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the sender is told about one accepted message."""

    tracking_number: str | None
    decision: Decision | None
    duplicate: bool = False
    status_query: str | None = None
    ack_text: str | None = None


class UnknownInspection(LookupError):
    pass


class IntakeService:
    """Accepts messages from every channel and turns them into reports."""

    def __init__(
        self,
        store: ReportStore,
        inspections: Mapping[str, Inspection],
        decide: Decide,
        status_query: StatusQuery,
        clock: Clock | None = None,
    ) -> None:
        if not inspections:
            raise ValueError("at least one inspection is needed")
        self.store = store
        self.inspections = dict(inspections)
        self.default_inspection = next(iter(self.inspections.values()))
        self._decide = decide
        self._status_query = status_query
        self.clock: Clock = clock or SystemClock()

    def inspection(self, inspection_id: str | None) -> Inspection:
        """The inspection by id, or the default one when none is named."""
        if inspection_id is None:
            return self.default_inspection
        try:
            return self.inspections[inspection_id]
        except KeyError:
            raise UnknownInspection(inspection_id) from None

    def inspection_for(self, channel: Channel, addresses: Iterable[str]) -> str | None:
        """The inspection that published one of `addresses` (the SMS number or mailbox a citizen
        wrote to) for this channel, so one deployment can serve several teams; None if none did."""
        wanted = {_address_key(channel, a) for a in addresses if a and a.strip()}
        for ins in self.inspections.values():
            published = ins.channels.sms if channel is Channel.SMS else ins.channels.email
            if channel in (Channel.SMS, Channel.EMAIL) and wanted & {
                _address_key(channel, p) for p in published
            }:
                return ins.id
        return None

    async def accept(
        self,
        message: InboundMessage,
        *,
        inspection_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Receipt:
        """Take one message in: commit it raw first, then process it."""
        inspection = self.inspection(inspection_id)
        saved = await self.store.save_raw(
            inspection_id=inspection.id,
            channel=message.channel,
            provider_id=message.id,
            sender=message.sender,
            text=message.text,
            subject=message.subject,
            received_at=message.received_at or self.clock.now(),
            payload=payload,
        )
        if saved.duplicate and saved.message.handled:
            queried = self._status_query(saved.message.text)
            if queried is not None:
                # Answered the first time; a redelivery must not send the answer again.
                return Receipt(None, None, True, queried, None)
        receipt = await self.process(saved.message)
        if saved.duplicate:
            return Receipt(receipt.tracking_number, receipt.decision, True, receipt.status_query, None)
        return receipt

    async def process(self, raw: RawMessage) -> Receipt:
        """Decide a stored message and open its report (or answer its status query)."""
        inspection = self.inspection(raw.inspection_id)
        now = self.clock.now()
        queried = self._status_query(raw.text)
        if queried is not None:
            return await self._answer_status(raw, queried, now)

        decision = self.decide(raw)
        state: ReportState = "archived" if decision.scope is Scope.NO_CONTENT else "decided"
        # The number is only known inside create_report's transaction, so the text is rendered
        # with a placeholder and filled in there; see _ack_for.
        ack = await self._ack_for(raw, decision, inspection, now)
        report = await self.store.create_report(
            message_pk=raw.pk,
            tracking_prefix=inspection.prefix,
            decision=decision,
            state=state,
            ack=ack,
            now=now,
        )
        text = ack.text.replace(_NUMBER, report.tracking_number) if ack else None
        log.info(
            "report %s: %s/%s via %s",
            report.tracking_number,
            report.decision.scope.value,
            report.decision.category.value,
            raw.channel.value,
        )
        return Receipt(report.tracking_number, report.decision, False, None, text)

    def decide(self, raw: RawMessage) -> Decision:
        """The pipeline's decision on a stored message (pure: nothing is written)."""
        message = InboundMessage(
            id=raw.provider_id,
            text=raw.text,
            channel=raw.channel,
            received_at=raw.received_at,
            sender=raw.sender,
            subject=raw.subject,
        )
        return self._decide(message, self.inspection(raw.inspection_id))

    async def _ack_for(
        self, raw: RawMessage, decision: Decision, inspection: Inspection, now: datetime
    ) -> NewAck | None:
        if raw.channel not in REPLYABLE or not raw.sender:
            return None
        if await self._over_loop_limit(raw.channel, raw.sender, now):
            return None
        if decision.category is Category.NO_CONTENT:
            prompted = await self.store.sent_recently(
                channel=raw.channel,
                recipient=raw.sender,
                kind="no_content_prompt",
                since=now - timedelta(days=1),
            )
            if prompted:
                return None
            return NewAck(raw.channel, raw.sender, acks.no_content_prompt(inspection), "no_content_prompt")
        in_period = inspection.in_period(raw.received_at)
        kind = "outside_period" if not in_period else decision.scope.value
        text = acks.ack_text(decision, inspection, _NUMBER, in_period=in_period)
        return NewAck(raw.channel, raw.sender, text, kind)

    async def _over_loop_limit(self, channel: Channel, sender: str, now: datetime) -> bool:
        sent = await self.store.sent_recently(
            channel=channel, recipient=sender, kind="*", since=now - timedelta(hours=1)
        )
        return sent >= MAX_ACKS_PER_HOUR

    async def _answer_status(self, raw: RawMessage, queried: str, now: datetime) -> Receipt:
        report = await self.store.get_report(queried)
        # Only the sender who filed a report may learn its state, and a refusal must not reveal
        # whether the number exists.
        own = (
            report is not None
            and report.inspection_id == raw.inspection_id
            and raw.sender is not None
            and report.sender == raw.sender
            and report.channel == raw.channel
        )
        text = (
            acks.status_text(queried, report.state) if own and report else acks.unknown_status_text(queried)
        )
        await self.store.mark_message_handled(raw.pk, report.pk if own and report else None)
        if (
            raw.channel in REPLYABLE
            and raw.sender
            and not await self._over_loop_limit(raw.channel, raw.sender, now)
        ):
            await self.store.enqueue_ack(
                report.pk if own and report else None, NewAck(raw.channel, raw.sender, text, "status"), now
            )
        return Receipt(queried if own else None, None, False, queried, text)

    async def sweep(self, min_age: timedelta = SWEEP_MIN_AGE) -> int:
        """Process stored messages left without a report for longer than `min_age`; returns how many.

        Startup recovery and a provider's redelivery finish most such messages; this catches the
        rest (a provider that never redelivers) while the service runs. `min_age` stays above the
        time a conversation may hold a message back on purpose (a Telegram draft, five minutes).
        One failing message is logged and left for the next sweep; it does not stop the others."""
        done = 0
        stale = await self.store.unprocessed_messages(limit=500, stored_before=self.clock.now() - min_age)
        for raw in stale:
            try:
                await self.process(raw)
            except Exception:
                log.exception("sweep: message %d could not be processed", raw.pk)
                continue
            done += 1
        return done

    async def recover(self) -> int:
        """Process every stored message that has no report yet; returns how many."""
        done = 0
        while batch := await self.store.unprocessed_messages(limit=100):
            for raw in batch:
                await self.process(raw)
                done += 1
        return done


def _address_key(channel: Channel, address: str) -> str:
    """A published address in comparable form: a number's digits (+86 139... = 86139...), a
    mailbox in lower case."""
    if channel is Channel.SMS:
        return "".join(ch for ch in address if ch.isdigit())
    return address.strip().lower()


# Placeholder for the tracking number in a queued acknowledgement; the store substitutes the
# real number in the same transaction that allocates it.
_NUMBER = "{tracking_number}"
