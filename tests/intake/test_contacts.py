"""Contact details typed into a message are found in every written form, masked, and restorable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.contacts import find_contacts, mask_text, restore

# Text around a contact: Chinese words and punctuation, never digits or Latin letters (which would
# legitimately extend the number or the address).
FILLER = st.text(alphabet="举报镇长收受红包，。：我的电话是号码联系邮箱身份证请回复谢谢 ", max_size=30)

MOBILE = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


@st.composite
def written_phone(draw: st.DrawFn) -> tuple[str, str]:
    """(a mobile number as a citizen might type it, its 11 digits)."""
    digits = draw(MOBILE)
    sep = draw(st.sampled_from(["", " ", "-", "—"]))
    body = digits[:3] + sep + digits[3:7] + sep + digits[7:]
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "86-", "(+86)", "+86-"]))
    written = prefix + body
    if draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    return written, digits


@st.composite
def id_card(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "410883", "330106", "440305"]))
    year = draw(st.integers(1900, 2025))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    seq = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    check = draw(st.sampled_from("0123456789Xx"))
    return f"{region}{year}{month:02d}{day:02d}{seq}{check}"


EMAIL = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12).filter(
        lambda s: s[0].isalnum()
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
    st.sampled_from(["com", "cn", "org", "com.cn"]),
)


@settings(max_examples=300)
@given(FILLER, written_phone(), FILLER)
def test_every_written_form_of_a_mobile_number_is_masked(
    before: str, phone: tuple[str, str], after: str
) -> None:
    written, digits = phone
    masked = mask_text(before + written + after)
    assert [c.kind for c in masked.contacts] == ["phone"]
    assert masked.text == before + digits[:3] + "****" + digits[-4:] + after
    assert digits not in masked.text


@settings(max_examples=200)
@given(FILLER, id_card(), FILLER)
def test_id_card_numbers_are_masked(before: str, number: str, after: str) -> None:
    masked = mask_text(before + number + after)
    assert [c.kind for c in masked.contacts] == ["id_card"]
    assert number[3:14] not in masked.text  # the birth date and the region's detail are gone
    assert masked.text == before + number[:3] + "*" * 11 + number[-4:].upper() + after


@settings(max_examples=200)
@given(FILLER, EMAIL, FILLER)
def test_email_addresses_are_masked(before: str, address: str, after: str) -> None:
    masked = mask_text(before + address + after)
    assert [c.kind for c in masked.contacts] == ["email"]
    local, _, domain = address.partition("@")
    assert masked.text == before + local[0] + "***@" + domain + after


@settings(max_examples=300)
@given(st.lists(st.one_of(FILLER, written_phone().map(lambda p: p[0]), id_card(), EMAIL), max_size=8))
def test_restore_gives_back_the_text_and_masking_is_final(pieces: list[str]) -> None:
    # Pieces are joined by a Chinese comma so that two numbers never run into one.
    text = "，".join(pieces)
    masked = mask_text(text)
    assert restore(masked.text, masked.sealed_record()) == text
    assert find_contacts(masked.text) == []  # a masked text holds nothing more to mask


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="@")))
def test_text_without_digits_or_at_signs_is_left_alone(text: str) -> None:
    assert mask_text(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "查询 MZ1-0001",  # a status query keeps its tracking number
        "2021年3月20日上午9点，金额12345678元",
        "编号HN1-0012的事情",
        "订单号 138123456789",  # twelve digits: not a mobile number
        "座机0391-8123456",
    ],
)
def test_what_is_not_a_contact_stays(text: str) -> None:
    assert mask_text(text).text == text


def test_the_telegram_real_name_line_is_masked() -> None:
    masked = mask_text("实名信息：张三, +86 138 1234 5678")
    assert masked.text == "实名信息：张三, 138****5678"
    assert masked.contacts[0].value == "+86 138 1234 5678"


def test_an_address_made_of_a_phone_number_is_one_email() -> None:
    masked = mask_text("邮箱13812345678@qq.com")
    assert masked.text == "邮箱1***@qq.com"
    assert [c.kind for c in masked.contacts] == ["email"]
