"""The e-mail parser: charsets, HTML-only mail, attachments, quoted replies, auto-replies."""

from __future__ import annotations

import base64
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mailparse import (
    TRACKING_RE,
    UNPARSED_NOTE,
    decode_bytes,
    html_to_text,
    parse_mail,
    strip_quoted,
    unparsed_mail,
)
from intake.errors import InboundError, MalformedPayload
from intake.models import Channel


def _gbk_labelled_gb2312() -> bytes:
    body = "反映情况：朱镕基路段（喆园小区）积水，村支书张某不管。"
    raw = (
        "From: =?gb2312?B?"
        + base64.b64encode("张三".encode("gb18030")).decode()
        + "?= <zhang@example.cn>\r\n"
        "To: team@example.org\r\n"
        # The label lies: 喆 is not in GB2312, but mail clients send it labelled so.
        "Subject: =?gb2312?B?" + base64.b64encode("举报喆园小区".encode("gb18030")).decode() + "?=\r\n"
        "Message-ID: <gbk-1@example.cn>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(body.encode("gb18030")).decode()
    )
    return raw.encode("ascii")


def test_gbk_text_labelled_gb2312_decodes_as_gb18030() -> None:
    mail = parse_mail(_gbk_labelled_gb2312())
    assert "朱镕基路段（喆园小区）积水" in mail.text
    assert mail.subject == "举报喆园小区"
    assert mail.sender == "zhang@example.cn"
    assert mail.message_id == "gbk-1@example.cn"
    assert mail.auto is None


def test_big5_and_utf8_parts() -> None:
    msg = MIMEMultipart()
    msg["From"] = "a@example.tw"
    msg["Message-ID"] = "<b5@example.tw>"
    msg.attach(MIMEText("檢舉村長侵占補助款", "plain", "big5"))
    assert "檢舉村長侵占補助款" in parse_mail(msg.as_bytes()).text


def test_html_only_mail_becomes_text_without_markup_or_quotes() -> None:
    msg = EmailMessage()
    msg["From"] = "Li <li@example.cn>"
    msg["Subject"] = "反映问题"
    msg["Message-ID"] = "<html-1@example.cn>"
    msg.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>村干部&nbsp;王某</p>"
        "<div>侵占低保款<br>三万元</div><blockquote>以前的邮件</blockquote></body></html>",
        subtype="html",
    )
    mail = parse_mail(msg.as_bytes())
    assert mail.text == "村干部 王某\n\n侵占低保款\n三万元"
    assert "color" not in mail.text and "以前的邮件" not in mail.text


def test_chinese_attachment_name_is_kept() -> None:
    msg = EmailMessage()
    msg["From"] = "w@example.cn"
    msg["Message-ID"] = "<att-1@example.cn>"
    msg.set_content("见附件照片")
    msg.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="现场照片.png")
    mail = parse_mail(msg.as_bytes())
    assert [a.filename for a in mail.attachments] == ["现场照片.png"]
    assert mail.attachments[0].data == b"\x89PNG fake"
    assert mail.to_inbound().text == "见附件照片\n[附件：现场照片.png]"


def test_rfc2047_gbk_attachment_name() -> None:
    name = "=?GBK?B?" + base64.b64encode("账目明细.xls".encode("gbk")).decode() + "?="
    raw = (
        "From: x@example.cn\r\nMessage-ID: <a2@x>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
        f'--b\r\nContent-Type: application/vnd.ms-excel; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "AAEC\r\n--b--\r\n"
    ).encode()
    mail = parse_mail(raw)
    assert mail.attachments[0].filename == "账目明细.xls"
    assert mail.attachments[0].data == b"\x00\x01\x02"


