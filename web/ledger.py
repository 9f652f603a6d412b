"""The ledger (台账): every report and transfer of a period as an Excel workbook or CSV, and the
printable weekly summary.

Leaders export. The reporter column holds the identity only when the exporter asks for it with
`identity=1` (leaders and admins); otherwise it says only whether the report is named or
anonymous. Every export is audited with its period, format and whether identities were included.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from intake.accounts import User
from intake.ledger import LedgerRow
from intake.models import Decision
from intake.reasons import ACT_ZH
from web.auth import has_role
from web.followup import followup_store, now_of
from web.identity import require
from web.pages import CATEGORY_WORDS, CHANNEL_WORDS, STATE_WORDS, TIER_WORDS, render
from web.runtime import runtime

Leader = Annotated[User, Depends(require("leader"))]
# `?from=&to=`: Python keeps `from` for itself, so the parameters carry aliases.
From = Annotated[str, Query(alias="from")]
To = Annotated[str, Query(alias="to")]

_LOCAL = ZoneInfo("Asia/Shanghai")
LEDGER_COLUMNS: Final = (
    "编号",
    "收到时间",
    "渠道",
    "反映人",
    "被反映人及职务",
    "问题类别",
    "是否属于受理范围",
    "处理方式",
    "转办单位",
    "转办时间",
    "办理期限",
    "办理结果",
    "办结时间",
    "状态",
    "反映的主要问题",
)
DISCIPLINE_WORDS: Final = {
    "political": "政治纪律",
    "organizational": "组织纪律",
    "integrity": "廉洁纪律",
    "mass": "群众纪律",
    "work": "工作纪律",
    "life": "生活纪律",
    "illegal": "职务违法犯罪",
}
SCOPE_YES_NO: Final = {"in_scope": "是", "out_of_scope": "否", "no_content": "否（无实质内容）"}
MAX_PERIOD_DAYS: Final = 3 * 366


def _fmt(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return ""
    return moment.astimezone(_LOCAL).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def handling(row: LedgerRow) -> str:
    """处理方式: how the team dealt with the report."""
    state = row.report.state
    scope = row.report.decision.scope.value
    if state == "merged":
        return "合并"
    if state == "archived":
        return "存档（无实质内容）" if scope == "no_content" else "存档"
    if state in ("received", "decided"):
        return "退回待重新研判" if row.transfers else "待研判"
    if row.transfers:
        return "转办"
    return "本组办理" if scope == "in_scope" else "待研判"


def reporter(row: LedgerRow, identity: bool) -> str:
    """反映人: the name and contact when identities are included, else only named or anonymous."""
    named = bool(row.real_name) or bool(row.report.sender)
    if not identity:
        return "实名（保密）" if row.real_name else ("留有联系方式（保密）" if named else "匿名")
    parts = [p for p in (row.real_name, row.report.sender) if p]
    return "、".join(parts) or "匿名"


def subject_text(row: LedgerRow) -> str:
    """被反映人及职务, as far as the decision names them."""
    s = row.report.decision.subject
    if s is None:
        return ""
    who = "".join(p for p in (s.unit, s.post) if p)
    if s.name:
        who = f"{who} {s.name}".strip()
    if s.tier:
        who += f"（{TIER_WORDS.get(s.tier.value, s.tier.value)}）"
    return who


def cell_text(value: str) -> str:
    """`value` without the control characters a worksheet cannot hold (openpyxl refuses them, and
    its error quotes the value: a reporter's number in a 500 and in the log); shown as U+FFFD."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return cleaned


def ledger_values(row: LedgerRow, identity: bool) -> list[str]:
    """One ledger line in LEDGER_COLUMNS order; several transfers are listed one a line."""
    return [cell_text(v) for v in _ledger_values(row, identity)]


def _ledger_values(row: LedgerRow, identity: bool) -> list[str]:
    d = row.report.decision
    category = CATEGORY_WORDS.get(d.category.value, d.category.value)
    if d.disciplines:
        category += "（" + "、".join(DISCIPLINE_WORDS.get(x.value, x.value) for x in d.disciplines) + "）"
    ts = row.transfers
    closed_at: datetime | None = None
    if row.report.state == "closed":
        closed = [t.closed_at for t in ts if t.closed_at]
        closed_at = max(closed) if closed else row.report.updated_at
    return [
        row.report.tracking_number,
        _fmt(row.report.created_at),
        CHANNEL_WORDS.get(row.report.channel.value, row.report.channel.value),
        reporter(row, identity),
        subject_text(row),
        category,
        SCOPE_YES_NO.get(d.scope.value, d.scope.value),
        handling(row),
        "\n".join(f"{t.transfer.body_name}（{t.transfer.number}）" for t in ts),
        "\n".join(_fmt(t.transfer.created_at) for t in ts),
        "\n".join(_fmt(t.transfer.deadline, with_time=False) for t in ts),
        "\n".join(t.result or ("已退回" if t.transfer.state == "returned" else "") for t in ts).strip(),
        _fmt(closed_at),
        STATE_WORDS.get(row.report.state, row.report.state),
        main_problem(d),
    ]


def main_problem(d: Decision) -> str:
    """反映的主要问题: who and what, from the decision's grounds; never the reporter."""
    acts = [
        ACT_ZH.get(a, "")
        for g in d.grounds
        if g.code == "conduct"
        for a in g.args.get("acts", "").split(",")
        if a and a != "lexicon"
    ]
    who = f"{d.subject.unit or ''}{d.subject.post or ''}" if d.subject else ""
    what = "、".join(dict.fromkeys(a for a in acts if a)) or CATEGORY_WORDS.get(d.category.value, "")
    disciplines = "、".join(DISCIPLINE_WORDS.get(x.value, x.value) for x in d.disciplines)
    return f"反映{who}{what}问题" + (f"（{disciplines}）" if disciplines else "")


def workbook_bytes(rows: Sequence[LedgerRow], identity: bool, title: str) -> bytes:
    """The ledger as an .xlsx workbook: a title line, the header, one line per report."""
    # openpyxl is imported when a workbook is asked for: it is most of a second of `serve`'s start.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(LEDGER_COLUMNS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(ledger_values(row, identity))
    widths = (14, 17, 8, 18, 24, 20, 12, 14, 30, 17, 12, 30, 17, 10)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for line in ws.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(rows: Sequence[LedgerRow], identity: bool) -> str:
    """The ledger as CSV with a BOM, so that Excel opens the Chinese text as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEDGER_COLUMNS)
    for row in rows:
        writer.writerow(ledger_values(row, identity))
    return out.getvalue()


def period_bounds(start: str, end: str, today: date) -> tuple[date, date]:
    """The period [from, to] (local dates, inclusive); the default is this month so far."""
    try:
        first = date.fromisoformat(start) if start else today.replace(day=1)
        last = date.fromisoformat(end) if end else today
    except ValueError as exc:
        raise HTTPException(status_code=422, detail="from/to must be dates YYYY-MM-DD") from exc
    if last < first:
        raise HTTPException(status_code=422, detail="to is before from")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise HTTPException(status_code=422, detail="the period is longer than three years")
    return first, last


def utc_range(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants [start of `first`, start of the day after `last`) in Beijing time."""
    return (
        datetime.combine(first, time(0), tzinfo=_LOCAL),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=_LOCAL),
    )


