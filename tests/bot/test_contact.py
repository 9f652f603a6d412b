"""What the real-name path takes as contact details: a phone number with at most a name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.reporter_contact import Contact, typed_contact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三 13912345678", Contact("张三", "13912345678")),
        ("姓名：张三，电话：139-1234-5678", Contact("张三", "13912345678")),
        ("我叫李四 手机 +86 139 1234 5678", Contact("李四", "+8613912345678")),
        ("１３９１２３４５６７８", Contact("", "13912345678")),
        ("王五 0391-8123456", Contact("王五", "03918123456")),
        ("另外他还收了购物卡", None),
        ("张三", None),
        ("13912345678 另外他还收了购物卡", None),
        ("镇长收了13912345678元", None),
        ("张三 13912345678 李四 13812345678", None),
    ],
)
def test_examples(text: str, expected: Contact | None) -> None:
    assert typed_contact(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Nd")), max_size=80))
def test_a_text_without_digits_is_never_contact(text: str) -> None:
    assert typed_contact(text) is None


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from([" ", "，", "、", " 电话：", "：", ""]),
)
def test_a_name_and_a_mobile_number_are_contact(name: str, number: str, sep: str) -> None:
    assert typed_contact(f"{name}{sep}{number}") == Contact(name, number)
