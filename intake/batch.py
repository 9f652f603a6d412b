"""`petition classify`: the live decision run in batch over JSON Lines (classify-contract.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError

from intake.inspection import Inspection
from intake.models import (
    CONTRACT_FIELDS,
    Decision,
    ErrorLine,
    InboundMessage,
    SubmittedMessage,
    describe_validation_error,
)

Decide = Callable[[InboundMessage, Inspection], Decision]


@dataclass
class BatchResult:
    read: int = 0
    bad: int = 0

    @property
    def exit_code(self) -> int:
        """0 when every line was read, 1 when some were bad (the contract's exit status)."""
        return 1 if self.bad else 0


def decide_line(raw: bytes, inspection: Inspection, decide: Decide) -> Decision | ErrorLine:
    """One input line to one output object; a bad line becomes an ErrorLine, never an exception."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ErrorLine(id=None, error=f"line is not valid UTF-8 (byte {exc.start})")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return ErrorLine(id=None, error=f"not a JSON object: {exc.msg} at column {exc.colno}")
    if not isinstance(data, dict):
        return ErrorLine(id=None, error="not a JSON object")
    line_id = data.get("id")
    line_id = str(line_id) if isinstance(line_id, str | int) else None
    try:
        message = SubmittedMessage.model_validate(data)
    except ValidationError as exc:
        return ErrorLine(id=line_id, error=describe_validation_error(exc, whole="line"))
    return decide(message, inspection)


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    for raw in stream:
        line = raw.rstrip(b"\r\n")
        if line.strip():
            yield line.removeprefix(b"\xef\xbb\xbf")


def run_batch(
    inspection: Inspection,
    source: IO[bytes],
    sink: IO[str],
    decide: Decide,
    progress: Callable[[Iterable[bytes]], Iterable[bytes]] | None = None,
) -> BatchResult:
    """Decide every line of `source` and write one JSON line per input line to `sink`, in order."""
    result = BatchResult()
    lines: Iterable[bytes] = _lines(source)
    if progress is not None:
        lines = progress(lines)
    for raw in lines:
        out = decide_line(raw, inspection, decide)
        result.read += 1
        if isinstance(out, ErrorLine):
            result.bad += 1
            payload = out.model_dump(mode="json")
        else:
            # The contract's line: the desk's additions (grounds, officials, model_version) stay out.
            payload = out.model_dump(mode="json", include=set(CONTRACT_FIELDS))
        sink.write(json.dumps(payload, ensure_ascii=False) + "\n")
    return result
