"""The duty officers' desk: sign-in, the queue, a report and its actions, manual entry."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from intake import acks
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
from intake.ports import NewAck, reply_from
from intake.service import REPLYABLE
from routing.directory import body_name
from routing.divisions import load_divisions
from routing.guard import Named, accused_body_problem
from storage.desk import NEEDS_DECISION, QueueFilter, SqlDeskStore, User
from web.auth import (
    check_csrf,
    locked_until,
    verify_password,
    verify_unknown_user,
)
from web.followup import feedback_deadline_for
from web.identity import current_user, desk_store, require, start_session
from web.kept_files import kept_file_response
from web.pages import local_time, render

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
    rt = request.app.state.rt
    pk = await desk_store(request).report_pk(tracking_number.upper(), user.visible(list(rt.inspections)))
    if pk is None:
        raise HTTPException(status_code=404, detail="no such report")
    return pk


def desk_router() -> APIRouter:
    """Routes of the desk pages; every one checks the role on the server."""
    router = APIRouter()

    # --- sign-in -------------------------------------------------------------------------------

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/desk") -> Response:
        return render(request, "login.html", {"next": _safe_next(next), "error": None})

    @router.post("/login")
    async def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/desk",
    ) -> Response:
        check_csrf(request, csrf)
        store = desk_store(request)
        now = _now()
        user = await store.get_user(name.strip())
        error = None
        if user is None:
            verify_unknown_user(password)
            error = "用户名或密码不正确"
        else:
            until = locked_until(user.failures, user.last_failure)
            if until is not None and until > now:
                error = f"连续多次登录失败，账号已锁定，请于{until.astimezone().strftime('%H:%M')}后再试"
            elif user.disabled or not verify_password(user.password_hash, password):
                error = "用户名或密码不正确"
        if error:
            await store.record_sign_in(user, name.strip() or "?", False, _client(request), now)
            return render(request, "login.html", {"next": _safe_next(next), "error": error}, status_code=401)
        assert user is not None
        await store.record_sign_in(user, user.name, True, _client(request), now)
        start_session(request, user)
        return RedirectResponse(_safe_next(next), status_code=303)

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

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
        rt = request.app.state.rt
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
        page = await store.queue(f, cursor=cursor or None)
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
            "filters": params,
            "query": urlencode(params),
            "count": await store.queue_count(f),
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
        detail = await desk_store(request).detail(pk)
        return render(request, "desk/report.html", {"d": detail, "error": request.query_params.get("error")})

    @router.get("/desk/r/{tracking_number}/a/{sha256}")
    async def attachment(request: Request, tracking_number: str, sha256: str, user: Officer) -> Response:
        """An attachment of one of the report's messages, opened by an officer (audited)."""
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        listed = {
            a["sha256"]: a
            for m in await store.report_messages(pk)
            for a in (m.payload or {}).get("attachments", [])
            if isinstance(a, dict) and "sha256" in a
        }
        response = await kept_file_response(request.app.state.rt.settings, listed, sha256)
        await store.audit_action(pk, "attachment.opened", {"sha256": sha256}, actor=user.name, now=_now())
        return response

    @router.post("/desk/r/{tracking_number}/reveal", response_class=HTMLResponse)
    async def reveal_sender(
        request: Request, tracking_number: str, user: Officer, csrf: Annotated[str, Form()] = ""
    ) -> Response:
        """Show the reporter's contact; every view is audited (who, when, from where)."""
        check_csrf(request, csrf)
        pk = await _report_pk(request, user, tracking_number)
        store = desk_store(request)
        await store.audit_action(
            pk, "identity.viewed", {"client": _client(request)}, actor=user.name, now=_now()
        )
        detail = await store.detail(pk)
        return render(request, "desk/report.html", {"d": detail, "revealed": True, "error": None})

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
        detail = await store.detail(pk)
        if detail.report.state not in NEEDS_DECISION:
            return _back(tracking_number, "该件已处理，不能重复确认")
        decision = detail.report.decision
        now = _now()
        if decision.scope is Scope.IN_SCOPE:
            await store.set_decision(
                pk, decision, actor=user.name, state="confirmed", now=now, action="decision.confirmed"
            )
        elif decision.scope is Scope.NO_CONTENT or decision.target is None:
            await store.set_decision(
                pk, decision, actor=user.name, state="archived", now=now, action="decision.confirmed"
            )
        else:
            problem = _guard(decision)
            if problem:
                return _back(tracking_number, problem)
            released = bool(release_identity) and decision.category is Category.ACCUSATION
            if released and user.role not in ("leader", "admin"):
                return _back(tracking_number, "只有组长可以同意在转办单中写明反映人身份")
            entry = await store.directory_entry(decision.target.kind, decision.target.region)
            if entry is not None and entry.name != decision.target.name:
                # The deployment's directory names the body; the default name was only a guess.
                named = decision.target.model_copy(update={"name": entry.name})
                decision = decision.model_copy(update={"target": named})
            await store.set_decision(
                pk, decision, actor=user.name, state="transferred", now=now, action="decision.confirmed"
            )
            transfer = await store.create_transfer(
                pk,
                decision=decision,
                body_email=entry.email if entry else None,
                matter=_matter(detail.messages[0].text if detail.messages else ""),
                identity_released=released,
                # The inspection's feedback period (default 3 months), rolled past holidays.
                deadline=feedback_deadline_for(
                    request.app.state.rt.inspections.get(detail.report.inspection_id), now
                ),
                actor=user.name,
                now=now,
            )
            await _tell_citizen(
                request, detail.report.pk, detail, _transferred_text(tracking_number, decision)
            )
            if transfer.body_email:
                # The form goes to the body by e-mail through the outbox (retried like any message).
                text = transfer_mail_text(transfer, detail.report.tracking_number, request.app.state.rt)
                await store.enqueue_ack(
                    detail.report.pk, NewAck(Channel.EMAIL, transfer.body_email, text, "transfer"), _now()
                )
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
        detail = await store.detail(pk)
        old = detail.report.decision
        try:
            new = _changed(old, category, scope, tier, target_kind, target_region, target_name)
        except ValueError as exc:
            return _back(tracking_number, str(exc))
        problem = _guard(new)
        if problem:
            return _back(tracking_number, problem)
        # A change keeps the state: the officer confirms (or transfers) as a separate step.
        await store.set_decision(
            pk, new, actor=user.name, state=detail.report.state, now=_now(), action="decision.changed"
        )
        return RedirectResponse(f"/desk/r/{tracking_number}", status_code=303)

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
        if name is not None and await store.get_user(name) is None:
            return _back(tracking_number, f"没有名为 {name} 的账号")
        await store.assign(pk, name, actor=user.name, now=_now())
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
        rt = request.app.state.rt
        store = desk_store(request)
        into_pk = await store.report_pk(into.strip().upper(), user.visible(list(rt.inspections)))
        if into_pk is None:
            return _back(tracking_number, f"没有编号为 {into} 的来信")
        try:
            await store.merge(pk, into_pk, actor=user.name, now=_now())
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
        await desk_store(request).add_note(pk, text.strip()[:5000], actor=user.name, now=_now())
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
        detail = await store.detail(pk)
        if not text.strip():
            return _back(tracking_number, "回复内容不能为空")
        if not await _tell_citizen(request, pk, detail, text.strip()[:1000], kind="reply"):
            return _back(tracking_number, "该件没有可回复的渠道（来电、来信、来访或未留联系方式）")
        await store.audit_action(
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
        rt = request.app.state.rt
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
            await desk_store(request).audit_action(
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
        entries = await desk_store(request).recent_audit(
            limit=300, action_prefix=action.strip() or None, actor=actor.strip() or None
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


def transfer_mail_text(transfer: Any, tracking_number: str, rt: Any) -> str:
    """The transfer form as the plain text of an e-mail to the receiving body (no reporter identity)."""
    inspection = rt.inspections.get(transfer.inspection_id)
    team = inspection.team if inspection else transfer.inspection_id
    deadline = local_time(transfer.deadline, "%Y年%m月%d日")
    return (
        f"转办单 {transfer.number}\n\n{transfer.body_name}：\n\n"
        f"根据分级负责、属地管理，谁主管、谁负责的原则，现将来信（编号{tracking_number}）转你单位依规办理，"
        f"请于{deadline}前将办理情况反馈{team}。如有异议，请于收到之日起5个工作日内提出。\n\n"
        f"反映的主要问题：\n{transfer.matter}\n\n{team}"
    )


def _safe_next(target: str) -> str:
    """Only local paths: a sign-in link must not bounce the officer to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/desk"


def _back(tracking_number: str, error: str) -> RedirectResponse:
    return RedirectResponse(f"/desk/r/{tracking_number}?{urlencode({'error': error})}", status_code=303)


def _why(exc: Exception) -> str:
    return describe_validation_error(exc, whole="form") if isinstance(exc, ValidationError) else str(exc)


def _matter(text: str) -> str:
    """The matter as the transfer form states it: the citizen's words, trimmed."""
    text = " ".join(text.split())
    return text if len(text) <= 2000 else text[:2000] + "……"


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
        division = load_divisions().get(region)
        if division is None:
            raise ValueError(f"地区代码 {region} 不在行政区划表中")
        region = division.code
        same = old.target is not None and old.target.kind == kind and old.target.region == region
        name = name.strip() or (old.target.name if same and old.target else body_name(kind, region))
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
            "reasons": [*old.reasons, "changed by the duty officer"],
            "grounds": [*old.grounds, Reason(code="officer_changed")],
        }
    )


def _transferred_text(tracking_number: str, decision: Decision) -> str:
    assert decision.target is not None
    body = acks.receiving_body_phrase(decision.target, decision.category)
    return f"您反映的事项（编号{tracking_number}）已按规定转{body}办理。"


async def _tell_citizen(
    request: Request, report_pk: int, detail: Any, text: str, kind: str = "transferred"
) -> bool:
    """Queue a message to the citizen on the channel the report came in on, if it can be answered."""
    first = detail.messages[0] if detail.messages else None
    if first is None or first.channel not in REPLYABLE or not first.sender:
        return False
    store: SqlDeskStore = desk_store(request)
    ack = NewAck(first.channel, first.sender, text, kind, reply_from(first))
    await store.enqueue_ack(report_pk, ack, _now())
    return True


async def signed_in(request: Request) -> User | None:
    """The signed-in account, for pages that show something either way."""
    return await current_user(request)
