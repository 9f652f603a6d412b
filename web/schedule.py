"""The daily digest on a schedule: queued once a day per inspection at `PETITION_DIGEST_AT` local time.

Every process that runs the outbox worker (`serve`, `worker`) also runs this job ("digest"); the database
decides which one queues a given day's digest (storage.ledger.SqlLedger.queue_digest_once), so
several processes send it exactly once. A process started after the hour queues that day's digest
at once; days that passed while nothing ran are not made up (the digest describes today).
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Final

from intake.models import Channel
from intake.ports import Clock, NewAck
from web.digest import digest_text
from web.runtime import Runtime

log = logging.getLogger(__name__)

# How often the loop looks at the clock; the digest may go out up to this much after the hour.
CHECK_EVERY_S: Final = 30.0


class DigestScheduler:
    """Queues each inspection's digest once a day at `at` (local time of the inspection)."""

    def __init__(self, rt: Runtime, at: time, clock: Clock) -> None:
        self.rt = rt
        self.at = at
        self.clock = clock

    async def run_due(self) -> list[str]:
        """Queue every digest that is due now and not queued yet; returns the inspections queued."""
        from web.followup import digest_for

        store = self.rt.stores
        now = self.clock.now()
        queued: list[str] = []
        for ins_id, inspection in self.rt.inspections.items():
            local = now.astimezone(inspection.tz)
            if local.time() < self.at:
                continue
            day = local.date().isoformat()
            # Cheap check first: building the digest reads every open item.
            if await store.ledger.digest_queued_on(ins_id, day):
                continue
            digest = await digest_for(self.rt, (ins_id,), now)
            items = sum(len(section) for _, section in digest.sections())
            address = next(iter(inspection.channels.email), None)
            ack = None
            if address is not None:
                text = digest_text(digest, inspection.team, self.rt.settings.public_url)
                ack = NewAck(Channel.EMAIL, address, text, "digest")
            if await store.ledger.queue_digest_once(ins_id, day, ack, items=items, now=now):
                queued.append(ins_id)
                log.info("digest of %s for %s queued (%d items)", ins_id, day, items)
        return queued
