"""The duty phone on the desk: the voice message played only to officers of its inspection (never
cached, each play audited), 录音未取回 until it is fetched, and the call completed through the
manual-entry form, whose summary becomes the report's text that is decided."""

from __future__ import annotations

import re
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.bot.test_voice import (
    AUDIO,
    LANDLINE,
    OUT_OF_HOURS,
    PUBLIC,
    TEAM_NUMBER,
    Phone,
    call_form,
    leave_message,
    phone,
)
from web.auth import hash_password
from web.desk_calls import PLACEHOLDERS

PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


async def _officer(p: Phone, name: str, inspections: str = "*") -> httpx.AsyncClient:
    """A signed-in browser session of a new officer (its own cookie jar)."""
    await p.store.add_user(name, "officer", hash_password(PASSWORD), datetime.now(UTC), inspections)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=p.app), base_url=PUBLIC)
    page = await client.get("/login")
    r = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": _csrf(page.text)})
    assert r.status_code == 303
    return client


async def _voice_message(p: Phone) -> str:
    sid = p.fake.new_call(LANDLINE, TEAM_NUMBER)
    await p.post("/hooks/voice", call_form(sid, LANDLINE))
    await leave_message(p, sid, LANDLINE)
    return sid


async def test_the_recording_plays_only_for_officers_of_the_inspection(tmp_path: Path) -> None:
    async with phone(tmp_path, OUT_OF_HOURS) as p:
        await _voice_message(p)
        officer = await _officer(p, "wang", "mengzhou-xiguo-2021")
        other = await _officer(p, "zhao", "henan-audit-2016")
        async with aclosing(officer), aclosing(other):
            page = await officer.get("/desk/r/MZ1-0001")
            assert "录音未取回" in page.text and 'id="recording"' not in page.text
            assert (await officer.get("/desk/r/MZ1-0001/recording")).status_code == 404
            p.fake.recording_failures.add(503)
            assert await p.fetch() == 0
            page = await officer.get("/desk/r/MZ1-0001")
            assert "录音未取回（已重试1次，系统将自动再试）" in page.text
            p.clock.advance(seconds=31)
            assert await p.fetch() == 1
            page = await officer.get("/desk/r/MZ1-0001")
            assert "录音未取回" not in page.text and "电话" in page.text
            assert '<audio controls preload="none" src="/desk/r/MZ1-0001/recording"' in page.text
            audio = await officer.get("/desk/r/MZ1-0001/recording")
            assert audio.status_code == 200 and audio.content == AUDIO
            assert audio.headers["content-type"] == "audio/mpeg"
            assert audio.headers["cache-control"] == "no-store"
            assert (await other.get("/desk/r/MZ1-0001/recording")).status_code == 404
            anonymous = await p.client.get("/desk/r/MZ1-0001/recording")
            assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
        plays = [e for e in await p.store.audit_entries() if e.action == "recording.played"]
        assert [e.actor for e in plays] == ["wang"]


async def test_the_call_is_completed_through_the_entry_form(tmp_path: Path, db_url: str) -> None:
    async with phone(tmp_path, OUT_OF_HOURS, database_url=db_url) as p:
        await _voice_message(p)
        officer = await _officer(p, "wang")
        async with aclosing(officer):
            page = await officer.get("/desk/r/MZ1-0001")
            assert "请先整理来电内容" in page.text and 'id="confirm-form"' not in page.text
            confirm = await officer.post("/desk/r/MZ1-0001/confirm", data={"csrf": _csrf(page.text)})
            assert "请先整理来电内容" in httpx.URL(confirm.headers["location"]).params["error"]
            form = await officer.get("/desk/r/MZ1-0001/call-summary")
            assert form.status_code == 200 and 'value="电话"' in form.text
            assert 'value="2021-04-01T20:00"' in form.text and "已加密保存" in form.text
            assert LANDLINE not in form.text and LANDLINE.removeprefix("+86") not in form.text
            summary = "来电反映：西虢镇某村党支部书记在换届选举中拉票贿选。"
            preview = await officer.post(
                "/desk/r/MZ1-0001/call-summary", data={"csrf": _csrf(form.text), "text": summary}
            )
            assert 'id="suggestion"' in preview.text
            saved = await officer.post(
                "/desk/r/MZ1-0001/call-summary",
                data={"csrf": _csrf(form.text), "text": summary, "action": "save"},
            )
            assert saved.status_code == 303
            page = await officer.get("/desk/r/MZ1-0001")
            assert summary in page.text and 'id="confirm-form"' in page.text
            assert (await officer.get("/desk/r/MZ1-0001/call-summary")).status_code == 404
        report = await p.store.get_report("MZ1-0001")
        assert report is not None and report.state == "decided"
        assert report.decision.scope.value == "in_scope" and report.sender == LANDLINE
        [msg] = await p.store.report_messages(report.pk)
        assert msg.text == summary
        # A second officer's save that passed the form's check before the first one's commit.
        late = await p.store.complete_call_report(
            report.pk, "另一份记录", PLACEHOLDERS, actor="li", now=datetime.now(UTC)
        )
        assert not late and (await p.store.report_messages(report.pk))[0].text == summary
