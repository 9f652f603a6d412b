"""Parsing inbound e-mail with the standard library: bytes in, a `ParsedMail` out, nothing else.

The message is parsed with the modern policy (`email.policy.default`), but Chinese mail arrives in
every charset and every degree of brokenness, so header text and text parts are decoded here from
their raw bytes: a part labelled GB2312 often holds GBK-only characters (镕, 喆) which the stdlib
silently turns into mojibake, so GB2312/GBK are decoded as their superset GB18030, Big5 as
Big5-HKSCS; a header sent as raw 8-bit bytes (common from Chinese clients) is read as UTF-8, then
GB18030, then Latin-1. The sender is the addr-spec of the From mailbox as the modern policy's
address parser finds it, never anything from the display name. A mail that still cannot be parsed
becomes `unparsed_mail`: its whole text for an officer. Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser

from intake.errors import MalformedPayload
from intake.models import MAX_TEXT_CHARS, Channel, InboundMessage

# Charset labels mapped to the codec that decodes everything mail under that label really holds.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}

# A tracking number as `Inspection.prefix` and the store format it: "MZ1-0001".
TRACKING_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]{0,5}-\d{4,})(?![0-9])")
# Our acknowledgements carry the tracking number in their Message-ID (see email_out), so a reply's
# In-Reply-To/References name the report even when the subject was rewritten.
_ACK_ID_RE = re.compile(r"ack\.([A-Z][A-Z0-9]{0,5}-\d{4,})\.", re.IGNORECASE)
# A transfer (转办单) number, "ZB-MZ1-0001" or "ZB-MZ1-0001-2": in the subject of the transfer mail
# and, as `zb.<number>.`, in its Message-ID, so a receiving body's reply names the transfer.
TRANSFER_RE = re.compile(r"(?<![A-Za-z0-9-])(ZB-[A-Z][A-Z0-9]{0,5}-\d{4,}(?:-\d+)?)(?![0-9])")
_TRANSFER_ID_RE = re.compile(r"zb\.(ZB-[A-Z][A-Z0-9]{0,5}-\d{4,}(?:-\d+)?)\.", re.IGNORECASE)

_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(auto(matic)?[ _-]?(reply|response)|auto:|out of (the )?office|abwesenheit|"
    r"自动回复|自动答复|休假|undeliver(able|ed)|delivery status notification|"
    r"mail delivery (failed|failure|subsystem)|returned mail|failure notice|退信|系统退信|投递失败)",
    re.IGNORECASE,
)
_DAEMON_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "maildaemon"})

_QUOTE_MARKERS = re.compile(
    r"^\s*(-{2,}\s*(original message|原始邮件|原邮件|forwarded message|转发邮件)\s*-{2,}"
    r"|-{5,}\s*原始邮件\s*-{5,}"
    r"|on .{1,200}wrote:\s*$"
    r"|在\s?.{1,200}写道\s*[:：]\s*$"
    r"|(from|发件人)\s*[:：].*\n\s*(sent|date|发送时间|时间|日期)\s*[:：])",
    re.IGNORECASE | re.MULTILINE,
)

TRUNCATED_NOTE = "\n[正文过长，已截断]"
UNPARSED_NOTE = "【系统提示】此邮件无法自动解析，原件已加密保存，以下为原件文字，请值班人员核对处理。"
MAX_ID_CHARS = 200
# Raw 8-bit header bytes are tried in this order: UTF-8 fails loudly on anything else, GB18030
# takes most GBK/GB2312 text, and Latin-1 takes every byte, so a header always becomes text.
_8BIT_CODECS = ("utf-8", "gb18030", "latin-1")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a mail, kept as it came."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        """Hex digest of the content: the file's name in the attachment store."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """What the service needs from one inbound mail."""

    message_id: str
    sender: str | None
    subject: str | None
    text: str
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto: str | None = None  # why it is an auto-reply or bounce, or None for a person's mail
    tracking_hints: tuple[str, ...] = field(default=())
    transfer_hints: tuple[str, ...] = field(default=())  # ZB numbers: a receiving body's reply
    unparsed: str | None = None  # why the parser could not read it (kept whole for an officer)

    def to_inbound(self) -> InboundMessage:
        """The mail as an `InboundMessage` (attachments are listed by name in the text)."""
        text = self.text
        if self.attachments:
            names = "、".join(a.filename for a in self.attachments)
            text = f"{text}\n[附件：{names}]" if text else f"[附件：{names}]"
        if len(text) > MAX_TEXT_CHARS:
            text = text[: MAX_TEXT_CHARS - len(TRUNCATED_NOTE)] + TRUNCATED_NOTE
        return InboundMessage(
            id=self.message_id,
            text=text,
            channel=Channel.EMAIL,
            sender=self.sender,
            subject=self.subject[:2000] if self.subject else None,
        )


