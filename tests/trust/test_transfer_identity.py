"""Attack (issue #13, item 1): an officer confirms an accusation (its transfer form withholds the
reporter), then changes the decision of the transferred report to "appeal": the same form and its
PDF then printed the reporter's number, since the form looked at the current category each time
and a decision change had no state or role check.

Now the form's identity rule is fixed when it is issued; an item that was ever an accusation is
named only after a leader's recorded release; and changing a transferred report's decision is a
leader's audited action that withdraws the form and issues a new one under a new number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select

from intake.models import Category, Channel, Decision, Scope, Target
from storage.migrate import alembic_config
from storage.schema import transfers
from tests.fakes.store import SqlDeskStore
from tests.trust.accounts import MENGZHOU, add_user, api, desk_store, session, token_for
from tests.trust.harness import running, settings_for
from tests.trust.test_contacts_in_text import _pdf_text

REPORTER = "+8613912340000"
ACCUSATION = "举报孟州市化工镇某村的村支书多年不公开村务账目，还挪用集体资金。"
WITHHELD = "反映人身份依规保密"


async def test_a_decision_change_does_not_put_the_reporter_into_the_form(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        await add_user(h, "duty", "officer")
        await add_user(h, "lead", "leader")
        r = await h.client.post(
            "/api/messages",
            headers=api(await token_for(h, "duty")),
            json={
                "id": "acc-1",
                "channel": "sms",
                "sender": REPORTER,
                "text": ACCUSATION,
                "inspection": MENGZHOU,
            },
        )
        tn = r.json()["tracking_number"]
        assert r.json()["decision"]["category"] == "accusation"
        first = f"ZB-{tn}"
        async with session(h, "duty") as (officer, csrf):
            r = await officer.post(f"/desk/r/{tn}/confirm", data={"csrf": csrf})
            assert r.headers["location"] == f"/desk/t/{first}"
            assert WITHHELD in (await officer.get(f"/desk/t/{first}")).text

            # The attack: the officer re-labels the transferred accusation as an appeal.
            change = {"csrf": csrf, "category": "appeal", "scope": "out_of_scope"}
            r = await officer.post(f"/desk/r/{tn}/decision", data=change)
            form = (await officer.get(f"/desk/t/{first}")).text
            pdf = _pdf_text((await officer.get(f"/desk/t/{first}/pdf")).content)
            assert REPORTER not in form and WITHHELD in form
            assert REPORTER not in pdf and WITHHELD in pdf
            assert "error=" in r.headers["location"]  # and the change itself is a leader's
            assert (await officer.post(f"/desk/t/{first}/release", data={"csrf": csrf})).status_code == 403

        async with session(h, "lead") as (leader, csrf):
            # A leader's change withdraws the form and issues a new one, still withholding.
            r = await leader.post(f"/desk/r/{tn}/decision", data={**change, "csrf": csrf})
            second = f"ZB-{tn}-2"
            assert r.headers.get("location") == f"/desk/t/{second}", (r.status_code, r.text[-3000:])
            old = (await leader.get(f"/desk/t/{first}")).text
            assert "已作废" in old and second in old and REPORTER not in old
            new = (await leader.get(f"/desk/t/{second}")).text
            assert REPORTER not in new and WITHHELD in new and "申诉求决" in new
            assert REPORTER not in _pdf_text((await leader.get(f"/desk/t/{second}/pdf")).content)

            # Only the leader's recorded release names the reporter, on that form only.
            r = await leader.post(f"/desk/t/{first}/release", data={"csrf": csrf})
            assert "error=" in r.headers["location"]  # a withdrawn form is not released
            r = await leader.post(f"/desk/t/{second}/release", data={"csrf": csrf})
            assert r.status_code == 303
            assert REPORTER in (await leader.get(f"/desk/t/{second}")).text
            assert REPORTER in _pdf_text((await leader.get(f"/desk/t/{second}/pdf")).content)
            assert REPORTER not in (await leader.get(f"/desk/t/{first}")).text

        audit = await desk_store(h).recent_audit()
        actions = [(e.actor, e.action) for e in audit]
        assert ("lead", "decision.changed_after_transfer") in actions
        assert ("lead", "identity.released") in actions
        assert ("duty", "decision.changed") not in actions
        released = next(e for e in audit if e.action == "identity.released")
        assert released.detail == {"number": second}
        [t1, t2] = (await desk_store(h).detail(released.report_id or 0)).transfers
        assert (t1.state, t1.replaced_by, t1.reporter_protected) == ("withdrawn", second, True)
        assert (t2.category, t2.released_by, t2.reporter_protected) == ("appeal", "lead", True)


async def test_forms_issued_before_the_fix_are_protected_by_the_items_history(db_url: str) -> None:
    """The migration marks an existing form protected when any decision of its report was an
    accusation, even when the report is now an appeal."""
    store = await SqlDeskStore.open(db_url)
    now = datetime.now(UTC)
    target = Target(kind="discipline", region="410883", name="孟州市纪委监委")
    accusation = Decision(
        id="m", scope=Scope.OUT_OF_SCOPE, category=Category.ACCUSATION, confidence=0.9, target=target
    )
    appeal = accusation.model_copy(update={"category": Category.APPEAL})
    try:
        pks = []
        for n, first in enumerate((accusation, appeal)):
            saved = await store.save_raw(
                inspection_id="ins",
                channel=Channel.SMS,
                provider_id=f"p{n}",
                sender=REPORTER,
                text=ACCUSATION,
                subject=None,
                received_at=now,
                payload=None,
            )
            report = await store.create_report(
                message_pk=saved.message.pk,
                tracking_prefix="T",
                decision=first,
                state="decided",
                ack=None,
                now=now,
            )
            await store.set_decision(report.pk, appeal, actor="li", state="transferred", now=now, action="x")
            pks.append(report.pk)
            await store.create_transfer(
                report.pk,
                decision=appeal,
                body_email=None,
                matter="x",
                identity_released=False,
                deadline=now + timedelta(days=90),
                actor="li",
                now=now,
            )
        async with store.engine.connect() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0007"))
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            await conn.commit()
            rows = (
                await conn.execute(
                    select(transfers.c.report_id, transfers.c.reporter_protected, transfers.c.category)
                )
            ).all()
        assert sorted(rows) == [(pks[0], True, "appeal"), (pks[1], False, "appeal")]
    finally:
        await store.close()
