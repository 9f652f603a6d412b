"""The duty phone's call records as the domain sees them: one per CallSid (storage/calls.py keeps
them), and the port the voice channel writes them through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Call:
    """One call as recorded."""

    pk: int
    call_sid: str
    inspection_id: str
    called: str | None
    in_hours: bool
    stage: str
    outcome: str | None
    duration: int | None
    report_id: int | None
    answered_by: str | None
    recording_sid: str | None
    recording_state: str
    recording_seconds: int | None
    recording_attempts: int
    recording_next_at: datetime | None
    recording_error: str | None
    recording_sha256: str | None
    recording_bytes: int | None
    recording_type: str | None
    provider_deleted: bool
    created_at: datetime
    updated_at: datetime

    @property
    def recording_missing(self) -> bool:
        """A recording the provider has (or a voice message's) that is not kept here: 录音未取回."""
        return self.recording_state in ("pending", "failed") or (
            self.stage == "recorded" and self.recording_state == "none"
        )


class CallRecords(Protocol):
    """The duty phone's call records, one per CallSid (`storage.calls.SqlCalls`)."""

    async def start_call(
        self,
        *,
        call_sid: str,
        inspection_id: str,
        called: str | None,
        in_hours: bool,
        ringing: bool,
        now: datetime,
    ) -> tuple[Call, bool]:
        """The call's record, created on its first webhook; True when this created it."""
        ...

    async def get_call(self, call_sid: str) -> Call | None: ...

    async def call_of_report(self, report_pk: int) -> Call | None: ...

    async def update_call(self, call_sid: str, *, now: datetime, **values: Any) -> None: ...

    async def recording_ready(
        self,
        call_sid: str,
        recording_sid: str,
        seconds: int | None,
        now: datetime,
        *,
        due: datetime | None = None,
    ) -> bool:
        """Mark the call's recording due for fetching at `due`; False when that changed nothing."""
        ...

    async def due_recordings(
        self, now: datetime, limit: int = 20, *, undeleted: bool = True
    ) -> Sequence[Call]: ...

    async def recording_attempt_failed(
        self, call_sid: str, error: str, retry_at: datetime | None, now: datetime
    ) -> None: ...
