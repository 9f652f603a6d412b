"""The duty phone on the desk: a call's voice message played to the officers of its inspection, and
the call's report completed through the manual-entry form (the officer writes what was said).

The audio is served only through `/desk/r/{number}/recording` to a signed-in officer who may see
the report, never cached by the browser (`Cache-Control: no-store`), and each play is audited.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from intake import citizen_texts
from intake.accounts import User
from intake.models import Channel, SubmittedMessage, describe_validation_error
from intake.pipeline import decide
from storage.desk import ReportDetail
from storage.stores import Stores
from web.auth import check_csrf
from web.identity import desk_store, require
from web.kept_files import kept_file_response
from web.pages import render
from web.runtime import runtime

log = logging.getLogger(__name__)

Officer = Annotated[User, Depends(require("officer"))]

# The texts a call's report has until an officer writes down what was said.
PLACEHOLDERS = frozenset({citizen_texts.VOICE_MESSAGE_TEXT, citizen_texts.ANSWERED_CALL_TEXT})


def _now() -> datetime:
    return datetime.now(UTC)


async def _report_pk(request: Request, user: User, tracking_number: str) -> int:
    rt = runtime(request)
    pk = await desk_store(request).desk.report_pk(tracking_number.upper(), user.visible(list(rt.inspections)))
    if pk is None:
        raise HTTPException(status_code=404, detail="no such report")
    return pk


def needs_summary(text: str) -> bool:
    """Whether a call's report still has its placeholder text instead of the officer's summary."""
    return text in PLACEHOLDERS


async def call_context(store: Stores, detail: ReportDetail) -> dict[str, Any]:
    """What the report page shows of a call: its record, and whether it still needs a summary."""
    call = await store.calls.call_of_report(detail.report.pk)
    waiting = call is not None and bool(detail.messages) and needs_summary(detail.messages[0].text)
    return {"call": call, "needs_summary": waiting}


def desk_calls_router() -> APIRouter:
    """GET /desk/r/{number}/recording and /desk/r/{number}/call-summary (GET and POST)."""
    router = APIRouter()

    @router.get("/desk/r/{tracking_number}/recording")
    async def recording(request: Request, tracking_number: str, user: Officer) -> Response:
        """The call's voice message, to play in the report page (audited, never cached)."""
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        call = await store.calls.call_of_report(pk)
        if call is None or call.recording_state != "stored" or call.recording_sha256 is None:
            raise HTTPException(status_code=404, detail="no recording")
        meta = {"filename": f"{tracking_number.upper()}.mp3", "content_type": call.recording_type}
        response = await kept_file_response(
            runtime(request).settings, {call.recording_sha256: meta}, call.recording_sha256
        )
        response.headers["Content-Disposition"] = "inline"
        response.headers["Cache-Control"] = "no-store"
        await store.desk.audit_action(
            pk,
            "recording.played",
            {"client": request.client.host if request.client else "?"},
            actor=user.name,
            now=_now(),
        )
        return response

    @router.get("/desk/r/{tracking_number}/call-summary")
    async def summary_page(request: Request, tracking_number: str, user: Officer) -> Response:
        """The manual-entry form, prefilled from the call: channel, time, the sealed caller id."""
        ctx = await _call_form(request, user, tracking_number, text="")
        del ctx["_pk"], ctx["_inspection"]
        return render(request, "desk/entry.html", ctx)

    @router.post("/desk/r/{tracking_number}/call-summary")
    async def summary(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        action: Annotated[str, Form()] = "preview",
        text: Annotated[str, Form()] = "",
    ) -> Response:
        """Preview the system's suggestion on the summary, or save it as the report's text."""
        check_csrf(request, csrf)
        return await _summarise(request, user, tracking_number.upper(), text, save=action == "save")

    return router


async def _summarise(
    request: Request, user: User, tracking_number: str, text: str, *, save: bool
) -> Response:
    ctx = await _call_form(request, user, tracking_number, text=text)
    pk, ins = ctx.pop("_pk"), ctx.pop("_inspection")
    try:
        msg = SubmittedMessage(id=f"summary-{pk}", text=text, channel=Channel.PHONE)
    except ValidationError as exc:
        ctx["error"] = describe_validation_error(exc, whole="form")
        return render(request, "desk/entry.html", ctx, 422)
    decision = decide(msg, ins).model_copy(update={"id": tracking_number})
    if not save:
        return render(request, "desk/entry.html", {**ctx, "decision": decision})
    store = desk_store(request)
    # The placeholder is checked again in the write: two officers saving at once write one summary.
    if not await store.calls.complete_call_report(
        pk, text.strip(), PLACEHOLDERS, actor=user.name, now=_now()
    ):
        return RedirectResponse(
            f"/desk/r/{tracking_number}?{urlencode({'error': '该来电已由他人整理'})}", status_code=303
        )
    await store.reports.add_suggestion(pk, decision, now=_now())
    return RedirectResponse(f"/desk/r/{tracking_number}?entered=1", status_code=303)


async def _call_form(request: Request, user: User, tracking_number: str, *, text: str) -> dict[str, Any]:
    """The entry form's context for completing a call's report (404 unless it is one, unsummarised)."""
    pk = await _report_pk(request, user, tracking_number)
    store = desk_store(request)
    detail = await store.desk.detail(pk)
    call = await store.calls.call_of_report(pk)
    first = detail.messages[0] if detail.messages else None
    if call is None or first is None or not needs_summary(first.text):
        raise HTTPException(status_code=404, detail="no call to complete")
    ins = runtime(request).inspections[detail.report.inspection_id]
    local = first.received_at.astimezone(ins.tz).strftime("%Y-%m-%dT%H:%M")
    form = {
        "inspection": ins.id,
        "channel": "phone",
        "received_at": local,
        "text": text,
        "contact": "",
        "name": "",
        "entry_id": "",
    }
    return {
        "form": form,
        "decision": None,
        "error": None,
        "call": call,
        "call_report": detail.report,
        "caller_sealed": first.sender is not None,
        "_pk": pk,
        "_inspection": ins,
    }
