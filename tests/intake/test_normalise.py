"""Normalisation and status queries."""

from __future__ import annotations

import pytest

from intake.normalise import normalise, status_query


def test_full_width_becomes_ascii() -> None:
    assert normalise("ＭＺ１－００４２ 局长") == "MZ1-0042 局长"


def test_traditional_becomes_simplified() -> None:
    assert normalise("舉報審計廳財務處處長") == "举报审计厅财务处处长"


def test_control_chars_and_spaces() -> None:
    assert normalise("西虢镇\x00 \t 镇长\r\n\r\n收钱") == "西虢镇镇长\n收钱"


def test_quoted_email_history_is_dropped() -> None:
    text = "举报局长受贿。\n\n> 旧邮件内容\n> 更多旧内容"
    assert normalise(text) == "举报局长受贿。"


def test_reply_header_cuts_the_rest() -> None:
    assert normalise("新的内容\n-----原始邮件-----\n旧的内容") == "新的内容"


def test_empty() -> None:
    assert normalise("") == ""
    assert normalise("   \n ") == ""


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("查询 MZ1-0042", "MZ1-0042"),
        ("查询MZ1-0042", "MZ1-0042"),
        ("/status MZ1-0042", "MZ1-0042"),
        ("/status mz1-42", "MZ1-42"),
        ("查詢 ＨＮ１－００１２", "HN1-0012"),
        ("  查询：ZY3-0007 。", "ZY3-0007"),
    ],
)
def test_status_query(text: str, number: str) -> None:
    assert status_query(text) == number


@pytest.mark.parametrize(
    "text", ["查询一下我的低保", "MZ1-0042", "查询 1MZ-0042", "", "举报 查询 MZ1-0042 的局长"]
)
def test_not_a_status_query(text: str) -> None:
    assert status_query(text) is None
