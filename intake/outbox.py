"""Draining the acknowledgement outbox through the channels' senders, with retries and backoff.

An item is claimed (so a second worker does not take it), sent, and marked sent; a retryable
failure puts it back with a later due time, a permanent one marks it failed for the officers to
see. A worker that dies between claim and mark leaves the claim to expire, and the item is sent
again: at-least-once towards the provider, which is the best any outbox can do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from intake.errors import ChannelSendError
from intake.models import Channel
from intake.ports import OPTED_OUT_ERROR, Clock, OutboundChannel, OutboxItem, ReportStore

log = logging.getLogger(__name__)

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


class OutboxWorker:
    """Sends due acknowledgements; run `run_once()` in a loop or call it from tests."""

    def __init__(
        self,
        store: ReportStore,
        senders: Mapping[Channel, OutboundChannel],
        clock: Clock,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.store = store
        self.senders = dict(senders)
        self.clock = clock
        self.max_attempts = max_attempts

    async def run_once(self, limit: int = 20) -> int:
        """Send one batch of due items; returns how many were attempted."""
        items = await self.store.claim_outbox(self.clock.now(), limit)
        for item in items:
            await self._send(item)
        return len(items)

    async def _send(self, item: OutboxItem) -> None:
        sender = self.senders.get(item.channel)
        now = self.clock.now()
        if sender is None:
            await self.store.mark_failed(item.pk, f"no sender for channel {item.channel.value}", None, now)
            log.warning("outbox %d: no sender for %s", item.pk, item.channel.value)
            return
        if await self.store.is_opted_out(item.channel, item.recipient):
            # Queued before the STOP arrived: checked again here, durably, whichever process sends.
            await self.store.mark_failed(item.pk, OPTED_OUT_ERROR, None, now)
            log.info("outbox %d: recipient opted out; not sent", item.pk)
            return
        try:
            provider_id = await sender.send_text(item.recipient, item.text, from_address=item.from_address)
        except ChannelSendError as exc:
            now = self.clock.now()
            if exc.retryable and item.attempts < self.max_attempts:
                retry_at = now + backoff(item.attempts, exc.retry_after)
                await self.store.mark_failed(item.pk, str(exc), retry_at, now)
                log.info("outbox %d: retry at %s after: %s", item.pk, retry_at.isoformat(), exc)
            else:
                await self.store.mark_failed(item.pk, str(exc), None, now)
                log.warning("outbox %d: failed for good: %s", item.pk, exc)
            return
        await self.store.mark_sent(item.pk, provider_id, self.clock.now())
        log.info("outbox %d: sent on %s", item.pk, item.channel.value)

    async def run_forever(self, interval: float = 1.0) -> None:
        """Poll the outbox until cancelled; an unexpected error is logged and the loop goes on."""
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox worker iteration failed")
            await asyncio.sleep(interval)
