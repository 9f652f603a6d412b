"""The duty officers' desk: the queue, a report and its actions, manual entry (sign-in: web.signin)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from intake.accounts import User
from intake.models import (
    Category,
    Channel,
    Decision,
    Reason,
    Scope,
    Subject,
    SubmittedMessage,
    Target,
    Tier,
    describe_validation_error,
)
from intake.pipeline import decide
from routing.directory import body_name
from routing.divisions import load_divisions
from routing.guard import Named, accused_body_problem
from storage.desk import NEEDS_DECISION, QueueFilter
from storage.messages import unmasked
from web.auth import check_csrf, has_role
from web.desk_calls import call_context
from web.identity import desk_store, require
from web.kept_files import kept_file_response
from web.pages import render
from web.runtime import runtime
from web.transfers import (
    announce,
    change_transferred_decision,
    deadline_for,
    matter_of,
    named_by_directory,
    tell_citizen,
)

log = logging.getLogger(__name__)

Officer = Annotated[User, Depends(require("officer"))]
Leader = Annotated[User, Depends(require("leader"))]


STATE_FILTERS: dict[str, tuple[str, ...]] = {
    "needs": NEEDS_DECISION,
    "all": (),
    "confirmed": ("confirmed",),
    "transferred": ("transferred",),
    "feedback_received": ("feedback_received",),
    "closed": ("closed",),
    "merged": ("merged",),
    "archived": ("archived",),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _report_pk(request: Request, user: User, tracking_number: str) -> int:
    """The report's key, if this user may see it; 404 otherwise (never 403: no hint it exists)."""
    rt = runtime(request)
    pk = await desk_store(request).desk.report_pk(tracking_number.upper(), user.visible(list(rt.inspections)))
    if pk is None:
        raise HTTPException(status_code=404, detail="no such report")
    return pk