def codec_for(charset: str | None) -> str:
    """The codec to decode text labelled `charset` with (GB2312/GBK as GB18030, Big5 as HKSCS)."""
    label = (charset or "utf-8").strip().strip('"').lower()
    return _CHARSET_SUPERSETS.get(label, label)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode `data` as labelled; an unknown label falls back to UTF-8, then GB18030."""
    try:
        return data.decode(codec_for(charset), errors="strict")
    except LookupError:
        pass
    except UnicodeDecodeError:
        # A wrong label is common (UTF-8 labelled GBK and the reverse): try the likely ones.
        for fallback in ("utf-8", "gb18030"):
            try:
                return data.decode(fallback, errors="strict")
            except UnicodeDecodeError:
                continue
        try:
            return data.decode(codec_for(charset), errors="replace")
        except LookupError:
            pass
    for fallback in ("utf-8", "gb18030"):
        try:
            return data.decode(fallback, errors="strict")
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def decode_8bit(data: bytes) -> str:
    """Text of raw bytes with no label: UTF-8, else GB18030, else Latin-1 (which takes any byte)."""
    for codec in _8BIT_CODECS:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def header_text(value: str | None) -> str | None:
    """A raw header value as text, still RFC 2047-encoded: raw 8-bit bytes (kept by the parser as
    surrogate escapes) are decoded as UTF-8, then GB18030, then Latin-1."""
    if value is None:
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return decode_8bit(value.encode("ascii", "surrogateescape"))
    return value


def decode_header_value(value: str | None) -> str | None:
    """Decode an RFC 2047 header (and raw 8-bit UTF-8/GBK bytes) to text."""
    value = header_text(value)
    if value is None:
        return None
    if not value.isascii():
        # Raw text with encoded words in it: decode_header would return the raw text's characters
        # as \uXXXX escapes, so each word is decoded on its own here.
        return re.sub(r"\s+", " ", _decode_words(value)).strip()
    try:
        chunks = decode_header(value)
    except Exception:
        return value.strip()
    parts: list[str] = []
    for chunk, charset in chunks:
        parts.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _decode_words(value: str) -> str:
    """`value` with each RFC 2047 word decoded (the space between two adjacent words dropped)."""
    out: list[str] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if not (out and pos and not between.strip()):
            out.append(between)
        try:
            out.extend(
                decode_bytes(c, cs) if isinstance(c, bytes) else c for c, cs in decode_header(match[0])
            )
        except Exception:
            out.append(match[0])
        pos = match.end()
    out.append(value[pos:])
    return "".join(out)


class _HtmlText(HTMLParser):
    """HTML to plain text: block elements become line breaks, scripts, styles and quotes vanish."""

    _BLOCKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"})
    _SKIP = frozenset({"script", "style", "head", "title", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted lines and everything after a quote header are dropped."""
    match = _QUOTE_MARKERS.search(text)
    if match:
        text = text[: match.start()]
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def _message_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(re.findall(r"<([^<>\s]+)>", value))


def _raw(msg: Message, name: str) -> str | None:
    """The first `name` header as it came (RFC 2047 words and 8-bit bytes still in it), or None.

    The modern policy's parsed value would turn raw 8-bit bytes into U+FFFD; the raw one keeps them."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return header_text(str(value))
    return None


def sender_address(from_value: str | None) -> str | None:
    """The addr-spec of the (first) From mailbox, lower-cased: never taken from the display name.

    `From: "other@evil.test, " <citizen@...>`, or the same name as an RFC 2047 word, names one
    mailbox, citizen@...; decoding the words first and splitting at commas after would answer
    other@evil.test. The modern policy's address parser decodes words only inside display names."""
    if not from_value:
        return None
    try:
        mailboxes = policy.default.header_factory("From", from_value).addresses
    except Exception:
        return None  # an address the parser cannot read: kept, but never answered
    for mailbox in mailboxes:
        address = str(mailbox.addr_spec).strip().lower()
        local, at, domain = address.rpartition("@")
        if at and local and domain and len(address) <= 320 and not any(c.isspace() for c in address):
            return address
    return None


