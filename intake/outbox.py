"""Draining the acknowledgement outbox through the channels' senders, with retries and backoff.

An item is claimed (so a second worker does not take it), sent, and marked sent; a retryable
failure puts it back with a later due time, a permanent one marks it failed for the officers to
see. A worker that dies between claim and mark leaves the claim to expire, and the item is sent
again: at-least-once towards the provider, which is the best any outbox can do.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Mapping
from datetime import timedelta

from aiolimiter import AsyncLimiter

from intake.errors import ChannelSendError
from intake.models import Channel
from intake.ports import OPTED_OUT_ERROR, Clock, OutboundChannel, OutboxItem, OutboxStore

log = logging.getLogger(__name__)


class _Outcome(enum.Enum):
    """What `_send` returns besides a provider id: failed for good, or put back for a retry."""

    DONE = "done"
    RETRY = "retry"


_DONE, _RETRY = _Outcome.DONE, _Outcome.RETRY

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)


class LogOnlySender:
    """A sender for a channel that has no provider configured: records that it would send.

    It logs the outbox item, never the recipient or the text (they identify the reporter).
    """

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.sent: list[tuple[str, str]] = []

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        self.sent.append((recipient, text))
        log.info(
            "log-only %s sender: acknowledgement of %d characters not sent", self.channel.value, len(text)
        )
        return None


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Delay before the next try: the provider's Retry-After, else exponential, capped."""
    if retry_after is not None and retry_after > 0:
        return min(timedelta(seconds=retry_after), MAX_DELAY)
    return min(BASE_DELAY * (1 << max(attempts - 1, 0)), MAX_DELAY)


# How many sends may be out with the providers at once, and how many items one claim takes.
MAX_IN_FLIGHT = 32
BATCH = 100


def parse_rates(spec: str | None) -> dict[str, float]:
    """The operator's send rates, messages per second per sending address or channel:
    "sms=1, sms:+8610690000=30, telegram=25" (an address's rate wins over its channel's)."""
    rates: dict[str, float] = {}
    for part in (spec or "").split(","):
        if part.strip():
            key, sep, value = part.partition("=")
            if not sep or float(value) <= 0:
                raise ValueError(f"outbox rate {part.strip()!r}: expected KEY=messages per second")
            rates[key.strip()] = float(value)
    return rates


class SenderRates:
    """A leaky bucket per sending address (aiolimiter), at the rate the operator set for it or its
    channel; senders with no rate set are not limited."""

    def __init__(self, rates: Mapping[str, float]) -> None:
        self._rates = dict(rates)
        self._limiters: dict[str, AsyncLimiter] = {}

    def limiter(self, channel: Channel, from_address: str | None) -> AsyncLimiter | None:
        """The bucket of `from_address` on `channel` (the channel's default sender when None)."""
        key = f"{channel.value}:{from_address}" if from_address else channel.value
        rate = self._rates.get(key, self._rates.get(channel.value))
        if rate is None:
            return None
        if key not in self._limiters:
            # Whole messages: a bucket of max(1, rate) lets a slow sender out one at a time.
            size = max(1.0, rate)
            self._limiters[key] = AsyncLimiter(size, size / rate)
        return self._limiters[key]


class OutboxWorker:
    """Sends due acknowledgements; run `run_once()` in a loop or call it from tests.

    A batch is sent concurrently, at most `max_in_flight` at a time and each sending address at its
    rate, one recipient's items one after the other in queue order; a retryable failure gives the
    recipient's later items back, so they wait behind it (the outbox holds them until it is sent)."""

    def __init__(
        self,
        outbox: OutboxStore,
        senders: Mapping[Channel, OutboundChannel],
        clock: Clock,
        max_attempts: int = MAX_ATTEMPTS,
        *,
        max_in_flight: int = MAX_IN_FLIGHT,
        rates: Mapping[str, float] | None = None,
        batch: int = BATCH,
    ) -> None:
        self.outbox = outbox
        self.senders = dict(senders)
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch = batch
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._rates = SenderRates(rates or {})

    async def run_once(self, limit: int | None = None) -> int:
        """Send one batch of due items; returns how many were attempted."""
        items = await self.outbox.claim_outbox(self.clock.now(), limit or self.batch)
        by_recipient: dict[tuple[Channel, str], list[OutboxItem]] = {}
        for item in items:  # in queue order
            by_recipient.setdefault((item.channel, item.recipient), []).append(item)
        sent: list[tuple[int, str | None]] = []
        # Checked again here, durably, whichever process sends: a STOP may have come after queueing.
        stopped = await self.outbox.opted_out_among(list(by_recipient))
        await asyncio.gather(
            *(self._send_in_order(queue, sent, key in stopped) for key, queue in by_recipient.items())
        )
        # One write for the batch's successes: a transaction per message would hold SQLite's
        # write lock, which the webhooks wait for, a few hundred times a second.
        await self.outbox.mark_sent_many(sent, self.clock.now())
        channel_of = {item.pk: item.channel.value for item in items}
        for pk, _ in sent:
            log.info("outbox %d: sent on %s", pk, channel_of[pk])
        return len(items)

    async def _send_in_order(
        self, queue: list[OutboxItem], sent: list[tuple[int, str | None]], opted_out: bool
    ) -> None:
        for i, item in enumerate(queue):
            outcome = await self._send(item, opted_out)
            if outcome is _RETRY:
                await self.outbox.release_outbox([later.pk for later in queue[i + 1 :]])
                return
            if not isinstance(outcome, _Outcome):
                sent.append((item.pk, outcome))

    async def _send(self, item: OutboxItem, opted_out: bool) -> str | _Outcome | None:
        """The provider's id of the sent item; `_DONE` when it is recorded as failed for good,
        `_RETRY` when it is put back to be retried."""
        sender = self.senders.get(item.channel)
        now = self.clock.now()
        if sender is None:
            await self.outbox.mark_failed(item.pk, f"no sender for channel {item.channel.value}", None, now)
            log.warning("outbox %d: no sender for %s", item.pk, item.channel.value)
            return _DONE
        if opted_out:
            # Queued before the STOP arrived.
            await self.outbox.mark_failed(item.pk, OPTED_OUT_ERROR, None, now)
            log.info("outbox %d: recipient opted out; not sent", item.pk)
            return _DONE
        limiter = self._rates.limiter(item.channel, item.from_address)
        try:
            async with self._in_flight:
                if limiter is not None:
                    await limiter.acquire()
                return await sender.send_text(item.recipient, item.text, from_address=item.from_address)
        except ChannelSendError as exc:
            now = self.clock.now()
            if exc.retryable and item.attempts < self.max_attempts:
                retry_at = now + backoff(item.attempts, exc.retry_after)
                await self.outbox.mark_failed(item.pk, str(exc), retry_at, now)
                log.info("outbox %d: retry at %s after: %s", item.pk, retry_at.isoformat(), exc)
                return _RETRY
            await self.outbox.mark_failed(item.pk, str(exc), None, now)
            log.warning("outbox %d: failed for good: %s", item.pk, exc)
            return _DONE

    async def aclose(self) -> None:
        """Close the senders' shared HTTP clients."""
        for sender in self.senders.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                await close()