def desk_router() -> APIRouter:
    """Routes of the desk pages; every one checks the role on the server."""
    router = APIRouter()

    # --- the queue -----------------------------------------------------------------------------

    @router.get("/desk", response_class=HTMLResponse)
    async def queue(
        request: Request,
        user: Officer,
        state: str = "needs",
        scope: str = "",
        category: str = "",
        channel: str = "",
        low: str = "",
        mine: str = "",
        overdue: str = "",
        q: str = "",
        sort: str = "priority",
        cursor: str = "",
    ) -> Response:
        rt = runtime(request)
        visible = user.visible(list(rt.inspections))
        f = QueueFilter(
            inspection_ids=visible,
            states=STATE_FILTERS.get(state, NEEDS_DECISION),
            scope=scope or None,
            category=category or None,
            channel=channel or None,
            low_confidence=bool(low),
            assignee=user.name if mine else None,
            overdue_before=_now() if overdue else None,
            text=q.strip()[:100] or None,
            sort=sort if sort in ("priority", "newest", "oldest", "confidence") else "priority",  # type: ignore[arg-type]
        )
        store = desk_store(request)
        page = await store.desk.queue(f, cursor=cursor or None)
        params = {
            k: v
            for k, v in dict(
                state=state,
                scope=scope,
                category=category,
                channel=channel,
                low=low,
                mine=mine,
                overdue=overdue,
                q=q,
                sort=sort,
            ).items()
            if v
        }
        ctx: dict[str, Any] = {
            "page": page,
            # Decrypted for this page only; contacts in the text are masked at rest (intake/contacts).
            "texts": await store.desk.first_texts([r.pk for r in page.rows]),
            "filters": params,
            "query": urlencode(params),
            "count": await store.desk.queue_count(f),
            "first_page": not cursor,
            "poll": rt.settings.desk_poll_seconds,
        }
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "queue-live":
            return render(request, "desk/_live.html", ctx)
        return render(request, "desk/queue.html", ctx)

    # --- one report ----------------------------------------------------------------------------

    @router.get("/desk/r/{tracking_number}", response_class=HTMLResponse)
    async def report_page(request: Request, tracking_number: str, user: Officer) -> Response:
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        detail = await store.desk.detail(pk)
        ctx = {"d": detail, "error": request.query_params.get("error"), **await call_context(store, detail)}
        return render(request, "desk/report.html", ctx)

    @router.get("/desk/r/{tracking_number}/a/{sha256}")
    async def attachment(request: Request, tracking_number: str, sha256: str, user: Officer) -> Response:
        """An attachment of one of the report's messages, opened by an officer (audited)."""
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        listed = {
            a["sha256"]: a
            for m in await store.messages.report_messages(pk)
            for a in (m.payload or {}).get("attachments", [])
            if isinstance(a, dict) and "sha256" in a
        }
        response = await kept_file_response(runtime(request).settings, listed, sha256)
        await store.desk.audit_action(
            pk, "attachment.opened", {"sha256": sha256}, actor=user.name, now=_now()
        )
        return response

    @router.post("/desk/r/{tracking_number}/reveal", response_class=HTMLResponse)
    async def reveal_sender(
        request: Request, tracking_number: str, user: Officer, csrf: Annotated[str, Form()] = ""
    ) -> Response:
        """Show the reporter's contact; every view is audited (who, when, from where)."""
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        await store.desk.audit_action(
            pk, "identity.viewed", {"client": _client(request)}, actor=user.name, now=_now()
        )
        detail = await store.desk.detail(pk)
        # Contact details the citizen typed into the text are shown only here, with the sender.
        shown = {m.pk: unmasked(m) for m in detail.messages}
        ctx = {
            "d": detail,
            "revealed": True,
            "shown": shown,
            "error": None,
            **await call_context(store, detail),
        }
        return render(request, "desk/report.html", ctx)

    @router.post("/desk/r/{tracking_number}/confirm")
    async def confirm(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        release_identity: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        detail = await store.desk.detail(pk)
        if detail.report.state not in NEEDS_DECISION:
            return _back(tracking_number, "该件已处理，不能重复确认")
        if (await call_context(store, detail))["needs_summary"]:
            # A call's placeholder decision says nothing: it must not be confirmed (or archived) unheard.
            return _back(tracking_number, "请先整理来电内容，再作判断")
        decision = detail.report.decision
        now = _now()
        if decision.scope is Scope.IN_SCOPE:
            await store.desk.set_decision(
                pk, decision, actor=user.name, state="confirmed", now=now, action="decision.confirmed"
            )
        elif decision.scope is Scope.NO_CONTENT or decision.target is None:
            await store.desk.set_decision(
                pk, decision, actor=user.name, state="archived", now=now, action="decision.confirmed"
            )
        else:
            problem = _guard(decision)
            if problem:
                return _back(tracking_number, problem)
            # Only a leader may release; the store records it only on a form that protects the
            # reporter (an item that was ever an accusation).
            released = bool(release_identity)
            if released and not has_role(user.role, "leader"):
                return _back(tracking_number, "只有组长可以同意在转办单中写明反映人身份")
            decision, email = await named_by_directory(store, decision)
            await store.desk.set_decision(
                pk, decision, actor=user.name, state="transferred", now=now, action="decision.confirmed"
            )
            transfer = await store.transfers.create_transfer(
                pk,
                decision=decision,
                body_email=email,
                matter=matter_of(detail),
                identity_released=released,
                deadline=deadline_for(request, detail, now),
                actor=user.name,
                now=now,
            )
            await announce(request, detail, transfer, decision)
            return RedirectResponse(f"/desk/t/{transfer.number}", status_code=303)
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    @router.post("/desk/r/{tracking_number}/decision")
    async def change_decision(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        category: Annotated[str, Form()] = "",
        scope: Annotated[str, Form()] = "",
        tier: Annotated[str, Form()] = "",
        target_kind: Annotated[str, Form()] = "",
        target_region: Annotated[str, Form()] = "",
        target_name: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        detail = await store.desk.detail(pk)
        if detail.report.state not in NEEDS_DECISION and not has_role(user.role, "leader"):
            # A confirmed, transferred or closed item is changed only by a leader (and audited).
            return _back(tracking_number, "该件已确认处理，修改处理意见须由组长进行")
        old = detail.report.decision
        try:
            new = _changed(old, category, scope, tier, target_kind, target_region, target_name)
        except ValueError as exc:
            return _back(tracking_number, str(exc), region=target_region, name=target_name)
        problem = _guard(new)
        if problem:
            return _back(tracking_number, problem)
        if await store.transfers.live_transfers(pk):
            # The form already went out: its change is a new form with a new number (audited).
            location = await change_transferred_decision(request, user, detail, new)
            return RedirectResponse(location, status_code=303)
        # A change keeps the state: the officer confirms (or transfers) as a separate step.
        await store.desk.set_decision(
            pk, new, actor=user.name, state=detail.report.state, now=_now(), action="decision.changed"
        )
        return RedirectResponse(f"/desk/r/{tracking_number}?saved=1", status_code=303)

    @router.post("/desk/r/{tracking_number}/assign")
    async def assign(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        assignee: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        name = assignee.strip() or None
        if name is not None and await store.users.get_user(name) is None:
            return _back(tracking_number, f"没有名为 {name} 的账号")
        await store.desk.assign(pk, name, actor=user.name, now=_now())
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    @router.post("/desk/r/{tracking_number}/merge")
    async def merge(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        into: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        rt = runtime(request)
        store = desk_store(request)
        into_pk = await store.desk.report_pk(into.strip().upper(), user.visible(list(rt.inspections)))
        if into_pk is None:
            return _back(tracking_number, f"没有编号为 {into} 的来信")
        try:
            await store.desk.merge(pk, into_pk, actor=user.name, now=_now())
        except ValueError as exc:
            return _back(tracking_number, str(exc))
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    @router.post("/desk/r/{tracking_number}/note")
    async def note(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        if not text.strip():
            return _back(tracking_number, "备注不能为空")
        await desk_store(request).desk.add_note(pk, text.strip()[:5000], actor=user.name, now=_now())
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    @router.post("/desk/r/{tracking_number}/reply")
    async def reply(
        request: Request,
        tracking_number: str,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        detail = await store.desk.detail(pk)
        if not text.strip():
            return _back(tracking_number, "回复内容不能为空")
        if not await tell_citizen(request, pk, detail, text.strip()[:1000], kind="reply"):
            return _back(tracking_number, "该件没有可回复的渠道（来电、来信、来访或未留联系方式）")
        await store.desk.audit_action(
            pk, "reply.queued", {"chars": len(text.strip())}, actor=user.name, now=_now()
        )
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

    # --- manual entry (来电、来信、来访) --------------------------------------------------------

    @router.get("/desk/entry", response_class=HTMLResponse)
    async def entry_page(request: Request, user: Officer) -> Response:
        return render(request, "desk/entry.html", {"form": {}, "decision": None, "error": None})

    @router.post("/desk/entry", response_class=HTMLResponse)
    async def entry(
        request: Request,
        user: Officer,
        csrf: Annotated[str, Form()] = "",
        action: Annotated[str, Form()] = "preview",
        inspection: Annotated[str, Form()] = "",
        channel: Annotated[str, Form()] = "phone",
        received_at: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
        contact: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        entry_id: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        rt = runtime(request)
        form = {
            "inspection": inspection,
            "channel": channel,
            "received_at": received_at,
            "text": text,
            "contact": contact,
            "name": name,
            "entry_id": entry_id or f"desk-{uuid.uuid4()}",
        }
        ins_id = inspection or next(iter(user.visible(list(rt.inspections))), "")
        if not user.may_see(ins_id) or ins_id not in rt.inspections:
            raise HTTPException(status_code=404, detail="no such inspection")
        try:
            when = (
                datetime.fromisoformat(received_at).replace(tzinfo=rt.inspections[ins_id].tz)
                if received_at
                else _now()
            )
            msg = SubmittedMessage(
                id=form["entry_id"],
                text=text,
                channel=Channel(channel),
                received_at=when,
                sender=contact.strip() or None,
            )
        except (ValidationError, ValueError) as exc:
            return render(
                request, "desk/entry.html", {"form": form, "decision": None, "error": _why(exc)}, 422
            )
        if action != "save":
            decision = decide(msg, rt.inspections[ins_id])
            return render(request, "desk/entry.html", {"form": form, "decision": decision, "error": None})
        payload = {"entered_by": user.name, "real_name": name.strip() or None}
        receipt = await rt.service.accept(msg, inspection_id=ins_id, payload=payload)
        if receipt.tracking_number:
            pk = await _report_pk(request, user, receipt.tracking_number)
            await desk_store(request).desk.audit_action(
                pk, "report.entered", {"channel": channel}, actor=user.name, now=_now()
            )
            return RedirectResponse(f"/desk/r/{receipt.tracking_number}?entered=1", status_code=303)
        return render(request, "desk/entry.html", {"form": form, "decision": None, "error": "未能登记"}, 422)

    @router.get("/desk/regions", response_class=HTMLResponse)
    async def regions(request: Request, user: Officer, target_region: str = "") -> Response:
        """Divisions matching what the officer typed, as <option>s for the target field."""
        return render(request, "desk/_regions.html", {"found": find_regions(target_region)})

    # --- the audit log (leaders) ---------------------------------------------------------------

    @router.get("/desk/audit", response_class=HTMLResponse)
    async def audit_page(request: Request, user: Leader, action: str = "", actor: str = "") -> Response:
        entries = await desk_store(request).desk.recent_audit(
            limit=300,
            action_prefix=action.strip() or None,
            actor=actor.strip() or None,
            # A leader limited to some inspections reads only what concerns them.
            scope=user.audit_scope(list(runtime(request).inspections)),
        )
        return render(request, "desk/audit.html", {"entries": entries, "action": action, "actor": actor})

    return router


def find_regions(query: str, limit: int = 15) -> list[tuple[str, str]]:
    """(code, full name) of divisions whose code starts with, or whose name contains, the query."""
    query = query.strip()
    if not query:
        return []
    divisions = load_divisions()
    found = []
    for d in divisions:
        if d.code.startswith(query) or query in d.name or (d.short and query in d.short):
            found.append((d.code, divisions.full_name(d.code)))
            if len(found) >= limit:
                break
    return found


def _resolve_region(text: str) -> str:
    """A region code from a code or a name (兰考县, 开封市, 祥符区); ValueError offers the matches."""
    divisions = load_divisions()
    division = divisions.get(text)
    if division is not None:
        return division.code
    named = divisions.by_name(text)
    if len(named) == 1:
        return named[0].code
    found = [(d.code, divisions.full_name(d.code)) for d in named] if named else find_regions(text, 6)
    if not found:
        raise ValueError(f"找不到地区“{text}”，请输入行政区划名称或代码")
    choices = "、".join(f"{full}（{code}）" for code, full in found)
    raise ValueError(f"地区“{text}”不唯一，请从中选择：{choices}")


def _back(tracking_number: str, error: str, **typed: str) -> RedirectResponse:
    """Back to the report with the error; what the officer typed is kept in the form."""
    query = urlencode({"error": error, **{k: v for k, v in typed.items() if v}})
    return RedirectResponse(f"/desk/r/{tracking_number}?{query}", status_code=303)


def _why(exc: Exception) -> str:
    return describe_validation_error(exc, whole="form") if isinstance(exc, ValidationError) else str(exc)


def _guard(decision: Decision) -> str | None:
    if decision.target is None:
        return None
    subject = decision.subject
    return accused_body_problem(
        category=decision.category.value,
        subject_post=subject.post if subject else None,
        subject_unit=subject.unit if subject else None,
        subject_region=decision.region,
        target_kind=decision.target.kind,
        target_region=decision.target.region,
        target_name=decision.target.name,
        named=[Named(o.post, o.unit, tuple(o.bars)) for o in decision.officials],
    )


def _changed(
    old: Decision, category: str, scope: str, tier: str, kind: str, region: str, name: str
) -> Decision:
    """The officer's changed decision; ValueError names what is wrong."""
    new_category = Category(category) if category else old.category
    new_scope = Scope(scope) if scope else old.scope
    subject = old.subject or Subject()
    if tier:
        subject = subject.model_copy(update={"tier": None if tier == "none" else Tier(tier)})
    target = old.target
    if new_scope is Scope.OUT_OF_SCOPE:
        kind = kind or (old.target.kind if old.target else "")
        region = region.strip() or (old.target.region if old.target else "")
        if not kind or not region:
            raise ValueError("转办需要选择承办单位（类别和地区）")
        region = _resolve_region(region)
        same = old.target is not None and old.target.kind == kind and old.target.region == region
        # An inspected unit is named by the inspection, not by its region: a new region keeps it.
        unit = old.target is not None and old.target.kind == kind == "inspected_unit"
        keep = (same or unit) and old.target is not None
        name = name.strip() or (old.target.name if keep and old.target else body_name(kind, region))
        target = Target(kind=kind, region=region, name=name)
    else:
        target = None
    return old.model_copy(
        update={
            "category": new_category,
            "scope": new_scope,
            "subject": subject,
            "target": target,
            "confidence": 1.0,
            # The machine's grounds argued for its own suggestion; only those about the text itself
            # (who is named, where) still hold. Its suggestion stays in the history (系统原建议).
            "reasons": ["changed by the duty officer"],
            "grounds": [
                Reason(code="officer_changed"),
                *(g for g in old.grounds if g.code in _FACT_GROUNDS),
            ],
        }
    )


# Grounds that describe the message rather than argue for the machine's suggestion.
_FACT_GROUNDS = frozenset({"subject", "subject_none", "region", "ambiguous_place", "long_text", "model"})
