"""Voice messages from the provider to the data directory: fetched, sealed, then deleted there.

`GET {api}/2010-04-01/Accounts/{sid}/Recordings/{RecordingSid}.mp3` with the account's Basic
auth (the URL is built from our configured API base and the RecordingSid, never taken from the
webhook, so no callback can send our credentials elsewhere). The audio is streamed with a size
cap, sealed like mail attachments (`<data_dir>/attachments/<sha256>`), and only then deleted at
the provider (`PETITION_TWILIO_DELETE_RECORDINGS`, on by default): a recording is never in
neither place. A fetch that fails is tried again with backoff by a later round of the "recordings" job.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

import httpx

from intake.calls import Call, CallRecords
from intake.ports import AuditLog, Clock

log = logging.getLogger(__name__)

# Three minutes of MP3 at Twilio's 32 kbit/s is some 720 KB; WAV would be 2.9 MB.
DEFAULT_MAX_BYTES: Final = 8 * 1024 * 1024
MAX_ATTEMPTS: Final = 10
FIRST_RETRY: Final = timedelta(seconds=30)
LAST_RETRY: Final = timedelta(hours=1)
POLL_SECONDS: Final = 30.0


class RecordingTooLarge(Exception):
    pass


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... at most an hour, after the `attempts`-th failure (1-based)."""
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LAST_RETRY)


def _write_once(path: Path, data: bytes) -> None:
    # Content-addressed: the same audio is the same file; a partial write never takes the name.
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class RecordingFetcher:
    """Fetches due recordings, stores them sealed, deletes them at the provider."""

    def __init__(
        self,
        calls: CallRecords,
        audit: AuditLog,
        clock: Clock,
        *,
        account_sid: str,
        auth_token: str,
        api_base: str,
        data_dir: Path,
        seal_file: Callable[[bytes], bytes],
        delete_after: bool = True,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 30.0,
    ) -> None:
        self.calls = calls
        self.audit = audit
        self.clock = clock
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._base = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Recordings"
        self.data_dir = data_dir
        self.seal_file = seal_file
        self.delete_after = delete_after
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.wake = asyncio.Event()

    def kick(self) -> None:
        """Fetch now rather than at the next poll (a recording just became ready)."""
        self.wake.set()

    async def run_once(self) -> int:
        """Fetch (or delete at the provider) every recording due now; returns how many were stored."""
        stored = 0
        for call in await self.calls.due_recordings(self.clock.now(), undeleted=self.delete_after):
            if call.recording_state == "pending":
                stored += await self._fetch(call)
            elif self.delete_after:
                await self._delete(call)
        return stored

    async def _fetch(self, call: Call) -> int:
        assert call.recording_sid is not None
        now = self.clock.now()
        try:
            data, content_type = await self._download(call.recording_sid)
        except RecordingTooLarge as exc:
            log.warning(
                "recording %s of call %s refused: %s (limit %d bytes); the report is kept and the "
                "recording left at the provider",
                call.recording_sid,
                call.call_sid,
                exc,
                self.max_bytes,
            )
            await self.calls.update_call(
                call.call_sid,
                recording_state="too_large",
                recording_error=f"录音超过大小上限：{exc}",
                now=now,
            )
            await self._audit(call, "call.recording_refused", {"reason": "too_large"})
            return 0
        except (httpx.HTTPError, OSError, ValueError) as exc:
            attempts = call.recording_attempts + 1
            retry_at = now + retry_delay(attempts) if attempts < MAX_ATTEMPTS else None
            log.warning(
                "recording %s of call %s not fetched (try %d): %s; %s",
                call.recording_sid,
                call.call_sid,
                attempts,
                exc.__class__.__name__,
                "retried later" if retry_at else "given up",
            )
            await self.calls.recording_attempt_failed(call.call_sid, _describe(exc), retry_at, now)
            return 0
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(_write_once, self.data_dir / "attachments" / digest, self.seal_file(data))
        await self.calls.update_call(
            call.call_sid,
            recording_state="stored",
            recording_sha256=digest,
            recording_bytes=len(data),
            recording_type=content_type,
            recording_error=None,
            recording_next_at=None,
            now=now,
        )
        await self._audit(call, "call.recording_stored", {"sha256": digest, "size": len(data)})
        log.info("recording %s of call %s stored (%d bytes)", call.recording_sid, call.call_sid, len(data))
        if self.delete_after:
            await self._delete(call)
        return 1

    async def _download(self, recording_sid: str) -> tuple[bytes, str]:
        url = f"{self._base}/{recording_sid}.mp3"
        async with (
            httpx.AsyncClient(timeout=self.timeout, auth=self._auth) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise RecordingTooLarge(f"{declared} bytes")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise RecordingTooLarge(f"more than {self.max_bytes} bytes")
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "audio/mpeg").split(";")[0].strip()
        return b"".join(chunks), content_type or "audio/mpeg"

    async def _delete(self, call: Call) -> None:
        """Delete the stored recording at the provider (404: already gone)."""
        url = f"{self._base}/{call.recording_sid}.json"
        try:
            async with httpx.AsyncClient(timeout=self.timeout, auth=self._auth) as client:
                response = await client.delete(url)
        except httpx.HTTPError as exc:
            log.warning(
                "recording %s not deleted at the provider: %s", call.recording_sid, exc.__class__.__name__
            )
            return
        if response.status_code not in (200, 204, 404):
            log.warning(
                "recording %s not deleted at the provider: HTTP %d", call.recording_sid, response.status_code
            )
            return
        await self.calls.update_call(call.call_sid, provider_deleted=True, now=self.clock.now())
        await self._audit(call, "call.recording_deleted_at_provider", {})

    async def _audit(self, call: Call, action: str, detail: dict[str, object]) -> None:
        await self.audit.audit(
            actor="channel:phone",
            action=action,
            report_id=call.report_id,
            detail={"provider_id": call.call_sid, "recording": call.recording_sid, **detail},
            now=self.clock.now(),
        )


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:300]
