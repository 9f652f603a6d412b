"""One deployment, several teams: an SMS or a mail goes to the inspection whose number or mailbox
the citizen wrote to, and each team numbers its own reports."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from bot.email_in import recipients
from intake.inspection import bundled_inspections
from intake.models import Channel
from tests.bot.test_hooks import app_client, sms_form, sms_post
from tests.fakes.http import serve
from tests.fakes.store import whole
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from web.runtime import Runtime

HENAN_SMS = "+8618539578021"  # published in henan-audit-2016.toml
MENGZHOU_SMS = "+86 139 0000 0000"  # mengzhou-xiguo-2021.toml has +8613900000000: spacing differs


async def test_sms_lands_in_the_inspection_of_the_number_written_to(tmp_path: Path) -> None:
    everything = ":".join(str(p) for p in bundled_inspections())
    twilio = FakeTwilio()
    async with serve(twilio.app()) as base:
        settings = {
            "inspection": everything,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_from": "+8613900000000",
            "twilio_api_base": base,
        }
        async with app_client(tmp_path, **settings) as (client, app):
            for n, (to, body) in enumerate(
                (
                    (HENAN_SMS, "举报审计厅财务处处长虚报差旅费。"),
                    (MENGZHOU_SMS, "西虢镇党委书记收受工程老板红包。"),
                    ("+8610000000000", "村里的路坏了没人修。"),
                )
            ):
                form = {**sms_form(f"SM{n:032d}", body, sender=f"+8613800000{n:03d}"), "To": to}
                r = await client.post(**sms_post(form))
                assert r.status_code == 200
            rt: Runtime = app.state.rt
            by_inspection = {r.inspection_id: r.tracking_number for r in await whole(rt).latest_reports(None)}
            assert by_inspection["mengzhou-xiguo-2021"] == "MZ1-0001"
            # The unknown number and the audit office's number both belong to the first (default) one.
            henan = sorted(r.tracking_number for r in await whole(rt).latest_reports("henan-audit-2016"))
            assert henan == ["HN1-0001", "HN1-0002"]
            # Each citizen is answered from the number they wrote to (their reply reaches that team).
            while await rt.worker.run_once():
                pass
            sent_from = {m["To"]: m["From"] for m in twilio.messages}
            assert sent_from == {
                "+8613800000000": HENAN_SMS,
                "+8613800000001": MENGZHOU_SMS,
                "+8613800000002": "+8610000000000",
            }


def test_mail_recipients_come_from_the_header_only() -> None:
    mail = EmailMessage()
    mail["From"] = "citizen@example.org"
    mail["To"] = "巡察组 <MZXC1@example.org>"
    mail["Cc"] = "other@example.org"
    mail.set_content("To: fake@example.org\n正文里的 To 不算。")
    assert recipients(bytes(mail)) == ["MZXC1@example.org", "other@example.org"]


async def test_inspection_for_matches_numbers_and_mailboxes(tmp_path: Path) -> None:
    everything = ":".join(str(p) for p in bundled_inspections())
    async with app_client(tmp_path, inspection=everything) as (_client, app):
        service = app.state.rt.service
        assert service.inspection_for(Channel.SMS, ["+86 185 3957 8021"]) == "henan-audit-2016"
        assert service.inspection_for(Channel.EMAIL, ["MZXC1@EXAMPLE.ORG"]) == "mengzhou-xiguo-2021"
        assert service.inspection_for(Channel.EMAIL, ["nobody@example.org"]) is None
        assert service.inspection_for(Channel.TELEGRAM, ["x"]) is None
