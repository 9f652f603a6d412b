"""The daily digest (每日提醒): what is late or nearly due, what waits for a decision, what failed.

`build_digest` is a pure function of the store's rows, the inspections' time zones, the working-day
calendar and `now`; the desk page, the e-mail and `petition digest` all show what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from intake.deadlines import (
    WorkCalendar,
    decision_deadline,
    default_calendar,
    due_within,
    local_day,
    notice_deadline,
    working_days_late,
)
from intake.inspection import Inspection
from intake.ledger import FailedAck, Pending
from intake.transfers import FollowedTransfer

_BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One line of the digest: which item, what is wrong, by when."""

    tracking_number: str
    what: str
    deadline: datetime | None = None
    late_days: int = 0
    link: str = ""


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest's sections, each a list of items, and the years counted Monday to Friday."""

    now: datetime
    overdue: list[DigestItem] = field(default_factory=list)
    due_soon: list[DigestItem] = field(default_factory=list)
    awaiting_close: list[DigestItem] = field(default_factory=list)
    undecided: list[DigestItem] = field(default_factory=list)
    notice: list[DigestItem] = field(default_factory=list)
    failed: list[DigestItem] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is nothing to follow up."""
        return not (
            self.overdue
            or self.due_soon
            or self.awaiting_close
            or self.undecided
            or self.notice
            or self.failed
        )

    def sections(self) -> list[tuple[str, list[DigestItem]]]:
        """(heading, items) in the order officers read them."""
        return [
            ("转办逾期未反馈", self.overdue),
            ("3个工作日内到期", self.due_soon),
            ("已反馈待办结", self.awaiting_close),
            ("超过1个工作日未处理", self.undecided),
            ("实名来信15日内告知受理情况", self.notice),
            ("回复发送失败", self.failed),
        ]


def _tz(inspections: Mapping[str, Inspection], inspection_id: str) -> ZoneInfo:
    found = inspections.get(inspection_id)
    return found.tz if found else _BEIJING


def build_digest(
    *,
    now: datetime,
    inspections: Mapping[str, Inspection],
    transfers: Sequence[FollowedTransfer],
    pending: Sequence[Pending],
    failed: Sequence[FailedAck],
    cal: WorkCalendar | None = None,
) -> Digest:
    """Sort the open work into the digest's sections at `now`."""
    cal = cal or default_calendar()
    digest = Digest(now=now)
    days = [local_day(now, _BEIJING)]
    for f in transfers:
        t = f.transfer
        tz = _tz(inspections, t.inspection_id)
        days.append(local_day(t.deadline, tz))
        link = f"/desk/t/{t.number}/feedback"
        if t.state == "feedback_received":
            digest.awaiting_close.append(
                DigestItem(f.tracking_number, f"{t.number} {t.body_name} 已反馈，待审核办结", None, 0, link)
            )
        elif t.deadline < now:
            late = working_days_late(t.deadline, now, tz, cal)
            digest.overdue.append(
                DigestItem(f.tracking_number, f"{t.number} {t.body_name} 逾期未反馈", t.deadline, late, link)
            )
        elif due_within(t.deadline, now, tz, cal=cal):
            digest.due_soon.append(
                DigestItem(f.tracking_number, f"{t.number} {t.body_name} 反馈期限将到", t.deadline, 0, link)
            )
    for p in pending:
        tz = _tz(inspections, p.inspection_id)
        link = f"/desk/r/{p.tracking_number}"
        due = decision_deadline(p.created_at, tz, cal)
        if due < now:
            late = working_days_late(due, now, tz, cal)
            who = f"（承办人 {p.assignee}）" if p.assignee else "（未分配）"
            digest.undecided.append(DigestItem(p.tracking_number, f"待确认{who}", due, late, link))
        if p.real_name:
            notice = notice_deadline(p.created_at, tz, cal)
            days.append(local_day(notice, tz))
            if notice < now or due_within(notice, now, tz, cal=cal):
                late = working_days_late(notice, now, tz, cal)
                digest.notice.append(
                    DigestItem(p.tracking_number, "实名来信，需告知受理情况", notice, late, link)
                )
    for a in failed:
        number = a.tracking_number or "—"
        link = f"/desk/r/{a.tracking_number}" if a.tracking_number else ""
        digest.failed.append(
            DigestItem(number, f"{a.kind} 经{a.channel}发送失败（{a.attempts}次）", None, 0, link)
        )
    digest.unknown_years.extend(cal.unknown_years(days))
    return digest


def digest_text(digest: Digest, team: str, base_url: str = "") -> str:
    """The digest as the plain text of an e-mail to the team (tracking numbers, never content)."""
    when = digest.now.astimezone(_BEIJING).strftime("%Y年%m月%d日")
    lines = [f"每日提醒 {when}", f"{team}：", ""]
    if digest.empty:
        lines.append("今日没有逾期、临期或待处理事项。")
    for heading, items in digest.sections():
        if not items:
            continue
        lines.append(f"【{heading}】{len(items)}件")
        for item in items:
            due = f"，期限{item.deadline.astimezone(_BEIJING):%m月%d日}" if item.deadline else ""
            late = f"，已逾期{item.late_days}个工作日" if item.late_days else ""
            lines.append(f"  {item.tracking_number} {item.what}{due}{late}")
        lines.append("")
    if digest.unknown_years:
        years = "、".join(str(y) for y in digest.unknown_years)
        lines.append(f"注意：{years}年的节假日安排尚未载入，相关期限暂按周一至周五计算。")
    if base_url:
        lines.append(f"详见 {base_url.rstrip('/')}/desk/digest")
    return "\n".join(lines).rstrip() + "\n"
