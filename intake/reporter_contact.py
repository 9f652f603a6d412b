"""Whether a text the citizen typed after choosing 实名 is a name and a phone number, and nothing else.

The real-name path asks for contact details; what comes back may just as well be more of the
report ("另外他还收了购物卡"). Only a text that is a phone number, with at most a name and the
usual labels around it, is taken as contact details; anything else is content.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

MAX_CONTACT_CHARS: Final = 60
# What contact details leave in the message text: the name and number go to the sealed identity
# fields (the report page shows them only through the audited reveal step), never into a text.
CONTACT_TEXT: Final = "[已留实名联系方式]"

# A mainland mobile number (+86 / 0086 / 86 optional, digits grouped by spaces or dashes) or a
# landline with its area code.
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[\s-]*)?(?:1[3-9]\d(?:[\s-]*\d){8}|0\d{2,3}[\s-]*\d{7,8})(?!\d)"
)
_LABELS = re.compile(
    r"实名信息|联系方式|联系电话|手机号码|手机号|手机|电话号码|电话|姓名|名字|我叫|我是|本人"
)
_SEPARATORS = re.compile(r"[\s,，、;；:：/|()（）。.]+")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,8}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z '-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Contact:
    """A reporter's contact details: a name (may be empty) and a phone number."""

    name: str
    phone: str


def typed_contact(text: str) -> Contact | None:
    """The contact details in `text` when it holds one phone number and at most a name; else None."""
    if not text or len(text) > MAX_CONTACT_CHARS:
        return None
    flat = unicodedata.normalize("NFKC", text).strip()
    phones = _PHONE.findall(flat)
    if len(phones) != 1:
        return None
    rest = _LABELS.sub(" ", _PHONE.sub(" ", flat))
    words = [w for w in _SEPARATORS.split(rest) if w]
    name = " ".join(words)
    if name and not (_HAN_NAME.match(name) or _LATIN_NAME.match(name)):
        return None
    return Contact(name=name, phone=_digits(phones[0]))


def _digits(phone: str) -> str:
    """The number without its grouping: "+86 139-1234-5678" -> "+8613912345678"."""
    return ("+" if phone.startswith("+") else "") + re.sub(r"\D", "", phone)
