"""The JSON API: `POST /api/messages` and `GET /api/reports/{number}`, for officers' accounts.

A script calls it with a Bearer token. A signed-in browser may call it too, but a state-changing
call then needs a JSON body and the session's CSRF token in `X-CSRF-Token`: a form on another
site can send neither, so it cannot file reports in the officer's name. Every call is held to
the account's inspections: it cannot file into another team's inspection, nor learn anything of
another team's message by re-sending its provider id or asking after its number.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from intake.accounts import User
from intake.errors import StorageError
from intake.models import SubmittedMessage, describe_validation_error
from intake.service import Caller, ForeignDuplicate, Receipt, UnknownInspection
from web.bodies import read_body
from web.identity import require
from web.runtime import runtime

log = logging.getLogger(__name__)

Officer = Annotated[User, Depends(require("officer"))]

# A request body larger than this is refused before it is parsed: the largest text we accept is
# 100,000 characters (at most 400 KB of UTF-8), so 1 MiB leaves room for JSON escaping.
MAX_BODY_BYTES = 1 << 20
CSRF_HEADER = "X-CSRF-Token"


class ApiMessage(SubmittedMessage):
    """`POST /api/messages`: a message as in the classify contract, for a chosen inspection."""

    inspection: str | None = None


def _bearer(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def cross_site_problem(request: Request) -> JSONResponse | None:
    """Why a state-changing API call is refused before it is read: not JSON, or a cookie session
    without its CSRF header (a Bearer token is never sent by a browser on its own)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        return _error(415, "send the body as application/json")
    if _bearer(request):
        return None
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER, "")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        return _error(403, f"a signed-in session must send its CSRF token in {CSRF_HEADER}")
    return None


def api_router() -> APIRouter:
    """The API routes; the caller's account decides which inspections they reach."""
    router = APIRouter()

    @router.post("/api/messages")
    async def post_message(request: Request, user: Officer) -> Response:
        refused = cross_site_problem(request)
        if refused is not None:
            return refused
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            msg = ApiMessage.model_validate_json(body)
        except ValidationError as exc:
            return _unprocessable(exc)
        rt = runtime(request)
        # Without a named inspection: the account's first; one it may not see is as good as unknown.
        inspection = msg.inspection or next(iter(user.visible(list(rt.inspections))), None)
        if inspection is None or not user.may_see(inspection):
            return _error(422, f"inspection: unknown inspection {msg.inspection!r}")
        try:
            receipt = await rt.service.accept(
                SubmittedMessage.model_validate(msg.model_dump(exclude={"inspection"})),
                inspection_id=inspection,
                caller=Caller(user.name, user.may_see),
            )
        except UnknownInspection as exc:
            return _error(422, f"inspection: unknown inspection {exc.args[0]!r}")
        except ForeignDuplicate:
            return _error(409, "id: already used by another message; send a new id")
        except StorageError:
            log.exception("storing a message failed")
            return _error(503, "the database is not available; nothing was stored, try again")
        return JSONResponse(_receipt_json(receipt), status_code=200 if receipt.duplicate else 201)

    @router.get("/api/reports/{tracking_number}")
    async def get_report(tracking_number: str, request: Request, user: Officer) -> JSONResponse:
        stores = runtime(request).stores
        report = await stores.reports.get_report(tracking_number.upper())
        if report is None or not user.may_see(report.inspection_id):
            return _error(404, f"no report {tracking_number}")
        messages = await stores.messages.report_messages(report.pk)
        acks = await stores.outbox.report_acks(report.pk)
        return JSONResponse(
            {
                "tracking_number": report.tracking_number,
                "inspection": report.inspection_id,
                "state": report.state,
                "channel": report.channel.value,
                "created_at": report.created_at.isoformat(),
                "decision": report.decision.model_dump(mode="json"),
                "messages": [
                    {
                        "channel": m.channel.value,
                        "received_at": m.received_at.isoformat(),
                        "subject": m.subject,
                        "text": m.text,
                    }
                    for m in messages
                ],
                "acknowledgements": [
                    {
                        "channel": a.channel.value,
                        "kind": a.kind,
                        "text": a.text,
                        "state": a.state,
                        "attempts": a.attempts,
                        "last_error": a.last_error,
                        "sent_at": a.sent_at.isoformat() if a.sent_at else None,
                    }
                    for a in acks
                ],
            }
        )

    return router


def _unprocessable(exc: ValidationError) -> JSONResponse:
    errors = [
        {"loc": [str(p) for p in e["loc"]], "msg": e["msg"].removeprefix("Value error, "), "type": e["type"]}
        for e in exc.errors()
    ]
    return JSONResponse(
        {"error": describe_validation_error(exc, whole="body"), "detail": errors}, status_code=422
    )


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {
        "tracking_number": receipt.tracking_number,
        "decision": receipt.decision.model_dump(mode="json") if receipt.decision else None,
        "duplicate": receipt.duplicate,
        "status_query": receipt.status_query,
        "acknowledgement": receipt.ack_text,
    }
