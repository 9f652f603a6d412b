"""The smaller holes of issue #13 (item 20), each attacked as it was found.

An unknown inspection on /submit, a deeply nested Telegram update, a control character in a
reporter's number (a 500 on the ledger and the number in the logged traceback), the API docs
open to anyone, and `petition user add` with an inspection id that does not exist.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli.main import main
from intake.inspection import bundled_inspections, load_inspection
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlDeskStore, whole
from tests.fakes.telegram_api import message_update
from tests.trust.harness import Harness, count_rows, running, settings_for, sms_form, sms_post
from web.auth import hash_password
from web.identity import new_token, token_hash
from web.logs import MaskIdentities

START = datetime(2016, 3, 10, 1, 0, tzinfo=UTC)  # inside the default inspection's period
TEXT = "举报村主任侵占集体土地。"
TG = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret", "Content-Type": "application/json"}


def lenient(h: Harness, **kwargs: object) -> httpx.AsyncClient:
    """A client on the app that gets a 500 as a response instead of the exception."""
    transport = httpx.ASGITransport(app=h.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)  # type: ignore[arg-type]


async def token_of(h: Harness, name: str, role: str) -> str:
    """An API token of a new account with `role`."""
    store: SqlDeskStore = whole(h.rt)  # type: ignore[assignment]
    user = await store.add_user(name, role, hash_password("not used here"), datetime.now(UTC))
    token = new_token()
    await store.add_token(user.pk, token_hash(token), datetime.now(UTC))
    return token


@contextmanager
def served_log() -> Iterator[io.StringIO]:
    """What the root handler of `serve` would print (with its filter), at DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(MaskIdentities())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_submit_to_an_unknown_inspection_is_a_chinese_page_with_the_headers(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h, lenient(h) as client:
        r = await client.post("/submit", data={"text": TEXT, "inspection": "no-such-inspection"})
        assert r.status_code == 303 and "content-security-policy" in r.headers  # was a bare 500
        page = await client.get(r.headers["location"])
        assert page.status_code == 200 and "content-security-policy" in page.headers
        assert "所选的巡视（巡察）组不存在" in page.text
        assert await count_rows(h, "messages") == 0


async def test_a_server_error_is_a_chinese_page_with_the_headers(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:

        async def broken() -> None:
            raise RuntimeError("failed for +8613700000009: 举报内容")

        h.app.add_api_route("/broken", broken)
        async with lenient(h) as client:
            r = await client.get("/broken")
    assert r.status_code == 500
    assert "系统出错" in r.text and "8613700000009" not in r.text and "Traceback" not in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("depth", [100_000, 5_000, 900, 100])
async def test_a_deeply_nested_telegram_update_is_a_clean_400(tmp_path: Path, depth: int) -> None:
    async with running(settings_for(tmp_path / "data")) as h, lenient(h) as client:
        nested = "[" * depth + "]" * depth
        body = (
            '{"update_id": 1, "message": {"message_id": 1, "date": 1700000000, "text": "举报", '
            '"chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "x"}, '
            f'"x": {nested}}}}}'
        )
        r = await client.post("/hooks/telegram", content=body.encode(), headers=TG)
        assert r.status_code == 400  # was 500 (and at a few hundred deep, stored as it was)
        assert await count_rows(h, "messages") == 0
        assert (await h.telegram_update(message_update(2, 5, TEXT))).status_code == 200
        assert await count_rows(h, "messages") == 1


async def test_a_control_character_in_a_reporter_number_neither_breaks_the_ledger_nor_leaks(
    tmp_path: Path,
) -> None:
    number = "+86137\x0b55501234"
    async with running(settings_for(tmp_path / "data"), FakeClock(START)) as h:
        assert (await h.client.post(**sms_post(sms_form("SMctl", TEXT, number)))).status_code == 200
        await h.settle()
        token = await token_of(h, "leader1", "leader")
        with served_log() as log:
            async with lenient(h, headers={"Authorization": f"Bearer {token}"}) as client:
                r = await client.get("/desk/ledger.xlsx?from=2016-03-01&to=2016-03-31&identity=1")
        assert r.status_code == 200  # was 500, openpyxl's IllegalCharacterError
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws.cell(row=3, column=4).value == "+86137\ufffd55501234"
        assert "55501234" not in log.getvalue()


def test_the_log_filter_never_prints_an_exception_message() -> None:
    # Identity fields by field, not by shape: a control character defeats any pattern.
    value = "+86137\x0b55501234 cannot be used in worksheets (李四)"  # not on the line the traceback shows
    with served_log() as log:
        try:
            raise ValueError(value)
        except ValueError as exc:
            logging.getLogger("web.ledger").exception("export failed: %s", exc)
    text = log.getvalue()
    assert "55501234" not in text and "李四" not in text
    assert "ValueError" in text and "export failed" in text


async def test_the_api_docs_are_for_signed_in_admins_only(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        for path in ("/openapi.json", "/api/docs"):
            r = await h.client.get(path)
            assert r.status_code in (401, 303) and "openapi" not in r.text.lower(), path
        officer = await token_of(h, "officer1", "officer")
        r = await h.client.get("/openapi.json", headers={"Authorization": f"Bearer {officer}"})
        assert r.status_code == 403
        admin = await token_of(h, "admin1", "admin")
        r = await h.client.get("/openapi.json", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200 and "/api/messages" in r.json()["paths"]
        r = await h.client.get("/api/docs", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200 and "swagger" in r.text.lower()


def test_user_add_refuses_an_unknown_inspection(tmp_path: Path) -> None:
    path = bundled_inspections()[0]
    known = load_inspection(path).id
    env = {"PETITION_DATA_DIR": str(tmp_path / "data"), "PETITION_INSPECTION": str(path)}
    runner = CliRunner()
    bad = runner.invoke(
        main, ["user", "add", "x", "--role", "officer", "--inspections", f"{known},nope"], "pw\n", env=env
    )
    assert bad.exit_code == 2 and "unknown inspection id(s): nope" in bad.stderr and known in bad.stderr
    good = runner.invoke(
        main,
        ["user", "add", "y", "--role", "officer", "--inspections", known],
        "a long enough passphrase 1\n",
        env=env,
    )
    assert good.exit_code == 0, good.stderr
