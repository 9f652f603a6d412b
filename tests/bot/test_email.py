"""E-mail: acknowledgements through a real aiosmtpd server, inbound from dovecot (IMAP) and via SMTP."""

from __future__ import annotations

import asyncio
import base64
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aioimaplib
import aiosmtplib
import pytest

from bot.email_in import ImapConfig, ImapPoller, MailIntake, SmtpHandler, start_smtp_server
from bot.email_out import EmailSender, SmtpConfig
from bot.mailparse import UNPARSED_NOTE
from intake.errors import ChannelSendError
from intake.flow import ChannelIntake
from intake.models import Channel
from intake.outbox import OutboxWorker
from tests.bot.test_mail_fuzz import deeply_nested
from tests.fakes.dovecot import Dovecot, dovecot_server
from tests.fakes.intake import intake_service
from tests.fakes.smtp import RecordingHandler, smtp_server
from tests.fakes.store import whole

TEAM = "mzxc1@team.example.org"
CITIZEN = "zhang@example.cn"


def citizen_mail(
    text: str = "西虢镇某村支书侵占低保款。", message_id: str = "<m1@example.cn>", **headers: str
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"张三 <{CITIZEN}>"
    msg["To"] = TEAM
    msg["Subject"] = headers.pop("Subject", "反映问题")
    msg["Message-ID"] = message_id
    for k, v in headers.items():
        msg[k] = v
    msg.set_content(text)
    return msg.as_bytes()


def test_smtp_urls() -> None:
    cfg = SmtpConfig.from_url("smtp://u%40x:p%3Aw@mail.example.org:587?starttls=1")
    assert (cfg.host, cfg.port, cfg.username, cfg.password, cfg.start_tls, cfg.use_tls) == (
        "mail.example.org",
        587,
        "u@x",
        "p:w",
        True,
        False,
    )
    tls = SmtpConfig.from_url("smtps://u:p@mail.example.org")
    assert (tls.port, tls.use_tls, tls.start_tls) == (465, True, None)
    imap = ImapConfig.from_url("imaps://u:p@imap.example.org/收件箱")
    assert (imap.port, imap.mailbox, imap.use_tls) == (993, "收件箱", True)
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://x")


async def test_mail_in_ack_out_reply_threaded(tmp_path: Path) -> None:
    handler = RecordingHandler()
    async with intake_service(tmp_path) as service, smtp_server(handler) as port:
        intake = ChannelIntake(service)
        mail = MailIntake(intake, store_dir=tmp_path / "files", own_addresses=[TEAM])
        receipt = await mail.take(citizen_mail())
        assert receipt.tracking_number == "MZ1-0001"
        sender = EmailSender(SmtpConfig("127.0.0.1", port, start_tls=False), TEAM, records=service.records)
        await OutboxWorker(whole(service), {Channel.EMAIL: sender}, service.clock).run_once()
        [ack] = handler.messages()
        assert ack["To"] == CITIZEN and ack["From"] == TEAM
        assert ack["Auto-Submitted"] == "auto-replied"
        assert ack["In-Reply-To"] == "<m1@example.cn>" and ack["References"] == "<m1@example.cn>"
        assert ack["Message-ID"].startswith("<ack.MZ1-0001.")
        assert "编号MZ1-0001" in ack.get_content() and "MZ1-0001" in ack["Subject"]
        # The citizen replies to the acknowledgement: the reply joins the report, no new ack.
        reply = citizen_mail(
            "补充：还有一笔五千元。\n\n> 您反映的问题已收到",
            "<m2@example.cn>",
            Subject="Re: 其他主题",
            **{"In-Reply-To": ack["Message-ID"], "References": f"<m1@example.cn> {ack['Message-ID']}"},
        )
        joined = await mail.take(reply)
        assert joined.tracking_number == "MZ1-0001" and joined.ack_text is None
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None
        texts = [m.text for m in await whole(service).report_messages(report.pk)]
        assert texts == ["西虢镇某村支书侵占低保款。", "补充：还有一笔五千元。"]
        # Redelivery of the same mail: nothing new.
        assert (await mail.take(citizen_mail())).duplicate
        assert len(await whole(service).latest_reports(None)) == 1
        assert (tmp_path / "files" / "mail").is_dir()


async def test_reply_from_someone_else_does_not_join(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        mail = MailIntake(ChannelIntake(service))
        await mail.take(citizen_mail())
        other = EmailMessage()
        other["From"] = "li@example.cn"
        other["Subject"] = "Re: 来信回复（编号MZ1-0001）"
        other["Message-ID"] = "<x@example.cn>"
        other.set_content("另一件事：镇长收礼。")
        receipt = await mail.take(other.as_bytes())
        assert receipt.tracking_number == "MZ1-0002"


async def test_out_of_office_is_recorded_never_acknowledged(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        mail = MailIntake(ChannelIntake(service), own_addresses=[TEAM])
        receipt = await mail.take(
            citizen_mail(
                "我正在休假，4月10日返回。",
                "<ooo@example.cn>",
                Subject="自动回复：休假",
                **{"Auto-Submitted": "auto-replied"},
            )
        )
        assert receipt.tracking_number is None and receipt.ack_text is None
        assert await whole(service).latest_reports(None) == []
        assert await whole(service).unprocessed_messages() == []  # recorded and handled
        assert await whole(service).claim_outbox(service.clock.now(), 10) == []


async def test_smtp_errors_map_to_retry_or_failure() -> None:
    handler = RecordingHandler(fail_codes=["451 4.3.0 try later", "550 5.1.1 no such user"])
    async with smtp_server(handler) as port:
        sender = EmailSender(SmtpConfig("127.0.0.1", port, start_tls=False), TEAM)
        with pytest.raises(ChannelSendError) as temporary:
            await sender.send_text(CITIZEN, "编号MZ1-0001")
        with pytest.raises(ChannelSendError) as permanent:
            await sender.send_text(CITIZEN, "编号MZ1-0001")
        assert await sender.send_text(CITIZEN, "编号MZ1-0001")
        assert await sender.check() == f"smtp 127.0.0.1:{port}"
    assert temporary.value.retryable and not permanent.value.retryable
    assert CITIZEN not in str(permanent.value)
    unreachable = EmailSender(SmtpConfig("127.0.0.1", 9, start_tls=False), TEAM, timeout=2)
    with pytest.raises(ChannelSendError) as refused:
        await unreachable.send_text(CITIZEN, "x")
    assert refused.value.retryable


async def test_inbound_smtp_server_commits_before_250(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        handler = SmtpHandler(MailIntake(ChannelIntake(service)), accept_domains=["team.example.org"])
        server = await start_smtp_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            gbk = (
                f"From: {CITIZEN}\r\nTo: {TEAM}\r\nMessage-ID: <gbk@example.cn>\r\n"
                "Subject: =?GBK?B?" + base64.b64encode("举报".encode("gbk")).decode() + "?=\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n"
                + base64.encodebytes("朱镕基路段（喆园小区）积水，村干部不管。".encode("gb18030")).decode()
            ).encode()
            await aiosmtplib.send(
                gbk, sender=CITIZEN, recipients=[TEAM], hostname="127.0.0.1", port=port, start_tls=False
            )
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
                await aiosmtplib.send(
                    gbk,
                    sender=CITIZEN,
                    recipients=["x@elsewhere.org"],
                    hostname="127.0.0.1",
                    port=port,
                    start_tls=False,
                )
        finally:
            server.close()
            await server.wait_closed()
        report = await whole(service).get_report("MZ1-0001")
        assert report is not None
        [msg] = await whole(service).report_messages(report.pk)
        assert msg.text == "朱镕基路段（喆园小区）积水，村干部不管。" and msg.subject == "举报"


# --- IMAP against a real dovecot ---------------------------------------------------------------------


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    # Not under tmp_path: pytest makes its base 0700, and dovecot's mail user must reach the maildir.
    with (
        tempfile.TemporaryDirectory(prefix="petition-dovecot-") as base,
        dovecot_server(Path(base)) as server,
    ):
        yield server


async def _append(server: Dovecot, *mails: bytes) -> None:
    client = aioimaplib.IMAP4(host=server.host, port=server.port)
    await client.wait_hello_from_server()
    await client.login(server.user, server.password)
    for raw in mails:
        assert (await client.append(raw, mailbox="INBOX")).result == "OK"
    await client.logout()


def _big_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "big@example.cn"
    msg["Message-ID"] = "<big@example.cn>"
    msg["Subject"] = "材料"
    msg.set_content("证据材料见附件。")
    msg.add_attachment(
        bytes(range(256)) * (10 * 4096), maintype="application", subtype="pdf", filename="证据材料.pdf"
    )
    return msg.as_bytes()


def _html_only() -> bytes:
    msg = EmailMessage()
    msg["From"] = "html@example.cn"
    msg["Message-ID"] = "<html@example.cn>"
    msg.set_content("<p>村主任</p><p>优亲厚友分配宅基地</p>", subtype="html")
    return msg.as_bytes()


async def test_imap_takes_unseen_mail_once(tmp_path: Path, dovecot: Dovecot) -> None:
    await _append(dovecot, citizen_mail(), _big_mail(), _html_only())
    async with intake_service(tmp_path) as service:
        mail = MailIntake(ChannelIntake(service), store_dir=tmp_path / "files")
        poller = ImapPoller(ImapConfig.from_url(dovecot.url), mail)
        assert await poller.run_once() == 3
        assert await poller.run_once() == 0  # flagged \Seen after commit
        reports = {r.tracking_number: r for r in await whole(service).latest_reports(None)}
        assert sorted(reports) == ["MZ1-0001", "MZ1-0002", "MZ1-0003"]
        texts = [m.text for r in reports.values() for m in await whole(service).report_messages(r.pk)]
        assert "村主任\n\n优亲厚友分配宅基地" in texts
        assert "证据材料见附件。\n[附件：证据材料.pdf]" in texts
        stored = list((tmp_path / "files" / "attachments").iterdir())
        assert [p.stat().st_size for p in stored] == [10 * 1024 * 1024]


async def test_imap_idle_picks_up_new_mail(tmp_path: Path, dovecot: Dovecot) -> None:
    async with intake_service(tmp_path) as service:
        mail = MailIntake(ChannelIntake(service))
        poller = ImapPoller(ImapConfig.from_url(dovecot.url), mail, idle_timeout=20)
        task = asyncio.create_task(poller.session())
        try:
            await asyncio.sleep(0.5)
            await _append(dovecot, citizen_mail())
            for _ in range(100):
                if await whole(service).latest_reports(None):
                    break
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert [r.tracking_number for r in await whole(service).latest_reports(None)] == ["MZ1-0001"]


# --- attacks of issue #13: nothing refused, nothing flagged \Seen unstored, no one else answered ------


def _raw_8bit(codec: str, message_id: str) -> bytes:
    """A Chinese client's mail: display name and subject as raw 8-bit bytes, no RFC 2047."""
    head = (
        f"From: 张三 <{CITIZEN}>\r\nTo: {TEAM}\r\nSubject: 举报村支书侵占低保款\r\n"
        f"Message-ID: {message_id}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={codec}\r\n\r\n"
    )
    return (head + "西虢镇某村支书侵占低保款三万元。\r\n").encode(codec)


async def test_smtp_accepts_raw_8bit_headers(tmp_path: Path) -> None:
    async with intake_service(tmp_path) as service:
        handler = SmtpHandler(MailIntake(ChannelIntake(service)), accept_domains=["team.example.org"])
        server = await start_smtp_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            for codec, mid in (("utf-8", "<u8@example.cn>"), ("gbk", "<gbk8@example.cn>")):
                # Was "554 unusable message: TypeError": the citizen's report bounced.
                await aiosmtplib.send(
                    _raw_8bit(codec, mid),
                    sender=CITIZEN,
                    recipients=[TEAM],
                    hostname="127.0.0.1",
                    port=port,
                    start_tls=False,
                )
        finally:
            server.close()
            await server.wait_closed()
        reports = await whole(service).latest_reports(None)
        assert len(reports) == 2 and {r.sender for r in reports} == {CITIZEN}
        for report in reports:
            [msg] = await whole(service).report_messages(report.pk)
            assert msg.subject == "举报村支书侵占低保款" and msg.text == "西虢镇某村支书侵占低保款三万元。"


async def test_imap_stores_8bit_and_unparsable_mail_before_flagging_seen(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    await _append(dovecot, _raw_8bit("gbk", "<imap8@example.cn>"), deeply_nested(1100))
    async with intake_service(tmp_path) as service:
        mail = MailIntake(ChannelIntake(service), store_dir=tmp_path / "files")
        poller = ImapPoller(ImapConfig.from_url(dovecot.url), mail)
        assert await poller.run_once() == 2
        assert await poller.run_once() == 0
        reports = await whole(service).latest_reports(None)
        # Was: both flagged \Seen and dropped, no report.
        assert len(reports) == 2
        texts = {m.text for r in reports for m in await whole(service).report_messages(r.pk)}
        assert "西虢镇某村支书侵占低保款三万元。" in texts
        [kept] = [t for t in texts if t.startswith(UNPARSED_NOTE)]
        assert "村干部侵占低保款" in kept  # the officer reads the original
        assert len(list((tmp_path / "files" / "mail").iterdir())) == 2  # both .eml kept


async def test_ack_goes_to_the_addr_spec_not_an_address_in_the_display_name(tmp_path: Path) -> None:
    handler = RecordingHandler()
    async with intake_service(tmp_path) as service, smtp_server(handler) as port:
        mail = MailIntake(ChannelIntake(service), own_addresses=[TEAM])
        raw = (
            f"From: =?utf-8?q?other@evil.test,?= <{CITIZEN}>\r\nTo: {TEAM}\r\nSubject: 举报\r\n"
            "Message-ID: <dn@example.cn>\r\n\r\n西虢镇某村支书侵占低保款。\r\n"
        ).encode()
        assert (await mail.take(raw)).tracking_number == "MZ1-0001"
        sender = EmailSender(SmtpConfig("127.0.0.1", port, start_tls=False), TEAM, records=service.records)
        await OutboxWorker(whole(service), {Channel.EMAIL: sender}, service.clock).run_once()
        [ack] = handler.messages()
        assert ack["To"] == CITIZEN
