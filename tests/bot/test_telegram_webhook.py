"""The Telegram conversation driven only as a citizen's phone drives it: `POST /hooks/telegram` with
the webhook secret, answers read from the fake Bot API (issue #13, items 2, 7-12).

Each test performs one of the failures found and checks what the citizen and the officers see.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event, exc

from storage.desk import QueueFilter
from tests.fakes.intake import FakeClock
from tests.fakes.store import whole
from tests.fakes.telegram_api import callback_update, message_update
from tests.trust.harness import Harness, running, settings_for
from web.auth import hash_password
from web.identity import new_token, token_hash

START = datetime(2016, 3, 10, 1, 0, tzinfo=UTC)  # inside the default inspection's period (HN1)
PHONE = "13912345678"
ACCUSATION = "审计厅副厅长王某收受企业购物卡二十万元"
NOTHING_YET = "请先写下"


@dataclass
class Phone:
    """One citizen's Telegram chat with the bot: every update goes through the webhook."""

    h: Harness
    chat: int = 7_300_001
    next_id: int = 1000
    sent_ids: list[int] = field(default_factory=list)

    async def post(self, update: dict[str, Any]) -> httpx.Response:
        return await self.h.telegram_update(update)

    def _id(self) -> int:
        self.next_id += 1
        self.sent_ids.append(self.next_id)
        return self.next_id

    async def say(self, text: str) -> httpx.Response:
        return await self.post(message_update(self._id(), self.chat, text))

    async def press(self, data: str) -> dict[str, Any]:
        """Press a button; returns the update (to deliver it again)."""
        update = callback_update(self._id(), self.chat, data)
        assert (await self.post(update)).status_code == 200
        return update

    async def share_contact(self, name: str, phone: str) -> httpx.Response:
        contact = {"phone_number": phone, "first_name": name, "user_id": self.chat}
        return await self.post(message_update(self._id(), self.chat, contact=contact))

    def heard(self) -> list[str]:
        """Every text the bot sent to this chat, acknowledgements included (after a drain)."""
        return [p["text"] for p in self.h.telegram.sent() if str(p["chat_id"]) == str(self.chat)]

    def numbers(self) -> list[str]:
        """The acknowledgements of new reports (each carries its tracking number)."""
        return [t for t in self.heard() if "收到，编号HN1-" in t]


@asynccontextmanager
async def phone(
    tmp_path: Path, clock: FakeClock | None = None, db_url: str | None = None
) -> AsyncIterator[Phone]:
    async with running(settings_for(tmp_path / "data", db_url), clock or FakeClock(START)) as h:
        yield Phone(h)


async def filed(p: Phone, text: str = ACCUSATION) -> None:
    """Write a report and file it anonymously; the acknowledgement is sent."""
    assert (await p.say(text)).status_code == 200
    await p.press("anonymous")
    await p.h.drain()


async def texts_of(h: Harness, tracking_number: str) -> list[str]:
    store = whole(h.rt)
    report = await store.get_report(tracking_number)
    assert report is not None
    return [m.text for m in await store.report_messages(report.pk)]


