"""Every text a citizen reads or hears from the service, in one place (policy.md section 5).

Sections: acknowledgements and status answers (SMS, e-mail, Telegram); the Telegram
conversation's prompts; what a caller to the duty phone hears and the SMS after the call; the
subject of a reply mail. Officers' texts live with their pages.

An acknowledgement is short enough for one SMS segment (70 characters) with the longest names we ship,
never repeats what the citizen wrote and never names a person or, for an accusation, the unit
that will receive it: someone else may read the phone.
"""

from __future__ import annotations

from datetime import date, datetime

from intake.inspection import Inspection
from intake.models import Category, Decision, Scope, Target
from intake.phone import e164
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


# --- the guided chat conversation (intake/conversation.py) ---------------------------------------


def welcome_text(inspection: Inspection, now: datetime | None = None) -> str:
    """What /start says: who we are, what we accept, until when, and how to go on."""
    team = inspection.team_word
    period = _period_text(inspection.period.start, inspection.period.end)
    over = now is not None and now.astimezone(inspection.tz).date() > inspection.period.end
    when = (
        f"本{team}受理时间为{period}，现已结束。来信仍会登记，并按规定转交有关部门办理。\n"
        if over
        else f"受理时间：{period}。\n"
    )
    return (
        f"您好，这里是{inspection.team}。\n"
        + when
        + f"本{team}主要受理反映{inspection.target.name}领导班子及其成员、下一级党组织主要负责人"
        "和重要岗位领导干部问题的来信，其他问题将按规定转有关部门办理。\n"
        "请直接写下您要反映的问题（何人、何时、何地、何事），可分几条发送，也可附图片或文件。\n"
        "查询办理情况请发送：查询 编号"
    )


COLLECTING_TEXT = "已收到。可继续发送文字、图片或文件补充；写完后请选择是否留下姓名和联系电话："
REAL_NAME_LABEL = "实名反映（留姓名、电话）"
ANONYMOUS_LABEL = "匿名反映"
ASK_CONTACT_TEXT = (
    "请发送您的姓名和联系电话，或点下方按钮分享手机号。您的个人信息将严格保密。"
    "如不留联系方式，稍后将按匿名反映登记。"
)
ASK_AGAIN_TEXT = (
    "已作为反映内容收到。如需实名反映，请单独发送姓名和联系电话（例如：张三 139xxxxxxxx），"
    "或点下方按钮分享手机号。"
)
SHARE_PHONE = "分享手机号"
NOTHING_YET_TEXT = "请先写下您要反映的问题，再选择实名或匿名。"
ANONYMOUS_NOTE = "好的，按匿名反映登记。"
CONTACT_NOTE = "已记录您的联系方式。"
STATUS_HELP_TEXT = "查询办理情况请发送：查询 编号（编号见登记后的回复）。"


def append_label(tracking_number: str) -> str:
    """The button that adds the draft to an earlier report."""
    return f"补充到编号{tracking_number}"


def appended_text(tracking_number: str) -> str:
    """The answer once the draft is added to an earlier report."""
    return f"已补充到编号{tracking_number}。"


# --- the duty phone (bot/voice.py) ----------------------------------------------------------------

# Every sentence a caller hears, and the SMS that follows a call (the tracking number, never the
# content), spoken by the provider's Mandarin voice. Numbers are read one digit at a time: a voice
# reads "0007" as a quantity, and a caller must be able to write the number down as they hear it.

MAX_MESSAGE_SECONDS = 180


def spelled(text: str) -> str:
    """`text` one character at a time ("MZ1-0007" -> "M Z 1 0 0 0 7"), for a voice to read out."""
    return " ".join(ch for ch in text if ch.isalnum())


def _clock(hhmm: str) -> str:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return f"{hours}点{minutes}分" if minutes else f"{hours}点"


def hours_text(inspection: Inspection) -> str:
    """The duty hours in words: "工作日8点30分至12点，15点至18点"."""
    days = "工作日" if inspection.hours.days == "workdays" else "每天"
    ranges = []
    for value in inspection.hours.ranges:
        start, end = value.split("-")
        ranges.append(f"{_clock(start)}至{_clock(end)}")
    return days + "，".join(ranges)


def greeting(inspection: Inspection, *, recorded: bool) -> str:
    """What a caller hears in duty hours before the officers' phones ring."""
    notice = "为便于记录，通话将被录音。" if recorded else ""
    return f"您好，这里是{inspection.team}值班电话。{notice}正在为您接通值班人员，请稍候。"


def whisper(inspection: Inspection, tracking_number: str | None) -> str:
    """What the officer who picks up hears before the caller is put through."""
    number = f"，编号{spelled(tracking_number)}" if tracking_number else ""
    return f"{inspection.team_word}来电{number}。"


def _number_words(number: str) -> str:
    found = e164(number)
    # A mainland caller dials the national number, without +86.
    return spelled(found[3:] if found and found.startswith("+86") else number)


def other_channels(inspection: Inspection) -> str:
    """The other ways to reach the team, as published in the inspection file."""
    ch = inspection.channels
    ways = []
    if ch.sms:
        ways.append(f"发送短信至{_number_words(ch.sms[0])}")
    if ch.email:
        ways.append(f"发送电子邮件至{ch.email[0]}")
    if ch.post:
        ways.append(f"寄信至{ch.post}")
    return f"您也可以{'，'.join(ways)}。" if ways else ""


def voicemail_prompt(inspection: Inspection, *, outside_hours: bool) -> str:
    """Why nobody answers, the hours, the other channels, and how to leave a message."""
    why = "现在不是值班时间。" if outside_hours else "值班人员暂时无法接听。"
    minutes = MAX_MESSAGE_SECONDS // 60
    return (
        f"您好，这里是{inspection.team}值班电话。{why}值班时间为{hours_text(inspection)}。"
        f"{other_channels(inspection)}"
        f"请在提示音后留言，说明您反映的问题，最长{minutes}分钟，说完请挂机。"
    )


def message_taken(inspection: Inspection, tracking_number: str | None) -> str:
    """The end of a voice message; the number is read out when no SMS can carry it."""
    if tracking_number is None:
        return f"留言已收到，{inspection.team_word}将按规定处理。再见。"
    number = spelled(tracking_number)
    return (
        f"留言已收到。您的留言编号是：{number}。再说一遍：{number}。"
        f"{inspection.team_word}将按规定处理，感谢您的来电，再见。"
    )


def nothing_recorded() -> str:
    """The end of a call whose message was empty."""
    return "没有录到留言，再见。"


def call_ack_sms(inspection: Inspection, tracking_number: str) -> str:
    """The SMS after a call from a mobile (one segment; never what was said)."""
    return f"您的来电已收到，编号{tracking_number}。{inspection.team_word}将按规定处理，请保存编号备查。"


# The text of a report opened for a call, until an officer writes what was said.
VOICE_MESSAGE_TEXT = "语音留言（待整理）"
ANSWERED_CALL_TEXT = "来电（待值班人员整理）"


# --- e-mail (bot/email_out.py) --------------------------------------------------------------------


def reply_subject(tracking_number: str | None) -> str:
    """The subject of a mail answering a citizen: the tracking number, never the matter."""
    return f"来信回复（编号{tracking_number}）" if tracking_number else "来信回复"
