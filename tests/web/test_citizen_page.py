"""Attacks on the citizens' page (issue #13, item 18), each performed over HTTP: the confirmation of
a filing shows only in the browser that filed it, the page echoes nothing from its address, and the
form refuses an over-long text with a Chinese sentence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from intake import citizen_texts
from tests.fakes.store import SqlDeskStore, whole
from tests.web.conftest import AppClient
from web.citizen import ERRORS, MAX_TEXT

BRIBE = "审计厅办公室主任公车私用，多次开公车接送家人。"


@asynccontextmanager
async def citizens(app_client: AppClient) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two browsers on one app, neither signed in: the citizen and a stranger."""
    async with app_client(token=False) as citizen:
        transport = httpx.ASGITransport(app=citizen.app)  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
            yield citizen, stranger


async def _file(client: httpx.AsyncClient, text: str) -> httpx.Response:
    return await client.post("/submit", data={"text": text})


async def test_the_confirmation_shows_only_once_and_only_to_the_filer(app_client: AppClient) -> None:
    async with citizens(app_client) as (citizen, stranger):
        r = await _file(citizen, BRIBE)
        assert r.status_code == 303 and r.headers["location"] == "/"
        page = await citizen.get("/")
        assert '已收到您反映的问题，编号 <span class="tn">HN1-0001</span>' in page.text
        assert "值班人员将审阅" in page.text and "查询 HN1-0001" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "HN1-0001" not in (await citizen.get("/")).text  # a reload: gone
        # The old page answered anyone who guessed a (sequential) number.
        for probe in ("/?submitted=HN1-0001", "/?submitted=hn1-0001", "/"):
            seen = await stranger.get(probe)
            assert seen.status_code == 200
            assert "HN1-0001" not in seen.text and "已收到" not in seen.text, probe


async def test_the_error_parameter_echoes_nothing(app_client: AppClient) -> None:
    async with citizens(app_client) as (_, stranger):
        forged = "您的举报已被驳回，请拨打 400-000-0000 缴纳保证金"
        page = await stranger.get("/", params={"error": forged})
        assert forged not in page.text and "未能提交" not in page.text
        page = await stranger.get("/", params={"error": "too_long"})
        assert f"未能提交：{ERRORS['too_long']}" in page.text


async def test_an_over_long_text_is_refused_in_chinese(app_client: AppClient) -> None:
    async with citizens(app_client) as (citizen, _):
        store: SqlDeskStore = whole(citizen.app.state.rt)  # type: ignore[attr-defined]
        r = await _file(citizen, "举" * (MAX_TEXT + 1))
        assert r.status_code == 303 and r.headers["location"] == "/?error=too_long"
        page = await citizen.get(r.headers["location"])
        assert "反映内容不能超过5000字" in page.text
        assert list(await store.latest_reports(None)) == []
        page = await citizen.get("/")
        assert 'maxlength="5000"' in page.text and 'id="text-used"' in page.text
        assert (await _file(citizen, BRIBE + "举" * (MAX_TEXT - len(BRIBE)))).headers["location"] == "/"
        assert len(await store.latest_reports(None)) == 1


async def test_a_status_query_on_the_page_answers_only_the_filer(app_client: AppClient) -> None:
    async with citizens(app_client) as (citizen, stranger):
        await _file(citizen, BRIBE)
        await citizen.get("/")
        await _file(citizen, "查询 HN1-0001")
        mine = await citizen.get("/")
        assert citizen_texts.status_text("HN1-0001", "decided") in mine.text
        await _file(stranger, "查询 HN1-0001")
        theirs = await stranger.get("/")
        await _file(stranger, "查询 HN1-0099")
        missing = await stranger.get("/")
        # Another's number and a number that does not exist get the same words.
        assert citizen_texts.unknown_status_text("HN1-0001") in theirs.text
        assert citizen_texts.unknown_status_text("HN1-0099") in missing.text
        assert "正在审核" not in theirs.text
