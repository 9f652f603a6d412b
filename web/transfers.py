"""Issuing transfer forms from the desk: on confirmation, and again when a leader changes the
decision of a transferred report (the old form is withdrawn, a new one gets a new number). The
citizen is told where the item went; the form is mailed to the body when the directory has its
address. Whether a form names the reporter is settled by the store when it is issued
(storage/transfers.py), never from the report's current category.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from intake import citizen_texts
from intake.accounts import User
from intake.models import Channel, Decision
from intake.ports import NewAck, reply_from
from intake.service import REPLYABLE
from intake.transfers import Transfer
from storage.desk import ReportDetail
from storage.stores import Stores
from web.followup import feedback_deadline_for
from web.identity import desk_store
from web.labels import cn_date
from web.runtime import Runtime, runtime


def _now() -> datetime:
    return datetime.now(UTC)


def matter_of(detail: ReportDetail) -> str:
    """The matter as the transfer form states it: the citizen's words (contacts masked), trimmed."""
    text = " ".join((detail.messages[0].text if detail.messages else "").split())
    return text if len(text) <= 2000 else text[:2000] + "……"


def transfer_mail_text(transfer: Transfer, tracking_number: str, rt: Runtime) -> str:
    """The transfer form as the plain text of an e-mail to the receiving body (no reporter identity)."""
    inspection = rt.inspections.get(transfer.inspection_id)
    team = inspection.team if inspection else transfer.inspection_id
    deadline = cn_date(transfer.deadline)
    return (
        f"转办单 {transfer.number}\n\n{transfer.body_name}：\n\n"
        f"根据分级负责、属地管理，谁主管、谁负责的原则，现将来信（编号{tracking_number}）转你单位依规办理，"
        f"请于{deadline}前将办理情况反馈{team}。如有异议，请于收到之日起5个工作日内提出。\n\n"
        f"反映的主要问题：\n{transfer.matter}\n\n{team}"
    )


def transferred_text(tracking_number: str, decision: Decision) -> str:
    assert decision.target is not None
    body = citizen_texts.receiving_body_phrase(decision.target, decision.category)
    return f"您反映的事项（编号{tracking_number}）已按规定转{body}办理。"


async def tell_citizen(
    request: Request, report_pk: int, detail: ReportDetail, text: str, kind: str = "transferred"
) -> bool:
    """Queue a message to the citizen on the channel the report came in on, if it can be answered."""
    first = detail.messages[0] if detail.messages else None
    if first is None or first.channel not in REPLYABLE or not first.sender:
        return False
    ack = NewAck(first.channel, first.sender, text, kind, reply_from(first))
    await desk_store(request).outbox.enqueue_ack(report_pk, ack, _now())
    return True


async def named_by_directory(store: Stores, decision: Decision) -> tuple[Decision, str | None]:
    """The decision with the body as the deployment's directory names it, and the body's address."""
    if decision.target is None:
        return decision, None
    entry = await store.desk.directory_entry(decision.target.kind, decision.target.region)
    if entry is None:
        return decision, None
    if entry.name != decision.target.name:
        # The directory names the body; the default name was only a guess.
        decision = decision.model_copy(
            update={"target": decision.target.model_copy(update={"name": entry.name})}
        )
    return decision, entry.email


def deadline_for(request: Request, detail: ReportDetail, now: datetime) -> datetime:
    """The inspection's feedback period (default 3 months), rolled past holidays."""
    return feedback_deadline_for(runtime(request).inspections.get(detail.report.inspection_id), now)


async def announce(request: Request, detail: ReportDetail, transfer: Transfer, decision: Decision) -> None:
    """Tell the citizen where the item went, and mail the form to the body when it has an address
    (through the outbox, retried like any message)."""
    number = detail.report.tracking_number
    await tell_citizen(request, detail.report.pk, detail, transferred_text(number, decision))
    if transfer.body_email:
        text = transfer_mail_text(transfer, number, runtime(request))
        await desk_store(request).outbox.enqueue_ack(
            detail.report.pk, NewAck(Channel.EMAIL, transfer.body_email, text, "transfer"), _now()
        )


async def change_transferred_decision(
    request: Request, user: User, detail: ReportDetail, new: Decision
) -> str:
    """A leader's change of a transferred report's decision: the live forms are withdrawn and, for
    a transfer, a new form is issued and announced. Returns where to go next."""
    store = desk_store(request)
    decision, email = await named_by_directory(store, new)
    now = _now()
    _withdrawn, issued = await store.transfers.change_transferred(
        detail.report.pk,
        decision,
        body_email=email,
        matter=matter_of(detail),
        deadline=deadline_for(request, detail, now),
        actor=user.name,
        now=now,
    )
    if issued is None:
        return f"/desk/r/{detail.report.tracking_number}"
    await announce(request, detail, issued, decision)
    return f"/desk/t/{issued.number}"
