"""Every label and sentence a duty officer or citizen reads on the desk, in one place.

Templates get these as globals and filters (web/pages.py); codes (target kinds, region codes,
audit actions) never reach a page except in a `title` attribute for the officer who needs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from intake.models import Decision
from intake.ports import AuditEntry, OutboxItem
from intake.reasons import CATEGORY_ZH, DISCIPLINE_ZH, SECTOR_ZH, render_zh
from routing.directory import region_name

LOCAL = ZoneInfo("Asia/Shanghai")

SCOPE_WORDS = {"in_scope": "属于受理范围", "out_of_scope": "不属于（转办）", "no_content": "无实质内容"}
CATEGORY_WORDS = dict(CATEGORY_ZH)
DISCIPLINE_WORDS = dict(DISCIPLINE_ZH)
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
    # 住建部门, 人社部门, …: the sector names the reasons use, as the body that receives the item.
    **{f"department:{sector}": f"{name}部门" for sector, name in SECTOR_ZH.items()},
}
ROLE_WORDS = {"officer": "值班员", "leader": "组长", "admin": "管理员"}
ACK_KIND_WORDS = {
    "in_scope": "受理告知",
    "out_of_scope": "转办告知",
    "no_content_prompt": "请补充内容",
    "outside_period": "受理期外告知",
    "status": "查询答复",
    "reply": "值班员回复",
    "confirmed": "受理确认",
}
# The audit log's actions as the verb of one sentence; the detail's useful part follows.
ACTION_WORDS = {
    "report.created": "系统登记",
    "report.entered": "值班员登记",
    "report.assigned": "分配承办人",
    "report.closed": "办结",
    "report.merged": "并入其他来信",
    "report.merged_in": "合并来信",
    "decision.confirmed": "确认受理意见",
    "decision.changed": "修改受理意见",
    "decision.changed_after_transfer": "转办后修改受理意见",
    "decision.resuggested": "系统重新建议",
    "note.added": "添加备注",
    "identity.viewed": "查看反映人联系方式",
    "identity.released": "批准在转办单中写明反映人",
    "identity.in_transfer_form": "转办单中写明反映人",
    "transfer.created": "生成转办单",
    "transfer.document_opened": "打开转办单",
    "attachment.opened": "打开附件",
    "recording.played": "播放录音",
    "reply.queued": "回复反映人",
    "status.queried": "反映人查询办理情况",
    "sms.status": "短信服务商回执",
    "call.summarised": "整理来电内容",
    "digest.queued": "生成每日摘要",
    "directory.updated": "更新承办单位名录",
    "retention.purged": "按保存期限清除",
    "user.created": "新建账号",
    "user.updated": "修改账号",
    "user.unlocked": "解除登录限制",
    "token.created": "生成接口令牌",
    "sign_in.ok": "登录",
    "sign_in.failed": "登录失败",
    "sign_in.throttled": "登录受限",
    "ledger.exported": "导出台账",
    "ledger.week_viewed": "查看周报",
    "inspection.saved": "保存巡视配置",
}
ACTOR_WORDS = {"system": "系统", "twilio": "短信服务商", "citizen": "反映人"}
SMS_STATUS_WORDS = {
    "queued": "排队中",
    "sent": "已发出",
    "delivered": "已送达",
    "undelivered": "未送达",
    "failed": "发送失败",
}
_TN_KEYS = ("tracking_number", "into", "from", "merged_into")


def local_time(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A UTC timestamp in the inspection's local (Beijing) time."""
    return moment.astimezone(LOCAL).strftime(fmt) if moment else ""


def cn_date(moment: date | None, with_time: bool = False) -> str:
    """2027年3月1日 (and 16:04 local time when asked), for a date or a UTC timestamp."""
    if moment is None:
        return ""
    t = moment.astimezone(LOCAL) if isinstance(moment, datetime) and moment.tzinfo else moment
    day = f"{t.year}年{t.month}月{t.day}日"
    return f"{day} {t:%H:%M}" if with_time and isinstance(t, datetime) else day


