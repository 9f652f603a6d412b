"""What the running app holds, and the one typed way a route reaches it.

Built in the lifespan of `web.app.create_app` and kept on `app.state` (with the inbound channels);
this module is the only one that reads or writes them there. Every router, the hooks and the digest
scheduler import it from here, so none of them imports `web.app` (the composition root
imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request

from intake.inspection import Inspection
from intake.outbox import OutboxWorker
from intake.service import IntakeService
from storage.db import TextCodec
from storage.stores import Stores
from web.settings import Settings

if TYPE_CHECKING:
    # Only for the type: the adapters (and their vendor SDKs) load when web.hooks builds them.
    from bot.registry import Channels


@dataclass
class Runtime:
    """What the running app holds; built in the lifespan, read by the routes."""

    settings: Settings
    service: IntakeService
    worker: OutboxWorker
    inspections: dict[str, Inspection]
    # The repositories by noun: each caller takes the one it needs (the service got its own from them).
    stores: Stores
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


def is_started(app: FastAPI) -> bool:
    """Whether the lifespan has built the runtime (an error page before it cannot use the desk's)."""
    return isinstance(getattr(app.state, "rt", None), Runtime)


def runtime(request: Request) -> Runtime:
    """The runtime of the app serving `request` (usable as a FastAPI dependency too)."""
    return app_runtime(request.app)


def set_runtime(app: FastAPI, rt: Runtime) -> None:
    """Keep the runtime on the app (the lifespan does, once it is built)."""
    app.state.rt = rt


def app_channels(app: FastAPI) -> Channels:
    """The inbound channels of a started app (built by `web.hooks.start_channels`)."""
    found = getattr(app.state, "channels", None)
    if found is None:
        raise RuntimeError("the app is not started: no channels")
    channels: Channels = found
    return channels


def channels(request: Request) -> Channels:
    """The inbound channels of the app serving `request`."""
    return app_channels(request.app)


def set_channels(app: FastAPI, built: Channels) -> None:
    """Keep the inbound channels on the app (the lifespan does, after the runtime)."""
    app.state.channels = built