def _auto_reason(msg: Message, sender: str | None, subject: str | None, own: frozenset[str]) -> str | None:
    auto_submitted = (_raw(msg, "Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto-submitted"
    if _raw(msg, "X-Autoreply") or _raw(msg, "X-Autorespond") or _raw(msg, "X-Autoresponse"):
        return "x-autoreply"
    if (_raw(msg, "Precedence") or "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "precedence"
    if msg.get_content_type() == "multipart/report":
        return "delivery-report"
    if (_raw(msg, "Return-Path") or "").strip() == "<>":
        return "null-sender"
    if sender and (sender.split("@", 1)[0] in _DAEMON_LOCALPARTS or sender in own):
        return "daemon" if sender not in own else "own-address"
    if subject and _AUTO_SUBJECT_RE.search(subject):
        return "auto-subject"
    return None


def _text_of(msg: Message) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
        raw_name = part.get_filename()
        filename = decode_header_value(raw_name) if raw_name else None
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if ctype in {"text/plain", "text/html"} and disposition != "attachment" and not filename:
            text = decode_bytes(data, part.get_content_charset())
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if ctype == "message/rfc822" or ctype.startswith("multipart/"):
            continue
        attachments.append(Attachment(filename or f"attachment-{len(attachments) + 1}", ctype, data))
    if plain:
        body = "\n\n".join(strip_quoted(p) for p in plain)
    else:
        body = "\n\n".join(strip_quoted(html_to_text(h)) for h in html)
    return body.strip(), attachments


def parse_mail(raw: bytes, *, own_addresses: frozenset[str] = frozenset()) -> ParsedMail:
    """Parse one RFC 5322 message; raises only `MalformedPayload` (see `unparsed_mail`)."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise MalformedPayload("empty mail")
    try:
        msg = message_from_bytes(bytes(raw), policy=policy.default)
        return _parse(msg, bytes(raw), own_addresses)
    except MalformedPayload:
        raise
    except Exception as exc:
        raise MalformedPayload(f"unreadable mail: {exc.__class__.__name__}") from exc


def unparsed_mail(raw: bytes, reason: str) -> ParsedMail:
    """What is kept of a mail the parser could not read: its whole text for an officer to read,
    under the content's digest (a redelivery of the same bytes is the same message). No sender:
    nothing is answered to an address read from a mail we could not parse."""
    text = decode_8bit(bytes(raw)).replace("\x00", "")
    return ParsedMail(
        message_id="sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=None,
        subject=None,
        text=f"{UNPARSED_NOTE}\n\n{text}",
        unparsed=reason,
    )


def _parse(msg: Message, raw: bytes, own: frozenset[str]) -> ParsedMail:
    ids = _message_ids(_raw(msg, "Message-ID"))
    message_id = ids[0] if ids else None
    if message_id is None or len(message_id) > MAX_ID_CHARS:
        # No usable Message-ID: the content's digest is stable across redeliveries of the same mail.
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    sender = sender_address(_raw(msg, "From"))
    # A NUL is no text (and PostgreSQL refuses it in a text column).
    subject = (decode_header_value(_raw(msg, "Subject")) or "").replace("\x00", "") or None
    text, attachments = _text_of(msg)
    text = text.replace("\x00", "")
    in_reply_to = _message_ids(_raw(msg, "In-Reply-To"))
    references = _message_ids(_raw(msg, "References"))
    hints: list[str] = []
    for mid in (*in_reply_to, *references):
        hints.extend(m.upper() for m in _ACK_ID_RE.findall(mid))
    if subject:
        hints.extend(TRACKING_RE.findall(subject))
    transfers: list[str] = []
    for mid in (*in_reply_to, *references):
        transfers.extend(m.upper() for m in _TRANSFER_ID_RE.findall(mid))
    if subject:
        transfers.extend(TRANSFER_RE.findall(subject))
    return ParsedMail(
        message_id=message_id,
        sender=sender,
        subject=subject,
        text=text,
        attachments=tuple(attachments),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        auto=_auto_reason(msg, sender, subject, own),
        tracking_hints=tuple(dict.fromkeys(hints)),
        transfer_hints=tuple(dict.fromkeys(transfers)),
    )