def region_label(code: str | None) -> Markup:
    """The region by name, its code on hover."""
    if not code:
        return Markup("")
    return Markup('<span title="{}">{}</span>').format(code, region_name(code))


def target_label(kind: str, region: str) -> Markup:
    """生态环境部门 · 河南省 with the codes on hover."""
    word = KIND_WORDS.get(kind, "承办单位")
    return Markup('<span title="{}">{}</span> · {}').format(kind, word, region_label(region))


def disciplines(decision: Decision) -> str:
    return "、".join(DISCIPLINE_WORDS.get(d.value, d.value) for d in decision.disciplines)


def confidence_band(p: float) -> str:
    """高/中/低: the calibrated confidence as an officer reads it (low first in the queue)."""
    return "高" if p >= 0.85 else "中" if p >= 0.6 else "低"


def reasons_zh(decision: Decision) -> list[str]:
    """The decision's grounds in Chinese; a decision stored before grounds existed keeps its lines.
    The model's version is left out: the report page shows it on a line of its own, for every
    decision (also one made without a model)."""
    if not decision.grounds:
        return list(decision.reasons)
    return render_zh(g for g in decision.grounds if g.code != "model")


def _scope_phrase(detail: Mapping[str, Any]) -> str:
    scope = str(detail.get("scope", ""))
    target = detail.get("target_name") or detail.get("target") or ""
    if isinstance(target, Mapping):
        target = target.get("name") or ""
    category = CATEGORY_WORDS.get(str(detail.get("category", "")), "")
    words = {"in_scope": "属于受理范围", "out_of_scope": "不属于受理范围", "no_content": "无实质内容"}
    phrase = words.get(scope, "")
    if scope == "out_of_scope" and target:
        phrase += f"，转{target}"
    return "，".join(x for x in (category, phrase) if x)


def event_line(entry: AuditEntry) -> str:
    """One Chinese sentence per audit event (系统登记为HN1-0003，建议：不属于受理范围，转…)."""
    d = entry.detail or {}
    verb = ACTION_WORDS.get(entry.action, "其他操作")
    tn = next((str(d[k]) for k in _TN_KEYS if d.get(k)), "")
    if entry.action == "report.created" and tn:
        scope = _scope_phrase(d)
        return f"系统登记为{tn}" + (f"，系统原建议：{scope}" if scope else "")
    if entry.action == "sms.status":
        return f"{verb}：{SMS_STATUS_WORDS.get(str(d.get('status', '')), '状态更新')}"
    if entry.action.startswith("decision.") and _scope_phrase(d):
        return f"{verb}：{_scope_phrase(d)}"
    if entry.action == "report.assigned" and d.get("assignee"):
        return f"{verb}：{d['assignee']}"
    return f"{verb}（{tn}）" if tn else verb


def actor_word(actor: str) -> str:
    return ACTOR_WORDS.get(actor, actor)


def delivery_word(item: OutboxItem, unconfigured: Iterable[str], delivered: Iterable[str]) -> str:
    """What truly happened to an acknowledgement; never 已送达 without the provider's callback."""
    channel = CHANNEL_WORDS.get(item.channel.value, "")
    if item.state in ("pending", "sending"):
        return "排队待发"
    if item.state == "failed":
        return "发送失败"
    if item.channel.value in set(unconfigured) or (item.state == "sent" and not item.provider_id):
        return f"未发送（{channel}通道未配置）"
    if item.provider_id and item.provider_id in set(delivered):
        return "已送达（服务商回执）"
    return "已交服务商发送"


def delivered_ids(history: Iterable[AuditEntry]) -> set[str]:
    """Provider ids the provider's callback reported delivered (sms.status in the audit log)."""
    return {
        str(h.detail.get("provider_id"))
        for h in history
        if h.action == "sms.status" and (h.detail or {}).get("status") == "delivered"
    }


def snippet(text: str | None, size: int = 40) -> str:
    """The first characters of a message on one line, for the queue."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= size else flat[:size] + "…"


def subject_line(decision: Decision) -> str:
    """被反映人 as post and unit (never more than the decision holds)."""
    s = decision.subject
    if s is None:
        return ""
    return f"{s.unit or ''}{s.post or ''}"
