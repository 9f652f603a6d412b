"""Acknowledgement texts (policy.md section 5).

Every text is short enough for one SMS segment (70 characters) with the longest names we ship,
never repeats what the citizen wrote and never names a person or, for an accusation, the unit
that will receive it: someone else may read the phone.
"""

from __future__ import annotations

from datetime import date

from intake.inspection import Inspection
from intake.models import Category, Decision, Scope, Target
from routing.directory import kind_word

SMS_SEGMENT = 70


def receiving_body_phrase(target: Target, category: Category) -> str:
    """How the acknowledgement names where an item goes: the kind of body, never the accused."""
    if category is Category.ACCUSATION:
        # The accused may sit in the receiving unit; name only the kind of body (检举控告规则 保密).
        return "有关纪检监察机关" if target.kind == "discipline" else "有关单位"
    return kind_word(target.kind, target.region)


def _period_text(start: date, end: date) -> str:
    if start.year == end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def ack_text(
    decision: Decision, inspection: Inspection, tracking_number: str, *, in_period: bool = True
) -> str:
    """The acknowledgement for a new report with content."""
    team = inspection.team_word
    if not in_period:
        period = _period_text(inspection.period.start, inspection.period.end)
        return f"本{team}受理时间为{period}。您的来信已登记，编号{tracking_number}，将转交有关部门处理。"
    if decision.scope is Scope.IN_SCOPE:
        return f"您反映的问题已收到，编号{tracking_number}。{team}将按规定处理。查询请回复：查询 编号"
    if decision.target is not None:
        body = receiving_body_phrase(decision.target, decision.category)
        text = _out_of_scope(team, tracking_number, body)
        if len(text) > SMS_SEGMENT:  # a long region name: keep to one segment rather than name it
            text = _out_of_scope(team, tracking_number, "有关职能部门")
        return text
    return f"来信已收到，编号{tracking_number}。{team}将按规定处理。"


def _out_of_scope(team: str, tracking_number: str, body: str) -> str:
    return (
        f"来信已收到，编号{tracking_number}。所反映事项不属本{team}受理范围，"
        f"将按分级负责、属地管理原则转{body}办理。"
    )


def no_content_prompt(inspection: Inspection) -> str:
    """The prompt for an empty or content-free message: ask for the facts, nothing more."""
    return f"这里是{inspection.team_word}。请写明反映的具体问题：何人、何时、何地、何事，以便受理。"


STATE_WORDS = {
    "received": "已收到，正在登记",
    "decided": "已收到，正在审核",
    "confirmed": "已受理，正在办理",
    "transferred": "已按规定转交有关部门办理",
    "feedback_received": "承办单位已反馈，正在审核",
    "closed": "已办结",
    "merged": "已并入相关件办理",
    "archived": "已存档",
}


def status_text(tracking_number: str, state: str) -> str:
    """The answer to 查询 <tracking number> from the sender who filed it."""
    return f"编号{tracking_number}：{STATE_WORDS.get(state, '正在办理')}。"


def unknown_status_text(tracking_number: str) -> str:
    """The answer when the number is unknown or was filed by someone else (no hint which)."""
    return f"未查到编号{tracking_number}的来信，请核对编号。只能查询本人反映的事项。"


def status_limit_text(inspection: Inspection) -> str:
    """Said once when a sender has asked about reports too often within an hour."""
    return f"这里是{inspection.team_word}。查询次数较多，请一小时后再查询。"


def ack_limit_text(inspection: Inspection) -> str:
    """Said once when a sender has been sent as many numbers within an hour as the guard allows."""
    return f"这里是{inspection.team_word}。您近一小时来信较多，此后的来信均已登记，暂不逐条回复编号。"
