"""The transfer form's PDF embeds its font when PETITION_PDF_FONT names a TrueType file, so an office
printer without CJK fonts prints the text; without one it says so in the log and names STSong-Light."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.transfer_form import SUGGESTED_PDF_FONT, FormContent, _pdf

CONTENT = FormContent(
    number="ZB-MZ1-0001",
    date="2027年3月1日",
    team="孟州市委第一巡察组",
    body="焦作市人社局",
    tracking_number="MZ1-0001",
    category="申诉求决",
    matter="反映西虢镇工厂拖欠工资问题",
    reporter="反映人身份保密",
    deadline="2027年3月31日",
)


@pytest.mark.skipif(not Path(SUGGESTED_PDF_FONT).exists(), reason="fonts-wqy-microhei not installed")
def test_the_configured_font_is_embedded_as_a_subset() -> None:
    pdf = _pdf(CONTENT, SUGGESTED_PDF_FONT)
    assert b"/FontFile2" in pdf and b"STSong-Light" not in pdf
    assert len(pdf) < 200_000  # a subset, not the 5 MB collection


def test_without_a_font_file_the_pdf_names_the_cid_font_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    pdf = _pdf(CONTENT, "/nonexistent/font.ttf")
    assert b"STSong-Light" in pdf and b"/FontFile2" not in pdf
    assert "PETITION_PDF_FONT" in caplog.text
