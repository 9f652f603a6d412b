"""`petition demo-channels`: a citizen's line in, the bot's replies out, through the real webhooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from intake.inspection import bundled_inspections
from intake.models import Channel
from playground.channels import CITIZEN_PHONE, Playground, render
from tests.fakes.store import whole

MENGZHOU = str(next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021"))
REPORT = "举报西虢镇某村村支书把修路的工程款截留了二十多万，还收受包工头的红包。"


async def test_one_sms_in_one_acknowledgement_out(tmp_path: Path) -> None:
    async with Playground(tmp_path, inspection=MENGZHOU) as pg:
        [reply] = await pg.sms(REPORT)
        assert reply.channel is Channel.SMS and "编号MZ1-0001" in reply.text
        # The report is really there, with the acknowledgement delivered (the callback played back).
        rt = pg._app.state.rt  # type: ignore[union-attr]
        report = await whole(rt).get_report("MZ1-0001")
        assert report is not None and report.sender == CITIZEN_PHONE
        [ack] = await whole(rt).report_acks(report.pk)
        assert ack.state == "sent" and ack.provider_id == pg.providers.sms_sids[0]
        # A status query by the same number is answered; STOP silences the number.
        [status] = await pg.sms("查询 MZ1-0001")
        assert "MZ1-0001" in status.text
        assert await pg.sms("退订") == []
        assert await pg.sms("查询 MZ1-0001") == []


async def test_a_telegram_conversation(tmp_path: Path) -> None:
    async with Playground(tmp_path, inspection=MENGZHOU) as pg:
        [welcome] = await pg.telegram("/start")
        assert "孟州市委第一巡察组" in welcome.text
        [prompt] = await pg.telegram(REPORT)
        assert [label for label, _ in prompt.buttons] == ["实名反映（留姓名、电话）", "匿名反映"]
        note, ack = await pg.press(2)
        assert note.text == "好的，按匿名反映登记。"
        assert ack.channel is Channel.TELEGRAM and "编号MZ1-0001" in ack.text
        assert "编号MZ1-0001" in render([ack])


def test_the_command_reads_lines_and_prints_replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command sets up the process's logging; the test run's own must stay as it is.
    monkeypatch.setattr("web.logs.configure_logging", lambda level: None)
    lines = f":sms\n{REPORT}\n:help\n:quit\n"
    result = CliRunner().invoke(
        main,
        ["demo-channels", "--inspection", MENGZHOU, "--data-dir", str(tmp_path / "pg")],
        input=lines,
    )
    assert result.exit_code == 0, result.output
    assert "bot [sms]>" in result.output and "编号MZ1-0001" in result.output
    assert ":contact NAME PHONE" in result.output
    assert (tmp_path / "pg").is_dir()  # kept: `petition serve` can open it afterwards


async def test_a_call_played_step_by_step(tmp_path: Path) -> None:
    async with Playground(tmp_path, inspection=MENGZHOU) as pg:
        ringing = await pg.voice.command("call", ["in", "mobile"])
        assert ringing[0].channel is Channel.PHONE and ringing[0].text.startswith(
            "POST /hooks/voice -> <?xml"
        )
        assert "孟州市委第一巡察组值班电话" in ringing[1].text
        assert "同时呼叫值班人员 +8613800000001、+8613800000002，25秒无人接听转留言" in render(ringing)
        answered = render(await pg.voice.command("answer", []))
        assert "巡察组来电，编号M Z 1 0 0 0 1" in answered and "通话结束，编号 MZ1-0001" in answered
        assert "bot [sms]> 您的来电已收到，编号MZ1-0001" in answered
        await pg.voice.command("call", ["out", "landline"])
        left = render(await pg.voice.command("leave", ["42"]))
        assert "您的留言编号是：M Z 1 0 0 0 2" in left and "录音已取回并加密保存" in left
        assert pg.providers.recordings == {}  # deleted at the provider once stored
        await pg.voice.command("call", [])
        assert "未编号" in render(await pg.voice.command("hangup", []))
        with pytest.raises(ValueError, match="no call"):
            await pg.voice.command("answer", [])
