"""Rendering desk pages: one Jinja2 environment, the signed-in user and CSRF token in every page."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from intake.models import Decision
from intake.reasons import render_zh
from web.auth import csrf_token, has_role

_LOCAL = ZoneInfo("Asia/Shanghai")

SCOPE_WORDS = {"in_scope": "属于受理范围", "out_of_scope": "不属于（转办）", "no_content": "无实质内容"}
CATEGORY_WORDS = {
    "accusation": "检举控告",
    "appeal": "申诉求决",
    "litigation": "涉法涉诉",
    "suggestion": "建议意见",
    "no_content": "无实质内容",
}
STATE_WORDS = {
    "received": "已收到",
    "decided": "待确认",
    "confirmed": "已受理",
    "transferred": "已转办",
    "feedback_received": "已反馈",
    "closed": "已办结",
    "merged": "已合并",
    "archived": "已存档",
}
CHANNEL_WORDS = {
    "sms": "短信",
    "email": "邮件",
    "telegram": "Telegram",
    "phone": "电话",
    "letter": "来信",
    "visit": "来访",
    "web": "网页",
}
TIER_WORDS = {"leadership": "领导班子成员", "next_principal": "下一级主要负责人", "key_posts": "重要岗位"}
KIND_WORDS = {
    "discipline": "纪委监委",
    "political_legal": "政法委",
    "petition": "信访局",
    "inspected_unit": "被巡视（察）单位",
    "department:housing": "住建部门",
    "department:human_resources": "人社部门",
    "department:education": "教育部门",
    "department:health": "卫健部门",
    "department:environment": "生态环境部门",
    "department:transport": "交通运输部门",
    "department:market": "市场监管部门",
    "department:natural_resources": "自然资源部门",
    "department:civil_affairs": "民政部门",
    "department:agriculture": "农业农村部门",
    "department:public_security": "公安部门",
}


def local_time(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A UTC timestamp as Beijing time, for people."""
    return moment.astimezone(_LOCAL).strftime(fmt) if moment else ""


def reasons_zh(decision: Decision) -> list[str]:
    """The decision's grounds in Chinese; a decision stored before grounds existed keeps its lines."""
    return render_zh(decision.grounds) if decision.grounds else list(decision.reasons)


def _templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(resources.files("web").joinpath("templates")))
    t.env.globals.update(
        SCOPE_WORDS=SCOPE_WORDS,
        CATEGORY_WORDS=CATEGORY_WORDS,
        STATE_WORDS=STATE_WORDS,
        CHANNEL_WORDS=CHANNEL_WORDS,
        TIER_WORDS=TIER_WORDS,
        KIND_WORDS=KIND_WORDS,
        has_role=has_role,
        reasons_zh=reasons_zh,
    )
    t.env.filters["local"] = local_time
    return t


templates = _templates()


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a desk template with the user, the CSRF token and the inspections."""
    rt = request.app.state.rt
    ctx = {
        "user": getattr(request.state, "user", None),
        "csrf": csrf_token(request),
        "inspections": list(rt.inspections.values()),
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
