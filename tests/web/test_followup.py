"""Following every item to its end over HTTP, with an injected clock: transfers across 国庆, the
body's replies and documents, returned items, closing and the citizen's notice, the digest, the
ledger (opened again with openpyxl, cell by cell) and the statistics."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook

from intake.models import Channel
from intake.outbox import LogOnlySender
from storage.crypto import BLOB_MAGIC
from tests.fakes.store import FollowupStore, whole
from web.app import create_app
from web.auth import hash_password
from web.digest import digest_text
from web.followup import digest_for, send_digests
from web.settings import Settings

BJ = ZoneInfo("Asia/Shanghai")
MENGZHOU = "mengzhou-xiguo-2021"
PASSWORD = "correct horse battery"
WAGES = "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。"
COURT = "孟州市人民法院对我的离婚案判得不公平，我要上诉。"
BRIBE = "西虢镇党委书记在道路工程招标中收受好处费。"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@asynccontextmanager
async def started(
    settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's database with `clock` as the service's clock and the desk's."""
    # The desk's actions read the wall clock; the follow-up routes read the runtime's clock.
    monkeypatch.setattr("web.desk._now", clock.now)
    senders = {ch: LogOnlySender(ch) for ch in (Channel.SMS, Channel.EMAIL, Channel.TELEGRAM)}
    app = create_app(settings, senders=senders, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


def _store(client: httpx.AsyncClient) -> FollowupStore:
    store = whole(client.app.state.rt)  # type: ignore[attr-defined]
    assert isinstance(store, FollowupStore)
    return store


async def _sign_in(client: httpx.AsyncClient, name: str, role: str) -> str:
    """Create the account, sign in, and return a CSRF token of the session."""
    await _store(client).add_user(name, role, hash_password(PASSWORD), datetime.now(UTC))
    page = await client.get("/login")
    r = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": _csrf(page.text)})
    assert r.status_code == 303, r.text
    return _csrf((await client.get("/desk/entry")).text)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m
    return m.group(1)


async def _report(client: httpx.AsyncClient, text: str, sender: str, real_name: str | None = None) -> str:
    rt = client.app.state.rt  # type: ignore[attr-defined]
    from intake.models import SubmittedMessage

    msg = SubmittedMessage(id=f"m-{sender}-{len(text)}", text=text, channel=Channel.SMS, sender=sender)
    payload = {"real_name": real_name} if real_name else None
    receipt = await rt.service.accept(msg, inspection_id=MENGZHOU, payload=payload)
    assert receipt.tracking_number
    return receipt.tracking_number


async def test_transfer_before_national_day_and_its_replies_to_the_end(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 7, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        tn = await _report(client, WAGES, "+8613900000001")
        csrf = await _sign_in(client, "zhou", "officer")
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        assert r.headers["location"] == f"/desk/t/ZB-{tn}"
        store = _store(client)
        followed = await store.followed_transfer(f"ZB-{tn}", [MENGZHOU])
        assert followed is not None
        # 1 July + 3 months = 1 October, in the National Day holiday (1-8 Oct 2025): due 9 October.
        assert followed.transfer.deadline.astimezone(BJ).date().isoformat() == "2025-10-09"
        page = await client.get(f"/desk/t/ZB-{tn}/feedback")
        assert page.status_code == 200
        assert "2025-10-09" in page.text
        assert "2025-07-08前" in page.text  # objection window: 2-8 July, five working days

        # The body accepts, then reports its result with its letter attached.
        r = await client.post(f"/desk/t/ZB-{tn}/feedback", data={"csrf": csrf, "kind": "accepted"})
        assert r.status_code == 303
        clock.moment = datetime(2025, 9, 30, 15, tzinfo=BJ)
        letter = "孟州市人社局关于拖欠工资问题的处理情况：已责令企业支付全部欠薪。".encode()
        r = await client.post(
            f"/desk/t/ZB-{tn}/feedback",
            data={"csrf": csrf, "kind": "handled", "text": "已责令企业支付欠薪"},
            files={"documents": ("回函.txt", letter, "text/plain")},
        )
        assert r.status_code == 303
        events = await store.transfer_events(followed.transfer.pk)
        assert [e.kind for e in events] == ["accepted", "handled"]
        doc = events[1].documents[0]
        on_disk = (settings.data_dir / "attachments" / doc["sha256"]).read_bytes()
        assert on_disk.startswith(BLOB_MAGIC) and letter not in on_disk  # sealed at rest
        opened = await client.get(f"/desk/t/ZB-{tn}/doc/{doc['sha256']}")
        assert opened.status_code == 200 and opened.content == letter
        assert (await client.get(f"/desk/r/{tn}")).text.count("已反馈") >= 1
        report = await store.get_report(tn)
        assert report is not None and report.state == "feedback_received"

        # Closing the transfer closes the report and tells the citizen, without the content.
        r = await client.post(f"/desk/t/ZB-{tn}/feedback", data={"csrf": csrf, "kind": "closed"})
        assert r.status_code == 303
        report = await store.get_report(tn)
        assert report is not None and report.state == "closed"
        closing = [a for a in await store.report_acks(report.pk) if a.kind == "closed"]
        assert len(closing) == 1 and tn in closing[0].text and "工资" not in closing[0].text
        assert closing[0].recipient == "+8613900000001"
        # A closed transfer takes no more replies.
        r = await client.post(
            f"/desk/t/ZB-{tn}/feedback", data={"csrf": csrf, "kind": "handled", "text": "x"}
        )
        assert "error=" in r.headers["location"]
        followed = await store.followed_transfer(f"ZB-{tn}", [MENGZHOU])
        assert followed is not None and followed.result == "已责令企业支付欠薪" and followed.closed_at
        actions = [e.action for e in await store.audit_entries(report.pk)]
        assert {
            "transfer.accepted",
            "transfer.handled",
            "transfer.closed",
            "transfer.document_opened",
        } <= set(actions)


async def test_an_objection_returns_the_item_to_the_queue_for_a_new_decision(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 3, 10, 9, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        tn = await _report(client, WAGES, "+8613900000002")
        csrf = await _sign_in(client, "qian", "officer")
        await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        r = await client.post(
            f"/desk/t/ZB-{tn}/feedback", data={"csrf": csrf, "kind": "objected", "text": "不属于本单位职责"}
        )
        assert r.headers["location"] == f"/desk/r/{tn}"
        store = _store(client)
        report = await store.get_report(tn)
        assert report is not None and report.state == "decided"
        assert tn in (await client.get("/desk")).text  # back in the default queue
        # Decided again and transferred again: a second transfer number.
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        assert r.headers["location"] == f"/desk/t/ZB-{tn}-2"
        first = await store.followed_transfer(f"ZB-{tn}", [MENGZHOU])
        assert first is not None and first.transfer.state == "returned"


async def test_in_scope_item_closed_by_the_team(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(datetime(2025, 3, 10, 9, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        tn = await _report(client, BRIBE, "+8613900000003")
        csrf = await _sign_in(client, "sun", "officer")
        r = await client.post(f"/desk/r/{tn}/close", data={"csrf": csrf})
        assert "error=" in r.headers["location"]  # not decided yet
        await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        r = await client.post(f"/desk/r/{tn}/close", data={"csrf": csrf, "result": "已核实并移交"})
        assert r.status_code == 303 and "error" not in r.headers["location"]
        store = _store(client)
        report = await store.get_report(tn)
        assert report is not None and report.state == "closed"
        assert [a.kind for a in await store.report_acks(report.pk)].count("closed") == 1


async def test_digest_sorts_late_soon_undecided_notice_and_failed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 7, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        late = await _report(client, WAGES, "+8613900000011")
        csrf = await _sign_in(client, "li", "officer")
        await client.post(f"/desk/r/{late}/confirm", data={"csrf": csrf})  # due 9 Oct 2025
        clock.moment = datetime(2025, 7, 10, 10, tzinfo=BJ)
        soon = await _report(client, COURT, "+8613900000012")
        await client.post(f"/desk/r/{soon}/confirm", data={"csrf": csrf})  # due 10 Oct 2025
        # Friday 3 October, in the holiday: a report in and no decision yet.
        clock.moment = datetime(2025, 10, 3, 10, tzinfo=BJ)
        waiting = await _report(client, BRIBE, "+8613900000013", real_name="张三")
        store = _store(client)
        acks = await store.report_acks((await store.get_report(waiting)).pk)  # type: ignore[union-attr]
        await store.mark_failed(acks[0].pk, "smtp: 550", None, clock.now())
        rt = client.app.state.rt  # type: ignore[attr-defined]

        # Tuesday 7 October (holiday): both transfers are within 3 working days (9, 10 Oct).
        digest = await digest_for(rt, (MENGZHOU,), datetime(2025, 10, 7, 9, tzinfo=BJ))
        assert [i.tracking_number for i in digest.due_soon] == [late, soon]
        assert digest.overdue == [] and digest.undecided == []  # the decision is due Thursday 9 Oct
        assert [i.tracking_number for i in digest.failed] == [waiting]
        assert [i.tracking_number for i in digest.notice] == []  # notice due 20 Oct: not yet near

        # Monday 13 October: the transfer due 9 Oct is 3 working days late (10, 11 - a worked Saturday -
        # and 13 Oct), the one due 10 Oct 2, and the report, due for a decision on 9 Oct, 3.
        clock.moment = datetime(2025, 10, 13, 9, tzinfo=BJ)
        digest = await digest_for(rt, (MENGZHOU,), clock.now())
        assert [(i.tracking_number, i.late_days) for i in digest.overdue] == [(late, 3), (soon, 2)]
        assert [i.tracking_number for i in digest.undecided] == [waiting]
        assert digest.undecided[0].late_days == 3
        assert digest.due_soon == []
        text = digest_text(digest, "孟州市委第一巡察组")
        assert "转办逾期未反馈】2件" in text and "超过1个工作日未处理】1件" in text
        assert "工资" not in text and "+86139" not in text and "张三" not in text
        # The real-name report's 15-day notice (18 Oct, a Saturday -> Monday 20 Oct) is within 3 working days
        # on 15 October.
        digest = await digest_for(rt, (MENGZHOU,), datetime(2025, 10, 15, 9, tzinfo=BJ))
        assert [i.tracking_number for i in digest.notice] == [waiting]
        assert digest.notice[0].deadline is not None
        assert digest.notice[0].deadline.astimezone(BJ).date().isoformat() == "2025-10-20"

        page = await client.get("/desk/digest")
        assert page.status_code == 200 and late in page.text and "逾期未反馈" in page.text
        brief = await client.get("/desk/digest?brief=1")
        assert "转办逾期未反馈" in brief.text

        # --send: queued in the outbox to the team's address from the inspection file.
        sent = await send_digests(rt, clock.now(), [MENGZHOU])
        assert sent == [(MENGZHOU, "mzxc1@example.org", 4)]  # 2 late, 1 undecided, 1 failed
        queued = [a for a in await store.claim_outbox(clock.now(), 100) if a.kind == "digest"]
        assert len(queued) == 1 and queued[0].recipient == "mzxc1@example.org"
        assert late in queued[0].text and queued[0].channel is Channel.EMAIL


async def test_digest_says_when_a_year_has_no_holiday_arrangement(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2026, 12, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        tn = await _report(client, WAGES, "+8613900000021")
        csrf = await _sign_in(client, "he", "officer")
        await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        page = await client.get("/desk/digest")
        assert "2027年的节假日安排尚未载入" in page.text


async def test_ledger_workbook_csv_identity_and_audit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 7, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        wages = await _report(client, WAGES, "+8613900000031", real_name="王五")
        bribe = await _report(client, BRIBE, "+8613900000032")
        officer_csrf = await _sign_in(client, "officer1", "officer")
        await client.post(f"/desk/r/{wages}/confirm", data={"csrf": officer_csrf})
        await client.post(f"/desk/r/{bribe}/confirm", data={"csrf": officer_csrf})
        assert (await client.get("/desk/ledger.xlsx?from=2025-07-01&to=2025-07-31")).status_code == 403
        await client.post("/logout", data={"csrf": officer_csrf})
        await _sign_in(client, "leader1", "leader")

        r = await client.get("/desk/ledger.xlsx?from=2025-07-01&to=2025-07-31")
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws["A1"].value == "来信台账 2025-07-01 至 2025-07-31"
        header = [c.value for c in ws[2]]
        assert header[:13] == [
            "编号",
            "收到时间",
            "渠道",
            "反映人",
            "被反映人及职务",
            "问题类别",
            "是否属于受理范围",
            "处理方式",
            "转办单位",
            "转办时间",
            "办理期限",
            "办理结果",
            "办结时间",
        ]
        rows = {ws.cell(row=n, column=1).value: [c.value for c in ws[n]] for n in range(3, ws.max_row + 1)}
        assert set(rows) == {wages, bribe}
        w = rows[wages]
        assert w[1] == "2025-07-01 10:00" and w[2] == "短信"
        assert w[3] == "实名（保密）"  # no identity unless asked for
        assert w[5] == "申诉求决" and w[6] == "否" and w[7] == "转办"
        assert w[8] == f"孟州市人社局（ZB-{wages}）" and w[9] == "2025-07-01 10:00" and w[10] == "2025-10-09"
        assert w[11] in (None, "") and w[12] in (None, "") and w[13] == "已转办"
        b = rows[bribe]
        assert b[3] == "留有联系方式（保密）" and b[6] == "是" and b[7] == "本组办理" and b[8] in (None, "")
        assert "西虢镇" in b[4] and "党委书记" in b[4]
        assert "廉洁纪律" in b[5] or "职务违法犯罪" in b[5] or b[5].startswith("检举控告")

        r = await client.get("/desk/ledger.xlsx?from=2025-07-01&to=2025-07-31&identity=1")
        ws = load_workbook(io.BytesIO(r.content)).active
        named = {
            ws.cell(row=n, column=1).value: ws.cell(row=n, column=4).value for n in range(3, ws.max_row + 1)
        }
        assert named[wages] == "王五、+8613900000031" and named[bribe] == "+8613900000032"

        r = await client.get("/desk/ledger.csv?from=2025-07-01&to=2025-07-31")
        assert r.content.startswith("\ufeff".encode())
        lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert lines[0][0] == "编号" and {line[0] for line in lines[1:]} == {wages, bribe}
        assert "+86139" not in r.text

        # Outside the period: nothing.
        r = await client.get("/desk/ledger.csv?from=2025-08-01&to=2025-08-31")
        assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) == 1
        assert (await client.get("/desk/ledger.csv?from=2025-08-01&to=2025-07-01")).status_code == 422

        exports = [e.detail for e in await _store(client).recent_audit() if e.action == "ledger.exported"]
        assert len(exports) == 4
        assert [e["identity"] for e in reversed(exports)] == [False, True, False, False]
        assert exports[-1]["format"] == "xlsx" and exports[-1]["rows"] == 2

        week = await client.get("/desk/ledger/week?week=2025-07-02")
        assert week.status_code == 200 and "2025年6月30日" in week.text
        assert re.search(r'id="w-received">2<', week.text) and "+86139" not in week.text


async def test_stats_page_and_api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(datetime(2025, 7, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        wages = await _report(client, WAGES, "+8613900000041")
        await _report(client, BRIBE, "+8613900000042")
        clock.moment = datetime(2025, 7, 2, 10, tzinfo=BJ)
        await _report(client, COURT, "+8613900000043")
        csrf = await _sign_in(client, "zhao", "officer")
        clock.moment = datetime(2025, 7, 3, 10, tzinfo=BJ)
        await client.post(f"/desk/r/{wages}/confirm", data={"csrf": csrf})  # decided after 48 hours
        clock.moment = datetime(2025, 10, 20, 10, tzinfo=BJ)  # the transfer is overdue now

        r = await client.get("/api/stats?from=2025-07-01&to=2025-07-03")
        assert r.status_code == 200
        s = r.json()
        assert s["total"] == 3
        assert s["per_day"] == {"2025-07-01": {"sms": 2}, "2025-07-02": {"sms": 1}, "2025-07-03": {}}
        assert s["scope"] == {"out_of_scope": 2, "in_scope": 1}
        assert s["scope_share"]["in_scope"] == pytest.approx(1 / 3, abs=1e-4)
        assert s["categories"]["appeal"] == 1 and s["categories"]["litigation"] == 1
        assert s["transfers_by_body"] == {"孟州市人社局": 1}
        assert s["overdue"] == 1 and s["overdue_numbers"] == [f"ZB-{wages}"]
        assert s["median_hours_to_decision"] == 48.0 and s["decided"] == 1

        page = await client.get("/desk/stats?from=2025-07-01&to=2025-07-03")
        assert page.status_code == 200
        assert page.text.count("<svg") == 5 and "孟州市人社局" in page.text and "<script>" not in page.text
        assert re.search(r'id="st-overdue"[^>]*>1 件', page.text)
        # The API needs a token or a session.
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=client.app),  # type: ignore[attr-defined]
            base_url="http://t",
        ) as anonymous:
            assert (await anonymous.get("/api/stats")).status_code == 401


async def test_a_body_reply_mail_is_attached_to_its_transfer(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from email.message import EmailMessage

    from bot.email_in import MailIntake
    from bot.email_out import EmailSender, SmtpConfig
    from bot.mailparse import parse_mail
    from intake.flow import ChannelIntake
    from web.followup import transfer_reply_handler

    clock = Clock(datetime(2025, 7, 1, 10, tzinfo=BJ))
    async with started(settings, clock, monkeypatch) as client:
        tn = await _report(client, WAGES, "+8613900000051")
        csrf = await _sign_in(client, "feng", "officer")
        await client.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
        number = f"ZB-{tn}"
        rt = client.app.state.rt  # type: ignore[attr-defined]

        # The transfer mail carries its number in the subject and the Message-ID...
        sent = await EmailSender(SmtpConfig("localhost", 25), "team@example.org").build(
            "rsj@example.org", f"转办单 {number}\n\n孟州市人社局：……"
        )
        assert number in str(sent["Subject"]) and str(sent["Message-ID"]).startswith(f"<zb.{number}.")
        # ...so the body's reply names it even with a rewritten subject.
        reply = EmailMessage()
        reply["From"] = "rsj@example.org"
        reply["To"] = "team@example.org"
        reply["Subject"] = "答复"
        reply["Message-ID"] = "<reply-1@rsj.example.org>"
        reply["In-Reply-To"] = str(sent["Message-ID"])
        reply.set_content("已责令企业在7日内支付欠薪。")
        reply.add_attachment("处理决定".encode(), maintype="text", subtype="plain", filename="决定.txt")
        raw = reply.as_bytes()
        assert parse_mail(raw).transfer_hints == (number,)

        store = _store(client)
        reports_before = len(await store.latest_reports(None))
        mail = MailIntake(ChannelIntake(rt.service), store_dir=settings.data_dir)
        mail.on_transfer_reply = transfer_reply_handler(rt)
        await mail.take(raw)
        again = await mail.take(raw)  # a redelivery attaches nothing twice
        assert again.duplicate

        followed = await store.followed_transfer(number, [MENGZHOU])
        assert followed is not None
        events = await store.transfer_events(followed.transfer.pk)
        assert [e.kind for e in events] == ["mail"]
        assert events[0].text is not None and "7日内支付欠薪" in events[0].text
        assert "不同" in events[0].text  # the directory has no address for this body: the officer checks
        assert events[0].documents[0]["filename"] == "决定.txt"
        assert len(await store.latest_reports(None)) == reports_before  # no new report
        assert followed.transfer.state == "open"  # a mail moves no state: the officer records it
        page = await client.get(f"/desk/t/{number}/feedback")
        assert "7日内支付欠薪" in page.text and "决定.txt" in page.text
        doc = await client.get(f"/desk/t/{number}/doc/{events[0].documents[0]['sha256']}")
        assert doc.content == "处理决定".encode()