def test_ten_megabyte_mail() -> None:
    msg = EmailMessage()
    msg["From"] = "big@example.cn"
    msg["Message-ID"] = "<big@example.cn>"
    msg.set_content("材料较多，见附件。")
    msg.add_attachment(
        bytes(range(256)) * (10 * 4096), maintype="application", subtype="pdf", filename="材料.pdf"
    )
    raw = msg.as_bytes()
    assert len(raw) > 10 * 1024 * 1024
    mail = parse_mail(raw)
    assert len(mail.attachments[0].data) == 10 * 1024 * 1024
    assert mail.text == "材料较多，见附件。"


def test_quoted_reply_is_stripped_and_threaded_by_ack_message_id() -> None:
    msg = EmailMessage()
    msg["From"] = "z@example.cn"
    msg["Subject"] = "Re: 来信回复（编号MZ1-0007）"
    msg["Message-ID"] = "<r1@example.cn>"
    msg["In-Reply-To"] = "<ack.MZ1-0007.abc@team.example.org>"
    msg["References"] = "<orig@example.cn> <ack.MZ1-0007.abc@team.example.org>"
    msg.set_content("补充：还有一笔五千元。\n\n在 2021年4月1日 10:00，巡察组 写道：\n> 您反映的问题已收到\n")
    mail = parse_mail(msg.as_bytes())
    assert mail.text == "补充：还有一笔五千元。"
    assert mail.tracking_hints == ("MZ1-0007",)
    assert mail.references == ("orig@example.cn", "ack.MZ1-0007.abc@team.example.org")


@pytest.mark.parametrize(
    "text",
    [
        "新内容\n-----原始邮件-----\n发件人: a\n旧内容",
        "新内容\n------------------ 原始邮件 ------------------\n旧内容",
        "新内容\n\nOn Mon, 1 Apr 2021 at 10:00, Team <t@x> wrote:\n> old",
        "新内容\n\n发件人: team@x\n发送时间: 2021年4月1日\n旧内容",
    ],
)
def test_quote_headers_of_common_clients(text: str) -> None:
    assert strip_quoted(text) == "新内容"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied", "Subject": "出差"}, "auto-submitted"),
        ({"Subject": "自动回复：我正在休假"}, "auto-subject"),
        ({"Subject": "Out of Office: back Monday"}, "auto-subject"),
        ({"X-Autoreply": "yes", "Subject": "x"}, "x-autoreply"),
        ({"Precedence": "bulk", "Subject": "x"}, "precedence"),
    ],
)
def test_auto_replies_are_recognised(headers: dict[str, str], reason: str) -> None:
    msg = EmailMessage()
    msg["From"] = "someone@example.cn"
    msg["Message-ID"] = "<auto@example.cn>"
    for k, v in headers.items():
        msg[k] = v
    msg.set_content("我目前不在办公室。")
    assert parse_mail(msg.as_bytes()).auto == reason


def test_bounce_from_mailer_daemon() -> None:
    msg = EmailMessage()
    msg["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.cn>"
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg.set_content("The mail system: user unknown")
    assert parse_mail(msg.as_bytes()).auto == "daemon"


def test_mail_from_our_own_address_is_a_loop() -> None:
    msg = EmailMessage()
    msg["From"] = "Team@Example.org"
    msg.set_content("x")
    assert parse_mail(msg.as_bytes(), own_addresses=frozenset({"team@example.org"})).auto == "own-address"


def test_missing_message_id_gets_a_stable_content_id() -> None:
    raw = b"From: a@example.cn\r\nSubject: hi\r\n\r\nbody\r\n"
    first, second = parse_mail(raw), parse_mail(raw)
    assert first.message_id.startswith("sha256:") and first.message_id == second.message_id
    assert first.to_inbound().channel is Channel.EMAIL


def test_empty_input_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        parse_mail(b"  \r\n")


def test_wrong_label_falls_back() -> None:
    assert decode_bytes("中文".encode("gb18030"), "utf-8") == "中文"
    assert decode_bytes("中文".encode(), "x-unknown-charset") == "中文"


def test_html_to_text_entities() -> None:
    assert html_to_text("<p>a&amp;b</p><p>c</p>") == "a&b\n\nc"


def test_tracking_number_pattern() -> None:
    assert TRACKING_RE.findall("编号MZ1-0001。另XJ-12345") == ["MZ1-0001", "XJ-12345"]


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_inbound_errors(raw: bytes) -> None:
    try:
        mail = parse_mail(raw)
    except InboundError:
        return
    mail.to_inbound()


_header_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=60
).filter(lambda s: s.strip() == s and s.strip())
_body_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=300)
    .map(lambda s: s.strip())
    .filter(lambda s: s and not s.startswith(">") and "写道" not in s and "wrote:" not in s.lower())
)


