"""The intake use case: store the raw message, decide, open the report, queue the acknowledgement.

The raw message is committed before anything else happens to it, so a crash at any later point
loses nothing: `recover()` picks up every stored message that has no report yet. Every step after
the first is idempotent per message, so a provider's retry or a recovery run creates nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from intake import citizen_texts
from intake.inspection import Inspection
from intake.models import Category, Channel, Decision, InboundMessage, ReportState, Scope
from intake.normalise import status_query
from intake.ports import Clock, IntakeRecords, NewAck, NewReport, RawMessage, SavedRaw, reply_from

log = logging.getLogger(__name__)

Decide = Callable[[InboundMessage, Inspection], Decision]
# What was queued to each (channel, sender) lately: (kind, queued at).
AckHistory = dict[tuple[Channel, str], list[tuple[str, datetime]]]

# Channels on which the citizen has an address we can answer; phone calls, letters and visits
# are entered by an officer, who reads or writes the tracking number back.
REPLYABLE = frozenset({Channel.SMS, Channel.EMAIL, Channel.TELEGRAM})

# Loop guard: two robots (an auto-responder and us) must never talk to each other for long. It
# counts only acknowledgements of new reports: status answers have their own budget, so that asking
# about a report never costs the number of the next one. Telegram has no such robots (a bot never
# receives another bot's messages), so there every new report gets its number.
MAX_ACKS_PER_HOUR = 5
LOOP_GUARDED = frozenset({Channel.SMS, Channel.EMAIL})
MAX_STATUS_PER_HOUR = 5
# The kinds that are not a new report's acknowledgement, and the one-time notices of each limit.
STATUS_KIND = "status"
STATUS_LIMIT_KIND = "status_limit"
ACK_LIMIT_KIND = "ack_limit"
NOT_REPORT_ACKS = frozenset({STATUS_KIND, STATUS_LIMIT_KIND, ACK_LIMIT_KIND})

# A sender who wrote without content is prompted for it at most once in this time.
PROMPT_INTERVAL = timedelta(days=1)

# How long a stored message may wait for its report before the sweep processes it: on most
# channels the report follows the commit within a second, so two minutes means it was lost; a
# Telegram conversation holds a draft back on purpose for up to five.
SWEEP_MIN_AGE = timedelta(minutes=2)
SWEEP_HELD_AGE = timedelta(minutes=15)
HELD_CHANNELS = frozenset({Channel.TELEGRAM})


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


class ForeignDuplicate(LookupError):
    """An account re-sent a provider id that another inspection's message holds: nothing of that
    message may be told or processed for it."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The account a message is submitted by (the API), with the inspections it may see."""

    name: str
    may_see: Callable[[str], bool]