async def api_report(h: Harness, tracking_number: str) -> str:
    """GET /api/reports/N as any officer's script would."""
    store = whole(h.rt)
    user = await store.add_user("api-officer", "officer", hash_password("x"), START)  # type: ignore[attr-defined]
    token = new_token()
    await store.add_token(user.pk, token_hash(token), START)  # type: ignore[attr-defined]
    r = await h.client.get(f"/api/reports/{tracking_number}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    return r.text


async def found_by_search(h: Harness, words: str) -> list[str]:
    rows = await whole(h.rt).queue(QueueFilter(("henan-audit-2016",), text=words))  # type: ignore[attr-defined]
    return [r.tracking_number for r in rows.rows]


# --- item 9: every update is taken once ------------------------------------------------------------


async def test_a_retried_button_press_files_once_and_says_nothing_more(tmp_path: Path, db_url: str) -> None:
    async with phone(tmp_path, db_url=db_url) as p:
        await p.say(ACCUSATION)
        press = await p.press("anonymous")
        await p.h.drain()
        before = p.heard()
        assert (await p.post(press)).status_code == 200  # Telegram delivers it again
        await p.h.drain()
        assert p.heard() == before
        assert not any(NOTHING_YET in t for t in p.heard())
        assert len(p.numbers()) == 1


async def test_a_retried_start_welcomes_once(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        start = message_update(2001, p.chat, "/start")
        assert (await p.post(start)).status_code == 200
        assert (await p.post(start)).status_code == 200
        assert len([t for t in p.heard() if t.startswith("您好")]) == 1


async def test_seen_update_ids_are_kept_in_the_database(tmp_path: Path) -> None:
    # Another process (or this one after a restart) must know the update too: not in memory.
    async with phone(tmp_path) as p:
        await p.post(message_update(2002, p.chat, "/start"))
        conversation = p.h.app.state.channels.telegram
        assert await whole(p.h.rt).claim_update(conversation.bot_id, 2002, START) is False


# --- item 7: status answers have their own limit ---------------------------------------------------


async def test_five_status_queries_then_a_new_report_still_gets_its_number(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with phone(tmp_path, clock) as p:
        await filed(p)
        for _ in range(5):
            await p.say("查询 HN1-0001")
        await p.h.drain()
        assert len([t for t in p.heard() if t.startswith("编号HN1-0001：")]) == 5
        clock.advance(minutes=10)
        await p.say("审计厅处长李某违规报销差旅费")
        await p.press("anonymous")
        await p.h.drain()
        assert any("编号HN1-0002" in t for t in p.heard())


async def test_the_status_limit_is_told_once(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        for _ in range(8):
            await p.say("查询 HN1-0001")
        await p.h.drain()
        answers = [t for t in p.heard() if t.startswith("编号HN1-0001：")]
        limits = [t for t in p.heard() if "查询次数较多" in t]
        assert (len(answers), len(limits)) == (5, 1)


# --- items 2 and 8: the real-name path ----------------------------------------------------------


async def test_real_name_path_takes_content_as_content_and_asks_again(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say(ACCUSATION)
        await p.press("realname")
        await p.say("另外他还收了购物卡")
        assert "姓名和联系电话" in p.heard()[-1]  # asked again
        assert p.h.telegram.sent()[-1]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
        assert await whole(p.h.rt).get_report("HN1-0001") is None  # nothing filed yet
        await p.say(f"张三 {PHONE}")
        await p.h.drain()
        texts = await texts_of(p.h, "HN1-0001")
        assert "另外他还收了购物卡" in texts
        assert not any(PHONE in t for t in texts)
        assert len(p.numbers()) == 1


async def test_a_shared_contact_is_sealed_not_shown(tmp_path: Path, db_url: str) -> None:
    async with phone(tmp_path, db_url=db_url) as p:
        await p.say(ACCUSATION)
        await p.press("realname")
        await p.share_contact("张三", "+86" + PHONE)
        await p.h.drain()
        texts = await texts_of(p.h, "HN1-0001")
        assert not any(PHONE in t or "张三" in t for t in texts)
        shown = await api_report(p.h, "HN1-0001")
        assert PHONE not in shown and "张三" not in shown
        assert await found_by_search(p.h, PHONE) == []
        # The officer sees it only through the audited reveal step.
        report = await whole(p.h.rt).get_report("HN1-0001")
        assert report is not None
        first = (await whole(p.h.rt).report_messages(report.pk))[0]
        assert first.payload is not None and first.payload["contact_phone"] == "+86" + PHONE
        assert first.payload["real_name"] == "张三"


async def test_the_officer_sees_the_contact_only_through_the_audited_reveal(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say(ACCUSATION)
        await p.press("realname")
        await p.say(f"张三，{PHONE}")
        store = whole(p.h.rt)
        await store.add_user("chen", "officer", hash_password("pw-chen-12345"), START)  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=p.h.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as desk:
            login = await desk.get("/login")
            await desk.post(
                "/login", data={"name": "chen", "password": "pw-chen-12345", "csrf": csrf(login.text)}
            )
            page = await desk.get("/desk/r/HN1-0001")
            assert page.status_code == 200 and PHONE not in page.text and "张三" not in page.text
            shown = await desk.post("/desk/r/HN1-0001/reveal", data={"csrf": csrf(page.text)})
        assert PHONE in shown.text and "张三" in shown.text
        viewed = await store.recent_audit(action_prefix="identity.")  # type: ignore[attr-defined]
        assert [(e.action, e.actor) for e in viewed] == [("identity.viewed", "chen")]


async def test_a_released_transfer_form_gives_the_phone_not_the_chat_id(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say("河南省审计厅拖欠我三个月工资，一直不给发")  # an appeal: transferred with the identity
        await p.press("realname")
        await p.say(f"张三 {PHONE}")
        await whole(p.h.rt).add_user("chen", "officer", hash_password("pw-chen-12345"), START)  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=p.h.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as desk:
            login = await desk.get("/login")
            await desk.post(
                "/login", data={"name": "chen", "password": "pw-chen-12345", "csrf": csrf(login.text)}
            )
            page = await desk.get("/desk/r/HN1-0001")
            confirmed = await desk.post("/desk/r/HN1-0001/confirm", data={"csrf": csrf(page.text)})
            form = await desk.get(confirmed.headers["location"])
        assert "张三" in form.text and PHONE in form.text and str(p.chat) not in form.text


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


# --- item 10: the draft outlives a failed write ----------------------------------------------------


@contextmanager
def reports_refused(engines: list[Engine]) -> Iterator[None]:
    """Every INSERT INTO reports fails as a database that went away would."""

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO REPORTS"):
            raise exc.OperationalError(statement, None, Exception("database is locked"))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", refuse)


async def test_a_failed_write_keeps_the_draft_for_telegrams_retry(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say(ACCUSATION)
        press = callback_update(3001, p.chat, "anonymous")
        with reports_refused(whole(p.h.rt).sync_engines):  # type: ignore[attr-defined]
            assert (await p.post(press)).status_code == 503
        assert (await p.post(press)).status_code == 200  # Telegram delivers it again
        await p.h.drain()
        assert not any(NOTHING_YET in t for t in p.heard())
        assert await texts_of(p.h, "HN1-0001") == [ACCUSATION]
        assert len(p.numbers()) == 1


# --- item 11: one status-query parser ------------------------------------------------------------


async def test_every_spelling_of_a_status_query_is_answered_not_attached(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        before = len(p.heard())
        await p.say("查詢 HN1-0001")
        await p.say("查 hn1-0001")
        await p.say("/status HN1-0001")
        await p.h.drain()
        # Answered, not taken as content: no draft, no 补充 offer, no new report.
        assert [t.split("：")[0] for t in p.heard()[before:]] == ["编号HN1-0001"] * 3
        assert await p.h.app.state.channels.telegram.draft_of(str(p.chat)) is None
        assert await whole(p.h.rt).get_report("HN1-0002") is None


async def test_a_bare_status_command_opens_no_report(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say("/status")
        await p.h.drain()
        assert "查询 编号" in p.heard()[-1]
        assert await whole(p.h.rt).get_report("HN1-0001") is None
        assert await p.h.app.state.channels.telegram.draft_of(str(p.chat)) is None


async def test_a_report_starting_with_chaxun_still_gets_the_choice(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await p.say("查询一下，我要举报审计厅副厅长王某收受购物卡")
        markup = p.h.telegram.sent()[-1].get("reply_markup") or {}
        assert [b[0]["callback_data"] for b in markup.get("inline_keyboard", [])] == ["realname", "anonymous"]
        assert await whole(p.h.rt).get_report("HN1-0001") is None


# --- item 12: a new report after /start, 补充 only when tapped -----------------------------------


async def test_after_start_a_real_name_report_is_new_not_appended(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        await p.say("/start")
        await p.say("审计厅处长李某违规报销差旅费")
        await p.press("realname")
        assert not any(NOTHING_YET in t for t in p.heard())
        await p.share_contact("张三", PHONE)
        await p.h.drain()
        assert await texts_of(p.h, "HN1-0001") == [ACCUSATION]
        assert (await texts_of(p.h, "HN1-0002"))[0] == "审计厅处长李某违规报销差旅费"


async def test_thanks_is_not_an_addition_and_buttons_go_once_used(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        await p.say("谢谢")
        assert await texts_of(p.h, "HN1-0001") == [ACCUSATION]
        markup = p.h.telegram.sent()[-1]["reply_markup"]["inline_keyboard"]
        assert markup[0][0]["callback_data"] == "append:HN1-0001"  # offered, not done
        # The 匿名 press took the buttons off its prompt.
        edits = p.h.telegram.sent("editMessageReplyMarkup")
        assert [(e["message_id"], e.get("reply_markup")) for e in edits] == [("1", None)]


async def test_tapping_append_adds_to_the_earlier_report(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        await p.say("还有一张收据")
        await p.press("append:HN1-0001")
        assert await texts_of(p.h, "HN1-0001") == [ACCUSATION, "还有一张收据"]
        assert "已补充到编号HN1-0001" in p.heard()[-1]


async def test_append_to_someone_elses_report_is_refused(tmp_path: Path) -> None:
    async with phone(tmp_path) as p:
        await filed(p)
        other = Phone(p.h, chat=7_300_999, next_id=5000)
        await other.say("我也有补充")
        await other.press("append:HN1-0001")  # a forged button: not this chat's report
        assert await texts_of(p.h, "HN1-0001") == [ACCUSATION]
        offered = p.h.telegram.sent()[-1]["reply_markup"]["inline_keyboard"]
        assert [row[0]["callback_data"] for row in offered] == ["realname", "anonymous"]


async def test_start_says_when_the_reception_period_is_over(tmp_path: Path) -> None:
    async with phone(tmp_path, FakeClock(datetime(2016, 5, 20, 2, 0, tzinfo=UTC))) as p:
        await p.say("/start")
        assert "现已结束" in p.heard()[-1]