@settings(max_examples=200, deadline=None)
@given(subject=_header_text, body=_body_text, charset=st.sampled_from(["utf-8", "gb18030"]))
def test_round_trip_of_unicode_subject_and_body(subject: str, body: str, charset: str) -> None:
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        return
    msg = MIMEText(body, "plain", charset)
    msg["From"] = "p@example.cn"
    msg["Subject"] = Header(subject, "utf-8")
    msg["Message-ID"] = "<p@example.cn>"
    mail = parse_mail(msg.as_bytes())
    assert mail.subject == " ".join(subject.split())
    assert mail.text == strip_quoted(body)


# --- attacks of issue #13 -------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_raw_8bit_headers_from_chinese_clients_are_read(codec: str) -> None:
    # No RFC 2047: the display name and the subject are raw UTF-8 or GBK bytes (was 554 TypeError).
    raw = (
        "From: 张三 <zhang@example.cn>\r\nTo: team@example.org\r\nSubject: 举报村干部侵占低保款\r\n"
        "Message-ID: <raw8@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode(codec) + "正文内容".encode()
    mail = parse_mail(raw)
    assert (mail.sender, mail.subject, mail.text) == ("zhang@example.cn", "举报村干部侵占低保款", "正文内容")
    assert mail.unparsed is None


def test_an_8bit_header_neither_utf8_nor_gb18030_is_read_as_latin1() -> None:
    raw = b"From: Jos\xe9 <jose@example.es>\r\nSubject: Caf\xe9\r\nMessage-ID: <l1@x>\r\n\r\nx\r\n"
    mail = parse_mail(raw)
    assert (mail.sender, mail.subject) == ("jose@example.es", "Café")


@pytest.mark.parametrize(
    "from_header",
    [
        '"other@evil.test, " <citizen@example.cn>',
        "=?utf-8?q?other@evil.test,?= <citizen@example.cn>",
        "=?utf-8?b?" + base64.b64encode(b"other@evil.test, ").decode() + "?= <citizen@example.cn>",
    ],
)
def test_the_reply_address_is_the_addr_spec_never_the_display_name(from_header: str) -> None:
    raw = f"From: {from_header}\r\nMessage-ID: <dn@x>\r\n\r\n举报\r\n".encode()
    assert parse_mail(raw).sender == "citizen@example.cn"


def test_an_unparsable_mail_becomes_its_whole_text_for_an_officer() -> None:
    raw = "From: 张三 <citizen@example.cn>\r\n\r\n村干部侵占低保款\r\n".encode("gbk") + b"\x00"
    mail = unparsed_mail(raw, "unreadable mail: RecursionError")
    assert mail.unparsed == "unreadable mail: RecursionError" and mail.sender is None
    assert mail.text.startswith(UNPARSED_NOTE) and "村干部侵占低保款" in mail.text and "\x00" not in mail.text
    assert mail.message_id == unparsed_mail(raw, "again").message_id  # a redelivery is the same message


def test_raw_8bit_text_and_encoded_words_in_one_header() -> None:
    word = "=?gb2312?B?" + base64.b64encode("喆园".encode("gb18030")).decode() + "?="
    raw = (
        f"From: a@example.cn\r\nSubject: 举报 {word} {word} 小区\r\nMessage-ID: <mix@x>\r\n\r\nx\r\n".encode()
    )
    assert parse_mail(raw).subject == "举报 喆园喆园 小区"