def week_summary(rows: Sequence[LedgerRow], now: datetime) -> dict[str, Any]:
    """The weekly summary's numbers: received, by channel and scope, decided, transferred, closed, late."""
    by_channel = Counter(CHANNEL_WORDS.get(r.report.channel.value, r.report.channel.value) for r in rows)
    by_scope = Counter(r.report.decision.scope.value for r in rows)
    by_handling = Counter(handling(r) for r in rows)
    late = [r for r in rows for t in r.transfers if t.transfer.state == "open" and t.transfer.deadline < now]
    return {
        "received": len(rows),
        "by_channel": sorted(by_channel.items(), key=lambda kv: -kv[1]),
        "in_scope": by_scope.get("in_scope", 0),
        "out_of_scope": by_scope.get("out_of_scope", 0),
        "no_content": by_scope.get("no_content", 0),
        "by_handling": sorted(by_handling.items(), key=lambda kv: -kv[1]),
        "transferred": sum(1 for r in rows if r.transfers),
        "closed": sum(1 for r in rows if r.report.state == "closed"),
        "late": len(late),
    }


def ledger_router() -> APIRouter:
    """The ledger exports and the weekly summary (leaders)."""
    router = APIRouter()

    async def _rows(request: Request, user: User, first: date, last: date) -> list[LedgerRow]:
        rt = runtime(request)
        start, end = utc_range(first, last)
        return await followup_store(request).ledger.ledger(user.visible(list(rt.inspections)), start, end)

    async def _export(
        request: Request, user: User, fmt: str, start: str, end: str, identity: str
    ) -> tuple[list[LedgerRow], bool, date, date]:
        now = now_of(request)
        first, last = period_bounds(start, end, now.astimezone(_LOCAL).date())
        with_identity = identity == "1" and has_role(user.role, "leader")
        rows = await _rows(request, user, first, last)
        await followup_store(request).desk.audit_action(
            None,
            "ledger.exported",
            {
                "format": fmt,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "rows": len(rows),
                "identity": with_identity,
            },
            actor=user.name,
            now=now,
        )
        return rows, with_identity, first, last

    def _download(data: bytes, media: str, name: str) -> Response:
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    @router.get("/desk/ledger.xlsx")
    async def ledger_xlsx(
        request: Request, user: Leader, start: From = "", end: To = "", identity: str = ""
    ) -> Response:
        rows, with_identity, first, last = await _export(request, user, "xlsx", start, end, identity)
        title = f"来信台账 {first.isoformat()} 至 {last.isoformat()}"
        data = workbook_bytes(rows, with_identity, title)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(data, media, f"台账_{first.isoformat()}_{last.isoformat()}.xlsx")

    @router.get("/desk/ledger.csv")
    async def ledger_csv(
        request: Request, user: Leader, start: From = "", end: To = "", identity: str = ""
    ) -> Response:
        rows, with_identity, first, last = await _export(request, user, "csv", start, end, identity)
        data = csv_text(rows, with_identity).encode("utf-8")
        return _download(data, "text/csv; charset=utf-8", f"台账_{first.isoformat()}_{last.isoformat()}.csv")

    @router.get("/desk/ledger", response_class=HTMLResponse)
    async def ledger_page(request: Request, user: Leader) -> Response:
        today = now_of(request).astimezone(_LOCAL).date()
        return render(
            request,
            "desk/ledger.html",
            {"first": today.replace(day=1).isoformat(), "last": today.isoformat(), "week": _monday(today)},
        )

    @router.get("/desk/ledger/week", response_class=HTMLResponse)
    async def week_page(request: Request, user: Leader, week: str = "") -> Response:
        now = now_of(request)
        try:
            day = date.fromisoformat(week) if week else now.astimezone(_LOCAL).date()
        except ValueError as exc:
            raise HTTPException(status_code=422, detail="week must be a date YYYY-MM-DD") from exc
        monday = _monday(day)
        sunday = monday + timedelta(days=6)
        rows = await _rows(request, user, monday, sunday)
        await followup_store(request).desk.audit_action(
            None,
            "ledger.week_viewed",
            {"week": monday.isoformat(), "rows": len(rows)},
            actor=user.name,
            now=now,
        )
        lines = [ledger_values(r, identity=False) for r in rows]
        return render(
            request,
            "desk/week.html",
            {
                "monday": monday,
                "sunday": sunday,
                "summary": week_summary(rows, now),
                "lines": lines,
                "columns": LEDGER_COLUMNS,
                "prev": (monday - timedelta(days=7)).isoformat(),
                "next": (monday + timedelta(days=7)).isoformat(),
            },
        )

    return router


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def counts(rows: Sequence[LedgerRow]) -> Mapping[str, int]:
    """How many reports of the rows are in each state (for tests and the summary)."""
    return Counter(r.report.state for r in rows)