class IntakeService:
    """Accepts messages from every channel and turns them into reports."""

    def __init__(
        self,
        records: IntakeRecords,
        inspections: Mapping[str, Inspection],
        decide: Decide,
        clock: Clock | None = None,
    ) -> None:
        if not inspections:
            raise ValueError("at least one inspection is needed")
        self.records = records
        self.inspections = dict(inspections)
        self.default_inspection = next(iter(self.inspections.values()))
        self._decide = decide
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
        caller: Caller | None = None,
    ) -> Receipt:
        """Take one message in: commit it raw first, then process it.

        With `caller` (an account posting through the API) a provider id already held by another
        inspection's message raises ForeignDuplicate, and a status query is answered to the account
        only (see `_answer_caller`)."""
        inspection = self.inspection(inspection_id)
        queried_by_caller = caller is not None and status_query(message.text) is not None
        if queried_by_caller and message.sender is not None:
            # The account is not the number it names: a status query must never be sent to that
            # number, nor its answer depend on it (a test of whose number filed what). Stored
            # without a sender, not even a recovery run after a crash can reply to it.
            message = message.model_copy(update={"sender": None})
        saved = await self.commit_raw(message, inspection.id, payload)
        if caller is not None and saved.duplicate and saved.message.inspection_id != inspection.id:
            raise ForeignDuplicate(message.id)
        if caller is not None and queried_by_caller:
            return await self._answer_caller(saved, caller)
        if saved.duplicate and saved.message.handled:
            queried = status_query(saved.message.text)
            if queried is not None:
                # Answered the first time; a redelivery must not send the answer again.
                return Receipt(None, None, True, queried, None)
        receipt = await self.process(saved.message)
        if saved.duplicate:
            return Receipt(receipt.tracking_number, receipt.decision, True, receipt.status_query, None)
        return receipt

    async def commit_raw(
        self, message: InboundMessage, inspection_id: str, payload: dict[str, Any] | None
    ) -> SavedRaw:
        """Commit the raw message to the inspection `inspection_id` (idempotent per channel and
        provider id): the first step of every channel, before anything can be lost."""
        return await self.records.messages.save_raw(
            inspection_id=inspection_id,
            channel=message.channel,
            provider_id=message.id,
            sender=message.sender,
            text=message.text,
            subject=message.subject,
            received_at=message.received_at or self.clock.now(),
            payload=payload,
        )

    async def process(self, raw: RawMessage) -> Receipt:
        """Decide a stored message and open its report (or answer its status query)."""
        [receipt] = await self.process_many([raw])
        return receipt

    async def process_many(self, raws: Sequence[RawMessage]) -> list[Receipt]:
        """Decide stored messages and open their reports, all in one transaction (a webhook's
        messages are taken in batches: a few statements for the lot instead of a dozen each);
        status queries are answered one by one. The receipts come in `raws`' order."""
        now = self.clock.now()
        receipts: dict[int, Receipt] = {}
        plain: list[RawMessage] = []
        seen: set[int] = set()
        for raw in raws:
            if raw.pk in seen:
                continue  # the same message twice in one call: taken once
            seen.add(raw.pk)
            queried = status_query(raw.text)
            if queried is None:
                plain.append(raw)
            else:
                receipts[raw.pk] = await self._answer_status(raw, queried, now)
        if plain:
            history = await self._ack_history(plain, now)
            items = []
            for raw in plain:
                decision = self.decide(raw)
                inspection = self.inspection(raw.inspection_id)
                state: ReportState = "archived" if decision.scope is Scope.NO_CONTENT else "decided"
                # The number is only known inside create_reports' transaction, so the text is rendered
                # with a placeholder and filled in there.
                ack = self._ack_for(raw, decision, inspection, now, history)
                items.append(NewReport(raw.pk, inspection.prefix, decision, state, ack))
                # A decision takes a millisecond or so: the loop answers webhooks in between.
                await asyncio.sleep(0)
            created = await self.records.reports.create_reports(items, now=now)
            for raw, item, report in zip(plain, items, created, strict=True):
                text = item.ack.text.replace(_NUMBER, report.tracking_number) if item.ack else None
                log.info(
                    "report %s: %s/%s via %s",
                    report.tracking_number,
                    report.decision.scope.value,
                    report.decision.category.value,
                    raw.channel.value,
                )
                receipts[raw.pk] = Receipt(report.tracking_number, report.decision, False, None, text)
        return [receipts[raw.pk] for raw in raws]

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

    async def _ack_history(self, raws: Sequence[RawMessage], now: datetime) -> AckHistory:
        """What was queued in the last day to each sender of `raws` we can answer, one query a channel."""
        history: AckHistory = {}
        channels = {raw.channel for raw in raws if raw.channel in REPLYABLE and raw.sender}
        for channel in sorted(channels, key=lambda c: c.value):
            senders = {raw.sender for raw in raws if raw.channel is channel and raw.sender}
            found = await self.records.outbox.recent_acks(
                channel=channel, recipients=senders, since=now - PROMPT_INTERVAL
            )
            for sender, acks_queued in found.items():
                history[(channel, sender)] = list(acks_queued)
        return history

    def _ack_for(
        self, raw: RawMessage, decision: Decision, inspection: Inspection, now: datetime, history: AckHistory
    ) -> NewAck | None:
        """The acknowledgement of a message, or None; `history` (what was queued to the sender in the
        last day) gets the new one, so a second message of the sender in the same batch counts it."""
        if raw.channel not in REPLYABLE or not raw.sender:
            return None
        queued = history.setdefault((raw.channel, raw.sender), [])
        if raw.channel in LOOP_GUARDED and _sent_this_hour(queued, now, None) >= MAX_ACKS_PER_HOUR:
            if _sent_this_hour(queued, now, ACK_LIMIT_KIND):
                return None
            # Told once an hour, so that the sender knows why the numbers stopped coming.
            notice = NewAck(
                raw.channel,
                raw.sender,
                citizen_texts.ack_limit_text(inspection),
                ACK_LIMIT_KIND,
                reply_from(raw),
            )
            queued.append((notice.kind, now))
            return notice
        if decision.category is Category.NO_CONTENT:
            if any(kind == "no_content_prompt" for kind, _ in queued):
                return None
            ack = NewAck(
                raw.channel,
                raw.sender,
                citizen_texts.no_content_prompt(inspection),
                "no_content_prompt",
                reply_from(raw),
            )
        else:
            in_period = inspection.in_period(raw.received_at)
            kind = "outside_period" if not in_period else decision.scope.value
            text = citizen_texts.ack_text(decision, inspection, _NUMBER, in_period=in_period)
            ack = NewAck(raw.channel, raw.sender, text, kind, reply_from(raw))
        queued.append((ack.kind, now))
        return ack

    async def _answer_status(self, raw: RawMessage, queried: str, now: datetime) -> Receipt:
        report = await self.records.reports.get_report(queried)
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
            citizen_texts.status_text(queried, report.state)
            if own and report
            else citizen_texts.unknown_status_text(queried)
        )
        await self.records.messages.mark_message_handled(raw.pk, report.pk if own and report else None)
        if raw.channel in REPLYABLE and raw.sender:
            history = await self._ack_history([raw], now)
            answer = self._status_answer(
                raw, raw.sender, text, history.get((raw.channel, raw.sender), []), now
            )
            if answer is not None:
                await self.records.outbox.enqueue_ack(report.pk if own and report else None, answer, now)
        return Receipt(queried if own else None, None, False, queried, text)

    def _status_answer(
        self, raw: RawMessage, sender: str, text: str, queued: Sequence[tuple[str, datetime]], now: datetime
    ) -> NewAck | None:
        """The answer to queue: `text` within the hourly limit, then the limit told once, then nothing."""
        if _sent_this_hour(queued, now, STATUS_KIND) < MAX_STATUS_PER_HOUR:
            return NewAck(raw.channel, sender, text, STATUS_KIND, reply_from(raw))
        if _sent_this_hour(queued, now, STATUS_LIMIT_KIND):
            return None
        limit = citizen_texts.status_limit_text(self.inspection(raw.inspection_id))
        return NewAck(raw.channel, sender, limit, STATUS_LIMIT_KIND, reply_from(raw))

    async def answer_status(self, raw: RawMessage, tracking_number: str) -> Receipt:
        """Answer a status query a channel recognised itself (the Telegram conversation)."""
        return await self._answer_status(raw, tracking_number.upper(), self.clock.now())

    async def _answer_caller(self, saved: SavedRaw, caller: Caller) -> Receipt:
        """A status query through the API: answered (audited) for a report of the account's
        inspections, the same refusal for any other number; nothing is queued to anyone."""
        raw = saved.message
        queried = status_query(raw.text)
        assert queried is not None
        report = await self.records.reports.get_report(queried)
        visible = report is not None and caller.may_see(report.inspection_id)
        text = (
            citizen_texts.status_text(queried, report.state)
            if visible and report
            else citizen_texts.unknown_status_text(queried)
        )
        report_pk = report.pk if visible and report else None
        if not raw.handled:
            await self.records.messages.mark_message_handled(raw.pk, report_pk)
        await self.records.audit.audit(
            actor=caller.name,
            action="status.queried",
            report_id=report_pk,
            detail={"number": queried, "answered": visible, "via": "api"},
            now=self.clock.now(),
        )
        return Receipt(queried if visible else None, None, saved.duplicate, queried, text)

    async def sweep(self, min_age: timedelta = SWEEP_MIN_AGE, *, held_age: timedelta = SWEEP_HELD_AGE) -> int:
        """Process stored messages left without a report for longer than `min_age` (`held_age` on
        the channels that hold messages back on purpose); returns how many.

        The SMS webhook answers on the commit and its report follows within moments; if that
        processing fails (the database went away), nothing redelivers, and this catches it while
        the service runs. A Telegram draft is held back by its conversation for up to five
        minutes, so on that channel only older messages are taken. One failing message is logged
        and left for the next sweep; it does not stop the others."""
        now = self.clock.now()
        quick = set(Channel) - HELD_CHANNELS
        stale = [
            *await self.records.messages.unprocessed_messages(
                limit=500, stored_before=now - min_age, channels=quick
            ),
            *await self.records.messages.unprocessed_messages(
                limit=500, stored_before=now - held_age, channels=HELD_CHANNELS
            ),
        ]
        done = 0
        for raw in sorted(stale, key=lambda r: r.pk):
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
        while batch := await self.records.messages.unprocessed_messages(limit=100):
            for raw in batch:
                await self.process(raw)
                done += 1
        return done


def _sent_this_hour(queued: Sequence[tuple[str, datetime]], now: datetime, kind: str | None) -> int:
    """How many items of `kind` (None: acknowledgements of new reports) were queued in the last hour."""
    since = now - timedelta(hours=1)
    if kind is None:
        return sum(1 for k, at in queued if at >= since and k not in NOT_REPORT_ACKS)
    return sum(1 for k, at in queued if at >= since and k == kind)


# Per webhook, the number written to and every published one are compared: the same few addresses
# each time (the deployment's own numbers and mailboxes), worked out once.
@functools.lru_cache(maxsize=1024)
def _address_key(channel: Channel, address: str) -> str:
    """A published address in comparable form: a number's digits (+86 139... = 86139...), a
    mailbox in lower case."""
    if channel is Channel.SMS:
        return "".join(ch for ch in address if ch.isdigit())
    return address.strip().lower()


# Placeholder for the tracking number in a queued acknowledgement; the store substitutes the
# real number in the same transaction that allocates it.
_NUMBER = "{tracking_number}"
