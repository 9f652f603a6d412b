"""Following a transfer to its end on the desk: the body's replies, documents, closing, the digest.

Routes: `/desk/t/{number}/feedback` (the transfer's follow-up page and its form), the documents
kept with a reply, `/desk/r/{tracking_number}/close` (an item the team handled itself) and
`/desk/digest`. Times come from the runtime's clock, so tests can stand on any day.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from intake.deadlines import feedback_deadline, objection_deadline
from intake.inspection import Inspection
from intake.ports import NewAck, RawMessage, reply_from
from intake.service import REPLYABLE
from storage.desk import User
from storage.followup import FeedbackKind, FeedbackRefused, FollowupStore
from web.digest import Digest, build_digest, digest_text
from web.identity import require
from web.kept_files import kept_file_response
from web.pages import render
from web.runtime import Runtime, runtime

Officer = Annotated[User, Depends(require("officer"))]

MAX_DOCUMENT_BYTES: Final = 20 * 1024 * 1024
MAX_DOCUMENTS: Final = 10
FEEDBACK_WORDS: Final = {
    "accepted": "承办单位已接收",
    "objected": "承办单位有异议，退回",
    "handled": "承办单位反馈办理结果",
    "closed": "审核办结",
    "mail": "承办单位来函（邮件）",
}
TRANSFER_STATE_WORDS: Final = {
    "open": "办理中",
    "feedback_received": "已反馈",
    "returned": "已退回",
    "closed": "已办结",
}


def followup_store(request: Request) -> FollowupStore:
    """The runtime's store, which must be the follow-up store."""
    store = runtime(request).store
    if not isinstance(store, FollowupStore):
        raise HTTPException(status_code=503, detail="follow-up needs the SQL follow-up store")
    return store


def now_of(request: Request) -> datetime:
    """The runtime clock's now (tests inject a clock)."""
    moment: datetime = runtime(request).service.clock.now()
    return moment


def inspection_of(request: Request, inspection_id: str) -> Inspection | None:
    """The served inspection with this id, if any."""
    found: Inspection | None = runtime(request).inspections.get(inspection_id)
    return found


def closing_text(tracking_number: str) -> str:
    """What the citizen is told when the item is closed: the number and the fact, no content."""
    return f"您反映的事项（编号{tracking_number}）已办理完毕。感谢您对巡视巡察工作的支持。"


async def tell_citizen_closed(
    store: FollowupStore, report_pk: int, tracking_number: str, now: datetime
) -> bool:
    """Queue the closing message on the channel the report came in on, if the citizen can be answered."""
    first = next(iter(await store.report_messages(report_pk)), None)
    if first is None or first.channel not in REPLYABLE or not first.sender:
        return False
    ack = NewAck(first.channel, first.sender, closing_text(tracking_number), "closed", reply_from(first))
    await store.enqueue_ack(report_pk, ack, now)
    return True


