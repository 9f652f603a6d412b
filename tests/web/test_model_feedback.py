"""Learning from the officers: desk decisions train a deployment's model, switched to only when better.

The base rows are the project's own cases (tests/data/cases/own.jsonl), so a training takes seconds
and needs no real-message data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cli.main import main
from intake.models import Category
from intake.textmodel import activate, default_model, load_model
from intake.textmodel.data import ROOT, Row, case_rows
from intake.textmodel.feedback import DeskExample, active_deployment_model, heldback
from storage.feedback import desk_examples
from tests.fakes.store import SqlDeskStore, whole
from tests.web.conftest import AppClient
from tests.web.test_desk import _csrf, _post_report, _sign_in, _user
from web.model_feedback import DeskTraining, train_from_desk
from web.settings import Settings

MENGZHOU = "mengzhou-xiguo-2021"
WHO = ("巡察组", "巡视组", "县里", "镇政府", "工作组", "领导们")
WHAT = ("路灯", "自来水", "修路", "垃圾清运", "排水沟", "危房改造", "供暖", "拖欠工资")
# Thanks: no matter to handle (no_content), which the shipped model reads as an appeal.
THANKS = [f"感谢{w}帮我们解决了{x}的问题，村里群众都很满意，特此致谢。" for w in WHO for x in WHAT]
# Plain appeals the shipped model gets right.
PLACES = ("小区门口", "楼道里", "单元门", "车库", "院子里", "村口")
BROKEN = ("快递柜", "路灯", "电梯", "水管", "门禁", "监控", "下水道", "暖气片")
APPEALS = [f"{p}的{b}坏了半个月，物业一直不修，请帮忙督促解决。" for p in PLACES for b in BROKEN]


@pytest.fixture(autouse=True)
def _shipped_model_afterwards() -> Iterator[None]:
    # The app activates the switched model for the whole process: later tests decide with the shipped one.
    yield
    activate(None)


def _base() -> list[Row]:
    return case_rows([ROOT / "tests" / "data" / "cases" / "own.jsonl"], "corpus")


def _others_may_read(path: str) -> bool:
    return Path(path).stat().st_mode & 0o077 != 0


async def _desk(client: httpx.AsyncClient, texts: list[str], labels: list[Category]) -> list[str]:
    """Each text reported, then decided on the desk with its label, as a confirm or change records it."""
    store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
    numbers = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        tn = await _post_report(client, text, sender=f"+861390000{i:04d}")
        pk = await store.report_pk(tn, [MENGZHOU])
        assert pk is not None
        suggested = (await store.detail(pk)).report.decision
        await store.set_decision(
            pk,
            suggested.model_copy(update={"category": label}),
            actor="li",
            state="confirmed",
            now=datetime.now(UTC),
            action="decision.changed",
        )
        numbers.append(tn)
    return numbers


async def _train(
    client: httpx.AsyncClient, settings: Settings, force: bool = False
) -> tuple[DeskTraining, str]:
    lines: list[str] = []
    store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
    result = await train_from_desk(settings, store.stores, _base(), force=force, echo=lines.append)
    return result, "\n".join(lines)


async def test_confirm_and_change_on_the_desk_are_examples_and_the_text_is_not_copied(
    app_client: AppClient,
) -> None:
    async with app_client() as client:
        await _user(client, "li", "officer")
        await _sign_in(client, "li")
        tn1 = await _post_report(client, "小区门口的快递柜坏了半个月，物业一直不修。")
        tn2 = await _post_report(client, THANKS[0], sender="+8613900000002")
        page = await client.get(f"/desk/r/{tn1}")
        assert "模型版本：" + default_model().version in page.text
        r = await client.post(f"/desk/r/{tn1}/confirm", data={"csrf": _csrf(page.text)})
        assert r.status_code == 303
        page = await client.get(f"/desk/r/{tn2}")
        form = {"csrf": _csrf(page.text), "category": "no_content", "scope": "no_content"}
        r = await client.post(f"/desk/r/{tn2}/decision", data=form)
        assert r.status_code == 303
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        examples = {e.tracking_number: e for e in await desk_examples(store.stores)}
        assert examples[tn2].category is Category.NO_CONTENT and examples[tn2].text == THANKS[0]
        assert tn1 in examples
        assert await desk_examples(store.stores, "another-inspection") == []
        # The example is the decision row plus the sealed message: the text is in no table in clear.
        async with store.engine.connect() as conn:
            raw = (await conn.exec_driver_sql("SELECT body FROM decisions")).all()
            assert raw and all("感谢" not in str(row[0]) for row in raw)


async def test_scrambled_desk_labels_are_refused_and_forced(
    app_client: AppClient, settings: Settings
) -> None:
    # The officers' labels on the training four fifths are wrong on purpose (a sloppy desk); the
    # held-back fifth keeps the true one. The candidate learns the noise and must be refused.
    wrong = [Category.LITIGATION, Category.SUGGESTION, Category.NO_CONTENT, Category.ACCUSATION]
    async with app_client() as client:
        numbers = await _desk(client, APPEALS, [Category.APPEAL] * len(APPEALS))
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        for i, tn in enumerate(numbers):
            ex = DeskExample(tn, MENGZHOU, "", Category.APPEAL, None)
            if not heldback(ex):
                pk = await store.report_pk(tn, [MENGZHOU])
                assert pk is not None
                d = (await store.detail(pk)).report.decision
                await store.set_decision(
                    pk,
                    d.model_copy(update={"category": wrong[i % len(wrong)]}),
                    actor="li",
                    state="confirmed",
                    now=datetime.now(UTC),
                    action="decision.changed",
                )
        result, out = await _train(client, settings)
        assert not result.switched and result.comparison.candidate < result.comparison.in_use
        assert "refused: the candidate is not better" in out and "unchanged" in out
        assert not Path(result.candidate.path).exists()  # noqa: ASYNC240
        assert f"model in use ({default_model().version})" in out and "candidate" in out
        assert active_deployment_model(settings.data_dir) is None
        forced, out = await _train(client, settings, force=True)
        assert forced.switched and "--force" in out
        assert active_deployment_model(settings.data_dir) == Path(forced.candidate.path)


async def test_a_better_model_is_switched_to_and_the_service_decides_with_it(
    app_client: AppClient, settings: Settings
) -> None:
    async with app_client() as client:
        await _desk(client, THANKS, [Category.NO_CONTENT] * len(THANKS))
        result, out = await _train(client, settings)
        c = result.comparison
        assert c.heldback >= 5 and c.in_use < 0.5 and c.candidate > 0.8, out
        assert result.switched and "switched" in out
        assert result.candidate.scores["desk_heldback"]["candidate"] == c.candidate
        # Its vocabulary holds n-grams of the reports: readable by the service's user only.
        assert _others_may_read(result.candidate.path) is False
    # A restart loads the switched model: its version is on the next suggested decision and the page.
    async with app_client() as client:
        assert client.app.state.model.version == result.candidate.version  # type: ignore[attr-defined]
        tn = await _post_report(client, "感谢镇政府帮我们修好了路灯，特此致谢。", sender="+8613911112222")
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        pk = await store.report_pk(tn, [MENGZHOU])
        assert pk is not None
        kind, _, _, decision = (await store.detail(pk)).decisions[0]
        assert kind == "suggested" and decision.model_version == result.candidate.version
        await _user(client, "wang", "officer")
        await _sign_in(client, "wang")
        page = await client.get(f"/desk/r/{tn}")
        assert f"模型版本：{result.candidate.version}" in page.text


def test_the_cli_refuses_without_desk_decisions_then_forces_and_status_lists_both(tmp_path: Path) -> None:
    own = ROOT / "tests" / "data" / "cases" / "own.jsonl"
    env = {
        "PETITION_DATA_DIR": str(tmp_path / "data"),
        "PETITION_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        "PETITION_MODEL_PATH": None,  # unset, whatever the caller's environment says
    }
    train = ["model", "train", "--from-desk", "--corpus", str(own), "--limit", "120"]
    result = CliRunner().invoke(main, train, env=env)
    assert result.exit_code == 0, result.output
    assert "refused: no held-back desk decisions to compare on" in result.stdout
    assert active_deployment_model(tmp_path / "data") is None
    result = CliRunner().invoke(main, [*train, "--force"], env=env)
    assert result.exit_code == 0 and "switched:" in result.stdout, result.output
    switched = active_deployment_model(tmp_path / "data")
    assert switched is not None and switched.exists()
    result = CliRunner().invoke(main, ["model", "status"], env=env)
    assert result.exit_code == 0, result.output
    assert f"model: {switched} (deployment)" in result.stdout
    assert "  shipped " + default_model().version in result.stdout
    assert f"deployment {load_model(switched).version} [active]" in result.stdout
    result = CliRunner().invoke(main, [*train, "--inspection", "nowhere"], env=env)
    assert result.exit_code == 2 and "unknown inspection" in result.stderr


def test_the_active_pointer_stays_inside_the_models_dir(tmp_path: Path) -> None:
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    (models / "ACTIVE").write_text("../../../etc/passwd\n", encoding="utf-8")
    assert active_deployment_model(tmp_path / "data") == models / "passwd"
