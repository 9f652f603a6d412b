"""The citizens' page: the form, and the confirmation shown only to the browser that submitted.

Nothing a visitor puts in the address is echoed: `/?error=` takes only the codes below, and the
confirmation of a filing is a one-time flash in the signed session cookie, not a number in the URL
(numbers are sequential: `/?submitted=N` used to show anyone whether N exists and its reply).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from intake import citizen_texts
from intake.errors import StorageError
from intake.models import Channel, SubmittedMessage
from intake.service import UnknownInspection
from web.identity import current_user
from web.pages import templates
from web.runtime import runtime

# The citizen form's limit (the API takes longer texts): long enough for any report, short enough
# for an officer to read; the page counts as the citizen types.
MAX_TEXT = 5000
# The numbers a browser filed, kept in its session so it (and only it) may ask about them here.
FILED_KEPT = 20

ERRORS = {
    "empty": "请填写反映内容（何人、何时、何地、何事）。",
    "too_long": f"反映内容不能超过{MAX_TEXT}字，请精简后再提交，或分几次提交。",
    "inspection": "所选的巡视（巡察）组不存在，请从列表中重新选择。",
    "unavailable": "系统暂时无法保存，请稍后再试。内容未提交。",
}


def citizen_router() -> APIRouter:
    """`/` and `/submit`."""
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse)
    async def index(request: Request, error: str | None = None) -> Response:
        rt = runtime(request)
        # The list of reports is for signed-in officers only; a citizen sees the form.
        user = await current_user(request)
        reports = []
        if user is not None:
            reports = [
                r
                for r in await rt.stores.reports.latest_reports(None, limit=50)
                if user.may_see(r.inspection_id)
            ]
        # One time only: a reload, or anyone else, sees the plain form.
        just_filed = request.session.pop("just_filed", None)
        answer = request.session.pop("answer", None)
        context: dict[str, Any] = {
            "reports": reports,
            "inspections": list(rt.inspections.values()),
            "just_filed": just_filed if isinstance(just_filed, str) else None,
            "answer": answer if isinstance(answer, str) else None,
            "error": ERRORS.get(error or ""),
            "user": user,
            "max_text": MAX_TEXT,
        }
        response = templates.TemplateResponse(request, "index.html", context)
        # A confirmation must not come back from a cache (a shared computer's back button).
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.post("/submit")
    async def submit(request: Request, text: str = Form(""), inspection: str | None = Form(None)) -> Response:
        rt = runtime(request)
        if not text.strip():
            return _refused("empty")
        if len(text) > MAX_TEXT:
            return _refused("too_long")
        try:
            msg = SubmittedMessage(id=f"web-{uuid.uuid4()}", text=text, channel=Channel.WEB)
            receipt = await rt.service.accept(msg, inspection_id=inspection or None)
        except UnknownInspection:
            return _refused("inspection")
        except StorageError:
            return _refused("unavailable")
        except (ValidationError, ValueError):
            return _refused("empty")
        filed = _filed(request)
        if receipt.status_query is not None:
            request.session["answer"] = await _status_answer(request, receipt.status_query, filed)
        elif receipt.tracking_number is not None:
            request.session["just_filed"] = receipt.tracking_number
            request.session["filed"] = [*filed, receipt.tracking_number][-FILED_KEPT:]
        return RedirectResponse("/", status_code=303)

    return router


def _refused(code: str) -> RedirectResponse:
    return RedirectResponse(f"/?error={code}", status_code=303)


def _filed(request: Request) -> list[str]:
    filed = request.session.get("filed")
    return [n for n in filed if isinstance(n, str)] if isinstance(filed, list) else []


async def _status_answer(request: Request, number: str, filed: list[str]) -> str:
    """`查询 <编号>` typed into the form: answered for the numbers this browser filed; for any
    other the same words whether the number exists or not."""
    if number in filed:
        report = await runtime(request).stores.reports.get_report(number)
        if report is not None:
            return citizen_texts.status_text(number, report.state)
    return citizen_texts.unknown_status_text(number)