def _write_once(path: Path, data: bytes) -> None:
    """Write a content-addressed file durably; the same content twice is written once."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


async def keep_document(
    store: FollowupStore, data_dir: Path, name: str, content_type: str, data: bytes
) -> dict[str, Any]:
    """Keep an uploaded document in the data dir under its SHA-256, sealed when the store seals."""
    digest = hashlib.sha256(data).hexdigest()
    await asyncio.to_thread(_write_once, data_dir / "attachments" / digest, store.seal_document(data))
    return {"filename": name[:200], "content_type": content_type[:100], "size": len(data), "sha256": digest}


def followup_router() -> APIRouter:
    """Routes of transfer follow-up and the digest; every one checks the role on the server."""
    router = APIRouter()

    async def _transfer(request: Request, user: User, number: str) -> Any:
        rt = runtime(request)
        found = await followup_store(request).followed_transfer(
            number.upper(), user.visible(list(rt.inspections))
        )
        if found is None:
            raise HTTPException(status_code=404, detail="no such transfer")
        return found

    @router.get("/desk/t/{number}/feedback", response_class=HTMLResponse)
    async def feedback_page(request: Request, number: str, user: Officer) -> Response:
        found = await _transfer(request, user, number)
        t = found.transfer
        inspection = inspection_of(request, t.inspection_id)
        tz = inspection.tz if inspection else None
        events = await followup_store(request).transfer_events(t.pk)
        ctx = {
            "f": found,
            "t": t,
            "events": events,
            "objection_until": objection_deadline(t.created_at, tz) if tz else None,
            "now": now_of(request),
            "FEEDBACK_WORDS": FEEDBACK_WORDS,
            "TRANSFER_STATE_WORDS": TRANSFER_STATE_WORDS,
            "error": request.query_params.get("error"),
        }
        return render(request, "desk/feedback.html", ctx)

    @router.post("/desk/t/{number}/feedback")
    async def record_feedback(
        request: Request,
        number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        kind: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
        documents: Annotated[list[UploadFile] | None, File()] = None,
    ) -> Response:
        from web.auth import check_csrf

        check_csrf(request, csrf)
        found = await _transfer(request, user, number)
        t = found.transfer
        store = followup_store(request)
        back = f"/desk/t/{t.number}/feedback"
        if kind not in ("accepted", "objected", "handled", "closed"):
            return RedirectResponse(f"{back}?{urlencode({'error': '请选择反馈类型'})}", status_code=303)
        if kind == "handled" and not text.strip():
            return RedirectResponse(f"{back}?{urlencode({'error': '请填写办理结果'})}", status_code=303)
        uploads = [d for d in documents or [] if d.filename]
        if len(uploads) > MAX_DOCUMENTS:
            return RedirectResponse(f"{back}?{urlencode({'error': '附件过多'})}", status_code=303)
        data_dir: Path = runtime(request).settings.data_dir
        kept = []
        for upload in uploads:
            data = await upload.read(MAX_DOCUMENT_BYTES + 1)
            if len(data) > MAX_DOCUMENT_BYTES:
                return RedirectResponse(f"{back}?{urlencode({'error': '附件超过20MB'})}", status_code=303)
            kept.append(
                await keep_document(
                    store,
                    data_dir,
                    upload.filename or "document",
                    upload.content_type or "application/octet-stream",
                    data,
                )
            )
        now = now_of(request)
        try:
            outcome = await store.record_feedback(
                t.pk,
                cast(FeedbackKind, kind),
                text=text.strip()[:5000] or None,
                documents=kept,
                actor=user.name,
                now=now,
            )
        except FeedbackRefused as exc:
            return RedirectResponse(f"{back}?{urlencode({'error': str(exc)})}", status_code=303)
        if outcome.report_closed:
            await tell_citizen_closed(store, t.report_id, found.tracking_number, now)
        if kind == "objected":
            # Returned: the report is back in the queue; the officer decides again from its page.
            return RedirectResponse(f"/desk/r/{found.tracking_number}", status_code=303)
        return RedirectResponse(back, status_code=303)

    @router.get("/desk/t/{number}/doc/{sha256}")
    async def document(request: Request, number: str, sha256: str, user: Officer) -> Response:
        """A document kept with one of the transfer's replies (audited)."""
        found = await _transfer(request, user, number)
        store = followup_store(request)
        listed = {
            d["sha256"]: d
            for e in await store.transfer_events(found.transfer.pk)
            for d in e.documents
            if isinstance(d, dict) and "sha256" in d
        }
        response = await kept_file_response(runtime(request).settings, listed, sha256)
        await store.audit_action(
            found.transfer.report_id,
            "transfer.document_opened",
            {"sha256": sha256},
            actor=user.name,
            now=now_of(request),
        )
        return response

    @router.post("/desk/r/{tracking_number}/close")
    async def close_report(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        result: Annotated[str, Form()] = "",
    ) -> Response:
        """Close an item the team handled itself (accepted in scope, or with every transfer finished)."""
        from web.auth import check_csrf

        check_csrf(request, csrf)
        rt = runtime(request)
        store = followup_store(request)
        pk = await store.report_pk(tracking_number.upper(), user.visible(list(rt.inspections)))
        if pk is None:
            raise HTTPException(status_code=404, detail="no such report")
        detail = await store.detail(pk)
        if detail.report.state not in ("confirmed", "feedback_received"):
            msg = "只有已受理或已反馈的来信可以办结" if detail.report.state != "closed" else "该件已办结"
            return RedirectResponse(f"/desk/r/{tracking_number}?{urlencode({'error': msg})}", status_code=303)
        if any(t.state not in ("closed", "returned") for t in detail.transfers):
            msg = "还有未办结的转办单，请在转办单页面审核办结"
            return RedirectResponse(f"/desk/r/{tracking_number}?{urlencode({'error': msg})}", status_code=303)
        now = now_of(request)
        await store.close_report(pk, actor=user.name, now=now, result=result.strip()[:5000] or None)
        await tell_citizen_closed(store, pk, detail.report.tracking_number, now)
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    @router.get("/desk/digest", response_class=HTMLResponse)
    async def digest_page(request: Request, user: Officer, brief: str = "") -> Response:
        digest = await digest_for(
            runtime(request), user.visible(list(runtime(request).inspections)), now_of(request)
        )
        # `brief`: the one-line summary the queue page loads into its heading.
        return render(request, "desk/_digest_brief.html" if brief else "desk/digest.html", {"digest": digest})

    return router


