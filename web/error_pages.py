"""Chinese error pages for the desk and admin pages: an officer reads a sentence and a way back,
never a JSON body. The API and the provider hooks keep their JSON answers for machines."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.pages import render
from web.runtime import is_started

# The route's English detail (kept for the API and the logs) as the officer reads it.
DETAIL_WORDS = {
    "no such report": "没有这件来信，编号可能有误或不在您负责的巡视中。",
    "no such inspection": "没有这个巡视（察）。",
    "no such transfer": "没有这份转办单。",
    "no such user": "没有这个账号。",
    "no such file": "没有这个文件。",
    "no recording": "这次来电没有录音。",
    "no call to complete": "没有需要整理的来电。",
    "your role may not do this": "您的角色无权进行此操作，请联系组长或管理员。",
    "CSRF token missing or wrong; reload the page": "页面已过期，请返回后刷新页面再试。",
    "unknown role": "未知角色。",
    "file too large": "文件过大。",
    "choose a CSV file": "请选择一个 CSV 文件。",
    "the file is missing from the data directory": "文件已不在数据目录中，请联系管理员。",
    "the desk needs the SQL store": "值班台需要数据库存储，请联系管理员。",
}
TITLES = {403: "无权操作", 404: "未找到", 413: "内容过大", 422: "输入有误", 503: "暂不可用"}
_PAGES = ("/desk", "/admin")


def _wants_page(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    # A script that asks for JSON only gets JSON; a browser (or anything else) gets the page.
    return path.startswith(_PAGES) and ("text/html" in accept or "application/json" not in accept)


def _sentence(detail: object) -> str:
    text = str(detail)
    if text in DETAIL_WORDS:
        return DETAIL_WORDS[text]
    # Details written in Chinese already (validation of officers' input) are shown as they are.
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "请求未能完成。"


def install(app: FastAPI) -> None:
    """Desk and admin pages answer an HTTPException with a Chinese page."""

    @app.exception_handler(HTTPException)
    async def desk_error(request: Request, exc: HTTPException) -> Response:
        if not _wants_page(request) or not is_started(request.app):
            return await http_exception_handler(request, exc)
        ctx = {
            "title": TITLES.get(exc.status_code, "出错了"),
            "sentence": _sentence(exc.detail),
            "back": request.headers.get("referer") or "/desk",
        }
        page = render(request, "desk/error.html", ctx, status_code=exc.status_code)
        for name, value in (exc.headers or {}).items():
            page.headers[name] = value
        return page
