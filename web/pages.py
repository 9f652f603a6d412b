"""Rendering desk pages: one Jinja2 environment, the signed-in user and CSRF token in every page."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from intake.outbox import LogOnlySender
from web import labels
from web.auth import csrf_token, has_role
from web.labels import (
    CATEGORY_WORDS,
    CHANNEL_WORDS,
    KIND_WORDS,
    SCOPE_WORDS,
    STATE_WORDS,
    TIER_WORDS,
    local_time,
    reasons_zh,
)
from web.runtime import Runtime, runtime

__all__ = [
    "CATEGORY_WORDS",
    "CHANNEL_WORDS",
    "KIND_WORDS",
    "SCOPE_WORDS",
    "STATE_WORDS",
    "TIER_WORDS",
    "local_time",
    "reasons_zh",
    "render",
    "templates",
]


def _templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(resources.files("web").joinpath("templates")))
    t.env.globals.update(
        SCOPE_WORDS=SCOPE_WORDS,
        CATEGORY_WORDS=CATEGORY_WORDS,
        STATE_WORDS=STATE_WORDS,
        CHANNEL_WORDS=CHANNEL_WORDS,
        TIER_WORDS=TIER_WORDS,
        KIND_WORDS=KIND_WORDS,
        DISCIPLINE_WORDS=labels.DISCIPLINE_WORDS,
        ROLE_WORDS=labels.ROLE_WORDS,
        ACK_KIND_WORDS=labels.ACK_KIND_WORDS,
        has_role=has_role,
        reasons_zh=reasons_zh,
        event_line=labels.event_line,
        actor_word=labels.actor_word,
        delivery_word=labels.delivery_word,
        delivered_ids=labels.delivered_ids,
        target_label=labels.target_label,
        region_label=labels.region_label,
        disciplines=labels.disciplines,
        confidence_band=labels.confidence_band,
    )
    t.env.filters["local"] = local_time
    t.env.filters["cn_date"] = labels.cn_date
    t.env.filters["snippet"] = labels.snippet
    t.env.globals["subject_line"] = labels.subject_line
    return t


templates = _templates()


def _unconfigured(rt: Runtime) -> list[str]:
    """Channels whose acknowledgements only go to the log: no provider is configured for them."""
    senders = rt.worker.senders
    return [ch.value for ch, sender in senders.items() if isinstance(sender, LogOnlySender)]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a desk template with the user, the CSRF token and the inspections."""
    rt = runtime(request)
    ctx = {
        "user": getattr(request.state, "user", None),
        "csrf": csrf_token(request),
        "inspections": list(rt.inspections.values()),
        "unconfigured": _unconfigured(rt),
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