async def digest_for(rt: Runtime, inspection_ids: tuple[str, ...], now: datetime) -> Digest:
    """The digest of these inspections at `now`, from the runtime's store."""
    store = rt.store
    if not isinstance(store, FollowupStore):
        raise TypeError("the digest needs the follow-up store")
    return build_digest(
        now=now,
        inspections=rt.inspections,
        transfers=await store.open_transfers(inspection_ids),
        pending=await store.pending_decisions(inspection_ids),
        failed=await store.failed_acks(inspection_ids),
    )


async def send_digests(
    rt: Runtime, now: datetime, inspection_ids: Sequence[str] | None = None
) -> list[tuple[str, str | None, int]]:
    """Queue each inspection's digest to its team address; (inspection, address or None, items)."""
    from intake.models import Channel

    sent: list[tuple[str, str | None, int]] = []
    for ins_id in inspection_ids or list(rt.inspections):
        inspection = rt.inspections[ins_id]
        digest = await digest_for(rt, (ins_id,), now)
        count = sum(len(items) for _, items in digest.sections())
        address = next(iter(inspection.channels.email), None)
        if address is not None:
            text = digest_text(digest, inspection.team, rt.settings.public_url)
            await rt.store.enqueue_ack(None, NewAck(Channel.EMAIL, address, text, "digest"), now)
            await rt.store.audit(
                actor="system",
                action="digest.queued",
                report_id=None,
                detail={"inspection": ins_id, "items": count},
                now=now,
            )
        sent.append((ins_id, address, count))
    return sent


def feedback_deadline_for(inspection: Inspection | None, now: datetime) -> datetime:
    """The feedback deadline of a transfer made at `now` under the inspection's setting."""
    if inspection is None:
        from zoneinfo import ZoneInfo

        return feedback_deadline(now, ZoneInfo("Asia/Shanghai"))
    return feedback_deadline(now, inspection.tz, inspection.transfer.feedback_months)


def transfer_reply_handler(rt: Runtime) -> Callable[[str, RawMessage, list[dict[str, Any]]], Awaitable[bool]]:
    """The mail intake's hook: a reply mail naming a transfer (ZB number) is attached to it."""

    async def attach(number: str, raw: RawMessage, attachments: list[dict[str, Any]]) -> bool:
        store = rt.store
        if not isinstance(store, FollowupStore):
            return False
        found = await store.followed_transfer(number, list(rt.inspections))
        if found is None:
            return False
        t = found.transfer
        # Anyone can write a subject; the officer sees whether the sender is the body's known address.
        known = bool(t.body_email) and (raw.sender or "").lower() == (t.body_email or "").lower()
        origin = "来自承办单位登记的邮箱" if known else "发件地址与承办单位登记的邮箱不同，请核实"
        text = f"[{origin}] {raw.subject or ''}\n{raw.text}".strip()
        await store.record_feedback(
            t.pk,
            "mail",
            text=text[:20000],
            documents=[a for a in attachments if isinstance(a, dict) and "sha256" in a],
            actor="channel:email",
            now=rt.service.clock.now(),
            message_id=raw.pk,
        )
        return True

    return attach
