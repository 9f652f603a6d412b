"""Statistics of a period: reports per day by channel, categories, disciplines, scope, transfers by
receiving body, overdue transfers and the median time to decision; as a desk page with charts
drawn server-side as inline SVG (no script, no CDN: the CSP allows neither) and as JSON.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from intake.accounts import User
from intake.ledger import LedgerRow
from intake.transfers import FollowedTransfer
from web.followup import followup_store, now_of
from web.identity import require
from web.ledger import DISCIPLINE_WORDS, From, To, period_bounds, utc_range
from web.pages import CATEGORY_WORDS, CHANNEL_WORDS, KIND_WORDS, SCOPE_WORDS, render
from web.runtime import runtime

Officer = Annotated[User, Depends(require("officer"))]

_LOCAL = ZoneInfo("Asia/Shanghai")
CHANNEL_ORDER: Final = ("sms", "email", "telegram", "phone", "letter", "visit", "web")
CHANNEL_COLOURS: Final = {
    "sms": "#a4161a",
    "email": "#1b6e3a",
    "telegram": "#2a6f97",
    "phone": "#8a5a00",
    "letter": "#6b4c9a",
    "visit": "#3d5a5a",
    "web": "#6b7280",
}


def compute_stats(
    rows: Sequence[LedgerRow],
    open_transfers: Sequence[FollowedTransfer],
    first: date,
    last: date,
    now: datetime,
) -> dict[str, Any]:
    """The period's numbers as plain JSON-ready data (the page draws them, the API returns them)."""
    per_day: dict[str, dict[str, int]] = {
        (first + timedelta(days=n)).isoformat(): {} for n in range((last - first).days + 1)
    }
    categories: Counter[str] = Counter()
    disciplines: Counter[str] = Counter()
    scope: Counter[str] = Counter()
    bodies: Counter[str] = Counter()
    hours: list[float] = []
    for r in rows:
        day = r.report.created_at.astimezone(_LOCAL).date().isoformat()
        channels = per_day.setdefault(day, {})
        channel = r.report.channel.value
        channels[channel] = channels.get(channel, 0) + 1
        d = r.report.decision
        categories[d.category.value] += 1
        disciplines.update(x.value for x in d.disciplines)
        scope[d.scope.value] += 1
        for t in r.transfers:
            bodies[t.transfer.body_name] += 1
        if r.decided_at is not None:
            hours.append((r.decided_at - r.report.created_at).total_seconds() / 3600)
    total = sum(scope.values())
    overdue = [f for f in open_transfers if f.transfer.state == "open" and f.transfer.deadline < now]
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "total": total,
        "per_day": per_day,
        "categories": dict(categories.most_common()),
        "disciplines": dict(disciplines.most_common()),
        "scope": dict(scope.most_common()),
        "scope_share": {k: round(v / total, 4) for k, v in scope.items()} if total else {},
        "transfers_by_body": dict(bodies.most_common()),
        "overdue": len(overdue),
        "overdue_numbers": [f.transfer.number for f in overdue],
        "decided": len(hours),
        "median_hours_to_decision": round(statistics.median(hours), 2) if hours else None,
    }


def bar_chart(items: Sequence[tuple[str, int]], *, label: str, colour: str = "#a4161a") -> Markup:
    """A horizontal bar chart as inline SVG, one labelled bar per item."""
    width, bar_h, gap, text_w = 640, 20, 6, 170
    height = max(len(items), 1) * (bar_h + gap) + gap
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    if not items:
        parts.append(f'<text x="4" y="{bar_h}" font-size="13" fill="#5f6b73">无数据</text>')
    for n, (name, value) in enumerate(items):
        y = gap + n * (bar_h + gap)
        w = round((width - text_w - 50) * value / top)
        parts.append(
            f'<text x="{text_w - 6}" y="{y + 15}" font-size="13" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{text_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"><title>{escape(name)}: '
            f"{value}</title></rect>"
            f'<text x="{text_w + w + 4}" y="{y + 15}" font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def day_chart(per_day: dict[str, dict[str, int]], *, label: str) -> Markup:
    """Reports per day as stacked columns, one colour per channel, with a legend."""
    days = sorted(per_day)
    width, height, left, bottom = 680, 220, 30, 40
    plot_w, plot_h = width - left - 10, height - bottom - 10
    top = max((sum(c.values()) for c in per_day.values()), default=0) or 1
    col_w = plot_w / max(len(days), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height + 24}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<text x="2" y="20" font-size="13">{top}</text>',
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" stroke="#d9dee2"/>',
    ]
    for n, day in enumerate(days):
        x = left + n * col_w
        y: float = 10 + plot_h
        for channel in CHANNEL_ORDER:
            value = per_day[day].get(channel, 0)
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(col_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{CHANNEL_COLOURS[channel]}">'
                f"<title>{day} {CHANNEL_WORDS[channel]}: {value}</title></rect>"
            )
        # Label about ten days along the axis, however long the period.
        if n % max(len(days) // 10, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 22}" font-size="12">{day[5:]}</text>')
    for n, channel in enumerate(CHANNEL_ORDER):
        x = left + n * 90
        parts.append(
            f'<rect x="{x}" y="{height}" width="10" height="10" fill="{CHANNEL_COLOURS[channel]}"/>'
            f'<text x="{x + 14}" y="{height + 9}" font-size="13">{CHANNEL_WORDS[channel]}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stats_router() -> APIRouter:
    """The statistics page and its JSON twin."""
    router = APIRouter()

    async def _stats(request: Request, user: User, start: str, end: str) -> dict[str, Any]:
        rt = runtime(request)
        now = now_of(request)
        today = now.astimezone(_LOCAL).date()
        first, last = (
            period_bounds(start, end, today) if start or end else (today - timedelta(days=29), today)
        )
        visible = user.visible(list(rt.inspections))
        store = followup_store(request)
        lo, hi = utc_range(first, last)
        rows = await store.ledger.ledger(visible, lo, hi)
        return compute_stats(rows, await store.ledger.open_transfers(visible), first, last, now)

    @router.get("/api/stats")
    async def api_stats(request: Request, user: Officer, start: From = "", end: To = "") -> JSONResponse:
        return JSONResponse(await _stats(request, user, start, end))

    @router.get("/desk/stats", response_class=HTMLResponse)
    async def stats_page(request: Request, user: Officer, start: From = "", end: To = "") -> Response:
        s = await _stats(request, user, start, end)

        def named(counts: dict[str, int], words: dict[str, str]) -> list[tuple[str, int]]:
            return [(words.get(k, k), v) for k, v in counts.items()]

        charts = {
            "per_day": day_chart(s["per_day"], label="每日来信（按渠道）"),
            "categories": bar_chart(named(s["categories"], CATEGORY_WORDS), label="问题类别"),
            "disciplines": bar_chart(
                named(s["disciplines"], DISCIPLINE_WORDS), label="涉及纪律", colour="#8a5a00"
            ),
            "scope": bar_chart(named(s["scope"], SCOPE_WORDS), label="受理范围", colour="#1b6e3a"),
            "bodies": bar_chart(
                list(s["transfers_by_body"].items())[:15], label="转办单位", colour="#2a6f97"
            ),
        }
        return render(request, "desk/stats.html", {"s": s, "charts": charts, "KIND_WORDS": KIND_WORDS})

    return router
