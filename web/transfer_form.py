"""The transfer form (转办单): a printable page and a PDF, numbered, dated, with the deadline.

For an item that was ever an accusation the form carries the reporter's identity only when a team
leader released it on this form (`POST /desk/t/<number>/release`, audited); otherwise it says that
the reporter's identity is withheld (检举控告规则 保密条款). Which applies is fixed at issue.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from intake.accounts import User
from intake.transfers import Transfer
from web.auth import check_csrf
from web.identity import desk_store, require
from web.labels import cn_date
from web.pages import CATEGORY_WORDS, render
from web.runtime import runtime

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)
# With PETITION_PDF_FONT set to a TrueType file (Debian: fonts-wqy-microhei, not shipped here: 5 MB),
# the form's PDF embeds the subset of its glyphs it uses, so an office printer without CJK fonts
# prints text, not boxes. Unset or unusable, the PDF names STSong-Light without embedding it (only a
# reader with CJK support draws it) and the log says so once.
SUGGESTED_PDF_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_CID_FONT = "STSong-Light"


@functools.cache
def pdf_font(path: str | None) -> str:
    """The registered font's name: the TrueType file at `path` when usable, else the CID font."""
    # reportlab is imported by the first PDF, not by every start of the service (5 MB, 0.1 s).
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if path:
        try:
            name = f"FormFont{abs(hash(path))}"  # one name per file: two settings, two fonts
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            return name
        except (OSError, TTFError) as exc:
            log.warning("transfer form: PETITION_PDF_FONT %s not usable (%s)", path, exc)
    log.warning(
        "transfer form: the PDF does not embed its font (STSong-Light); set PETITION_PDF_FONT, e.g. %s",
        SUGGESTED_PDF_FONT,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(_CID_FONT))
    return _CID_FONT


Officer = Annotated[User, Depends(require("officer"))]
Leader = Annotated[User, Depends(require("leader"))]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FormContent:
    """What the form says, decided once for the page and the PDF alike."""

    number: str
    date: str
    team: str
    body: str
    tracking_number: str
    category: str
    matter: str
    reporter: str
    deadline: str


async def _content(request: Request, user: User, number: str) -> tuple[Transfer, FormContent]:
    rt = runtime(request)
    store = desk_store(request)
    transfer = await store.transfers.get_transfer(number, user.visible(list(rt.inspections)))
    if transfer is None:
        raise HTTPException(status_code=404, detail="no such transfer")
    detail = await store.desk.detail(transfer.report_id)
    # What the form says was fixed when it was issued: a later change of the report's decision
    # (to "appeal", say) must not make an accusation's form name its reporter.
    category = transfer.category or detail.report.decision.category.value
    if not transfer.names_reporter:
        reporter = "（检举控告件，反映人身份依规保密，不予提供）"
    else:
        first = detail.messages[0] if detail.messages else None
        name = (first.payload or {}).get("real_name") if first else None
        # A Telegram reporter's phone (given in the real-name path) rather than the chat id.
        contact = ((first.payload or {}).get("contact_phone") or first.sender) if first else None
        reporter = "、".join(str(x) for x in (name, contact) if x) or "匿名"
        await store.desk.audit_action(
            transfer.report_id,
            "identity.in_transfer_form",
            {"number": number},
            actor=user.name,
            now=transfer.created_at,
        )
    inspection = rt.inspections.get(transfer.inspection_id)
    content = FormContent(
        number=transfer.number,
        date=cn_date(transfer.created_at),
        team=inspection.team if inspection else transfer.inspection_id,
        body=transfer.body_name,
        tracking_number=detail.report.tracking_number,
        category=CATEGORY_WORDS.get(category, category),
        matter=transfer.matter,
        reporter=reporter,
        deadline=cn_date(transfer.deadline),
    )
    return transfer, content


def _pdf(c: FormContent, font_path: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = pdf_font(font_path)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"转办单 {c.number}")
    width, height = A4
    y = height - 30 * mm
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, y, "转 办 单")
    y -= 12 * mm
    canvas.setFont(font, 11)
    canvas.drawString(25 * mm, y, f"编号：{c.number}")
    canvas.drawRightString(width - 25 * mm, y, c.date)
    y -= 10 * mm
    rows = [
        ("承办单位", c.body),
        ("来信编号", c.tracking_number),
        ("问题类别", c.category),
        ("反映人", c.reporter),
        ("办理期限", f"请于{c.deadline}前将办理情况反馈{c.team}"),
    ]
    for label, value in rows:
        canvas.drawString(25 * mm, y, f"{label}：")
        y = _wrapped(canvas, font, value, 50 * mm, y, width - 75 * mm)
        y -= 3 * mm
    canvas.drawString(25 * mm, y, "反映的主要问题：")
    y -= 7 * mm
    y = _wrapped(canvas, font, c.matter, 25 * mm, y, width - 50 * mm)
    y -= 10 * mm
    canvas.drawString(
        25 * mm, y, "根据分级负责、属地管理，谁主管、谁负责的原则，现将上述事项转你单位依规办理。"
    )
    y -= 6 * mm
    canvas.drawString(25 * mm, y, "如有异议，请于收到之日起5个工作日内提出。")
    canvas.drawRightString(width - 25 * mm, 30 * mm, c.team)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _wrapped(canvas: Canvas, font: str, text: str, x: float, y: float, width: float) -> float:
    """Draw text wrapped by character (Chinese has no spaces); return the y below it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    line = ""
    for ch in text.replace("\n", " "):
        if canvas.stringWidth(line + ch, font, 11) > width:
            canvas.drawString(x, y, line)
            y -= 6 * mm
            line = ""
            if y < 40 * mm:
                canvas.showPage()
                canvas.setFont(font, 11)
                y = A4[1] - 25 * mm
        line += ch
    if line:
        canvas.drawString(x, y, line)
        y -= 6 * mm
    return y


def transfer_router() -> APIRouter:
    """The transfer form as a page and as a PDF."""
    router = APIRouter()

    @router.get("/desk/t/{number}", response_class=HTMLResponse)
    async def form_page(request: Request, number: str, user: Officer) -> Response:
        transfer, content = await _content(request, user, number)
        error = request.query_params.get("error")
        return render(request, "desk/transfer.html", {"t": transfer, "c": content, "error": error})

    @router.post("/desk/t/{number}/release")
    async def release(
        request: Request, number: str, user: Leader, csrf: Annotated[str, Form()] = ""
    ) -> Response:
        """A leader's release of the reporter's identity on this form: recorded with it, audited."""
        check_csrf(request, csrf)
        visible = user.visible(list(runtime(request).inspections))
        try:
            released = await desk_store(request).transfers.release_identity(
                number, visible, actor=user.name, now=_now()
            )
        except ValueError as exc:
            return RedirectResponse(f"/desk/t/{number}?{urlencode({'error': str(exc)})}", status_code=303)
        if released is None:
            raise HTTPException(status_code=404, detail="no such transfer")
        return RedirectResponse(f"/desk/t/{number}", status_code=303)

    @router.get("/desk/t/{number}/pdf")
    async def form_pdf(request: Request, number: str, user: Officer) -> Response:
        _transfer, content = await _content(request, user, number)
        return Response(
            _pdf(content, runtime(request).settings.pdf_font),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{content.number}.pdf"'},
        )

    return router
