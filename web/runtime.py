"""What the running app holds, and the one typed way a route reaches it.

Built in the lifespan of `web.app.create_app` and kept on `app.state`; every router, the hooks and
the digest scheduler import it from here, so none of them imports `web.app` (the composition root
imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request

from intake.inspection import Inspection
from intake.outbox import OutboxWorker
from intake.ports import ReportStore
from intake.service import IntakeService
from storage.store import TextCodec
from web.settings import Settings


@dataclass
class Runtime:
    """What the running app holds; built in the lifespan, read by the routes."""

    settings: Settings
    store: ReportStore
    service: IntakeService
    worker: OutboxWorker
    inspections: dict[str, Inspection]
    inspection_files: dict[str, Path] = field(default_factory=dict)
    # Seals a file's content before it is written to the data dir (raw mails, attachments).
    seal_file: Callable[[bytes], bytes] | None = None
    # Seals reporters' data in the database (the store's, and the Telegram drafts').
    codec: TextCodec | None = None


def app_runtime(app: FastAPI) -> Runtime:
    """The runtime of a started app."""
    rt = getattr(app.state, "rt", None)
    if not isinstance(rt, Runtime):
        # Only a request that arrives before the lifespan ran (or after it ended) gets here.
        raise RuntimeError("the app is not started: no runtime")
    return rt


def runtime(request: Request) -> Runtime:
    """The runtime of the app serving `request` (usable as a FastAPI dependency too)."""
    return app_runtime(request.app)


def set_runtime(app: FastAPI, rt: Runtime) -> None:
    """Keep the runtime on the app (the lifespan does, once it is built)."""
    app.state.rt = rt
