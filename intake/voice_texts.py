"""Every sentence a caller to the duty phone hears, and the SMS that follows a call (policy.md
section 5: the tracking number, never the content). Spoken by the provider's Mandarin voice.

Numbers are read one digit at a time: a voice reads "0007" as a quantity, and a caller must be
able to write the number down as they hear it.
"""

from __future__ import annotations

from intake.inspection import Inspection
from intake.phone import e164

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
