"""The audit log's hash chain: every entry's hash covers its content and the hash before it.

An entry edited or deleted in the database breaks the link of the entry after it, which
`petition audit verify` reports. A rewrite of the whole chain from the edited entry on, or the
removal of the newest entries, is found by comparing the head hash with one recorded earlier
(`petition audit verify` prints it; docs/security.md says where to keep it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

# The hash before the first entry.
GENESIS: Final = "0" * 64


def entry_hash(
    prev_hash: str, *, at: datetime, actor: str, action: str, report_id: int | None, detail: dict[str, Any]
) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the entry."""
    body = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(timespec="microseconds"), actor, action, report_id, detail],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One audit row as `verify_chain` reads it."""

    pk: int
    at: datetime
    actor: str
    action: str
    report_id: int | None
    detail: dict[str, Any]
    prev_hash: str | None
    entry_hash: str | None


@dataclass
class ChainReport:
    """What `verify_chain` found."""

    entries: int = 0
    unchained: int = 0  # entries written before the chain existed (migration 0003)
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chained entry is intact and linked."""
        return not self.problems


def verify_chain(rows: Iterable[ChainRow]) -> ChainReport:
    """Check the rows in insertion order: each hash recomputes and links to the one before."""
    report = ChainReport()
    prev: str | None = None
    for row in rows:
        report.entries += 1
        if row.entry_hash is None:
            if prev is not None:
                report.problems.append(f"entry {row.pk}: no hash after the chain began")
            else:
                report.unchained += 1
            continue
        expected_prev = GENESIS if prev is None else prev
        if row.prev_hash != expected_prev:
            report.problems.append(
                f"entry {row.pk}: does not link to the entry before it (deleted or reordered)"
            )
        recomputed = entry_hash(
            row.prev_hash or GENESIS,
            at=row.at,
            actor=row.actor,
            action=row.action,
            report_id=row.report_id,
            detail=row.detail,
        )
        if recomputed != row.entry_hash:
            report.problems.append(f"entry {row.pk}: content does not match its hash (edited)")
        prev = row.entry_hash
    report.head = prev or GENESIS
    return report
