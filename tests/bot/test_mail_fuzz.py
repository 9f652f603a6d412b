"""Fuzzing the e-mail intake with real-world oddities: every input is stored, none is refused or lost.

Raw 8-bit headers in UTF-8, GBK or Latin-1, RFC 2047 words under lying or unknown labels, huge
headers, nested and broken multiparts (missing or wrong boundaries, no terminator), wrong and
unknown charsets, broken base64 and quoted-printable, and plain random bytes: each goes through
`MailIntake.take` into a real SQLite store, which must hold one more message afterwards (a parsed
message, or the raw mail kept for an officer). Bounded to a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql_text

from bot.email_in import MailIntake
from intake.flow import ChannelIntake
from tests.fakes.intake import intake_service
from tests.fakes.store import whole

T = TypeVar("T")

CHARSET_LABELS = [
    "utf-8",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "iso-8859-1",
    "us-ascii",
    "x-unknown",
    "utf-7",
    "",
]
CODECS = ["utf-8", "gbk", "gb18030", "big5", "latin-1"]
CTYPES = [
    "text/plain",
    "text/html",
    "application/octet-stream",
    "image/png",
    "message/rfc822",
    "text/x-bogus",
]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", ""]

_chinese = st.text(
    st.sampled_from("举报村干部侵占低保款张三镕喆園區：，。abc xyz@<>\"'=?;\\") | st.characters(), max_size=80
)


@st.composite
def _encoded(draw: st.DrawFn) -> bytes:
    """Text as some codec's bytes (unencodable characters replaced), or plain random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=120))
    return draw(_chinese).encode(draw(st.sampled_from(CODECS)), errors="replace")


@st.composite
def header_value(draw: st.DrawFn) -> bytes:
    """A header value: raw 8-bit, an RFC 2047 word under any label, or a huge one."""
    kind = draw(st.sampled_from(["raw", "word", "huge", "ascii"]))
    if kind == "word":
        label = draw(st.sampled_from(CHARSET_LABELS))
        data = base64.b64encode(draw(_encoded())).decode()
        return f"=?{label}?{draw(st.sampled_from('BbQq'))}?{data}?=".encode()
    if kind == "huge":
        return b"x" * draw(st.integers(1000, 60_000))
    if kind == "ascii":
        return draw(st.text(st.characters(max_codepoint=126, min_codepoint=32), max_size=60)).encode()
    return draw(_encoded()).replace(b"\r", b"").replace(b"\n", b"")


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    """One body part: any type, charset label and transfer encoding, its content possibly broken."""
    ctype = draw(st.sampled_from(CTYPES))
    label = draw(st.sampled_from(CHARSET_LABELS))
    cte = draw(st.sampled_from(ENCODINGS))
    body = draw(_encoded())
    if cte == "base64" and draw(st.booleans()):
        body = base64.encodebytes(body)  # else: whatever bytes, broken base64
    head = f"Content-Type: {ctype}; charset={label}\r\nContent-Transfer-Encoding: {cte}\r\n"
    if draw(st.booleans()):
        head += "Content-Disposition: attachment; filename="
        head += draw(st.sampled_from(['"=?gbk?B?1tC5+g==?="', '"中.pdf"', "", '"a"; filename*=bad']))
        head += "\r\n"
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + body


def _multipart(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        boundary = draw(st.sampled_from(["b1", "b1", "==x==", "", "b1 b2"]))
        used = draw(st.sampled_from([boundary, boundary, "other"]))  # a wrong boundary now and then
        subtype = draw(st.sampled_from(["mixed", "alternative", "related", "report", "digest"]))
        out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\npreamble\r\n'.encode()
        for child in draw(children):
            out += f"--{used}\r\n".encode() + child + b"\r\n"
        if draw(st.booleans()):  # the terminator is often missing in the wild
            out += f"--{used}--\r\n".encode()
        return out

    return build()


body_part = st.recursive(leaf(), lambda inner: _multipart(st.lists(inner, max_size=4)), max_leaves=8)


@st.composite
def mails(draw: st.DrawFn) -> bytes:
    """A whole mail of oddities, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    headers = b""
    for name in draw(
        st.lists(st.sampled_from(["From", "Subject", "To", "Cc", "Reply-To", "Date"]), max_size=6)
    ):
        headers += name.encode() + b": " + draw(header_value()) + b"\r\n"
    if draw(st.booleans()):
        headers += b"From: " + draw(header_value()) + b" <citizen@example.cn>\r\n"
    if draw(st.booleans()):
        headers += b"MIME-Version: 1.0\r\n"
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    return (headers + draw(body_part)).replace(b"\r\n", newline)


class _StoreOnALoop:
    """A real intake on SQLite, on an event loop in a thread, so that a synchronous hypothesis
    test can run many examples against one store (opening a store per example would take minutes)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stack = AsyncExitStack()
        self.numbers = itertools.count(1)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    async def _open(self) -> None:
        self.service = await self.stack.enter_async_context(intake_service(self.tmp_path))
        self.mail = MailIntake(ChannelIntake(self.service), store_dir=self.tmp_path / "files")

    async def _count(self) -> int:
        async with whole(self.service).engine.connect() as conn:  # type: ignore[attr-defined]
            n: int = (await conn.execute(sql_text("SELECT count(*) FROM messages"))).scalar_one()
        return n

    def take_and_count(self, raw: bytes) -> tuple[int, int]:
        """Messages stored before and after taking `raw` (made unique, so no example is a redelivery)."""
        number = next(self.numbers)
        unique = f"X-Fuzz-Example: {number}\r\nMessage-ID: <fuzz-{number}@test>\r\n".encode() + raw
        before = self.run(self._count())
        self.run(self.mail.take(unique))
        return before, self.run(self._count())


@contextmanager
def store_on_a_loop(tmp_path: Path) -> Iterator[_StoreOnALoop]:
    box = _StoreOnALoop(tmp_path)
    box.thread.start()
    try:
        box.run(box._open())
        yield box
    finally:
        box.run(box.stack.aclose())
        box.loop.call_soon_threadsafe(box.loop.stop)
        box.thread.join(10)
        box.loop.close()


def test_fuzzed_mail_is_always_stored(tmp_path: Path) -> None:
    with store_on_a_loop(tmp_path) as box:

        @settings(
            max_examples=150,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(raw=mails())
        def each(raw: bytes) -> None:
            before, after = box.take_and_count(raw)
            assert after == before + 1

        each()


def test_mail_nested_too_deep_to_parse_is_kept_whole(tmp_path: Path) -> None:
    with store_on_a_loop(tmp_path) as box:
        before, after = box.take_and_count(deeply_nested(1100))
        assert after == before + 1


def deeply_nested(depth: int) -> bytes:
    """A multipart nested `depth` deep (the parser's recursion gives up at about a thousand)."""
    head = "From: 张三 <citizen@example.cn>\r\nSubject: 举报\r\n"
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(depth))
    closing = "".join(f"--b{i}--\r\n" for i in reversed(range(depth)))
    return (head + opening + "Content-Type: text/plain\r\n\r\n村干部侵占低保款\r\n" + closing).encode()
