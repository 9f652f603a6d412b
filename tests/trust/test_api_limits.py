"""Attacks on `/api/messages` (issue #13, items 13, 14 and 16): a token limited to one inspection
filing into another and replaying its provider ids; status queries as an oracle of whose number
filed what, with an SMS to the guessed number; a same-site page filing through the session."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.store import whole
from tests.fakes.telegram_api import message_update
from tests.trust.accounts import HENAN, MENGZHOU, add_user, api, desk_store, session, token_for
from tests.trust.harness import count_rows, running, settings_for

LIAONING = "liaoning-followup-2017"
VICTIM = "+8613900007777"
ACCUSATION = "举报西虢镇党委书记在道路工程招标中收受好处费。"


async def test_a_limited_token_files_only_into_its_inspection(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        await add_user(h, "outsider", "officer", inspections=LIAONING)
        token = await token_for(h, "outsider")
        r = await h.client.post(
            "/api/messages",
            headers=api(token),
            json={"id": "cross-1", "channel": "phone", "text": ACCUSATION, "inspection": MENGZHOU},
        )
        assert r.status_code == 422 and "tracking_number" not in r.json(), r.text
        assert await count_rows(h, "messages") == 0
        # Without an inspection the account's own one is used, not the deployment's default.
        r = await h.client.post(
            "/api/messages", headers=api(token), json={"id": "own-1", "channel": "phone", "text": ACCUSATION}
        )
        assert r.status_code == 201, r.text
        report = await whole(h.rt).get_report(r.json()["tracking_number"])
        assert report is not None and report.inspection_id == LIAONING


async def test_a_replayed_provider_id_of_another_inspection_reveals_nothing(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        # A citizen's Telegram report and SMS report, filed in the deployment's inspections.
        await h.telegram_update(message_update(9301, 7310553333, ACCUSATION))
        assert (await h.sms("SMvictim1", ACCUSATION, VICTIM)).status_code == 200
        await h.rt.service.recover()  # the Telegram draft is filed (the conversation holds it)
        filed = {r.tracking_number: r for r in await whole(h.rt).latest_reports(None)}
        assert filed
        await add_user(h, "outsider", "officer", inspections=LIAONING)
        token = await token_for(h, "outsider")
        for channel, provider_id in (("telegram", "9301"), ("sms", "SMvictim1")):
            r = await h.client.post(
                "/api/messages",
                headers=api(token),
                json={"id": provider_id, "channel": channel, "text": "x", "inspection": LIAONING},
            )
            assert not any(number in r.text for number in filed), r.text
            assert "decision" not in r.json() or r.json()["decision"] is None, r.text
            assert r.status_code == 409
        assert {r.tracking_number for r in await whole(h.rt).latest_reports(None)} == set(filed)


async def test_status_queries_are_no_oracle_and_send_nothing(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        assert (await h.sms("SMvictim2", ACCUSATION, VICTIM)).status_code == 200
        [victim] = await whole(h.rt).latest_reports(None)
        await add_user(h, "outsider", "officer", inspections=LIAONING)
        await add_user(h, "insider", "officer", inspections=victim.inspection_id)
        outbox_before = await count_rows(h, "outbox")

        # The outsider guesses whose number filed the report: the answers must not differ.
        token = await token_for(h, "outsider")
        answers = []
        for n, guess in enumerate((VICTIM, "+8613900008888")):
            r = await h.client.post(
                "/api/messages",
                headers=api(token),
                json={
                    "id": f"guess-{n}",
                    "channel": "sms",
                    "sender": guess,
                    "text": f"查询 {victim.tracking_number}",
                    "inspection": LIAONING,
                },
            )
            assert r.status_code in (200, 201), r.text
            answers.append((r.json()["tracking_number"], r.json()["acknowledgement"]))
        assert answers[0] == answers[1] and answers[0][0] is None
        assert "未查到" in str(answers[0][1])

        # An officer of the report's inspection is answered; the number named is sent nothing.
        r = await h.client.post(
            "/api/messages",
            headers=api(await token_for(h, "insider")),
            json={
                "id": "ask-1",
                "channel": "sms",
                "sender": VICTIM,
                "text": f"查询 {victim.tracking_number}",
                "inspection": victim.inspection_id,
            },
        )
        assert r.json()["tracking_number"] == victim.tracking_number
        assert await count_rows(h, "outbox") == outbox_before
        await h.drain()
        assert [m["To"] for m in h.twilio.messages].count(VICTIM) == 1  # its own acknowledgement only

        asked = await desk_store(h).recent_audit(action_prefix="status.")
        assert sorted(e.actor for e in asked) == ["insider", "outsider", "outsider"]


async def test_the_api_refuses_a_session_without_json_and_csrf_header(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        await add_user(h, "duty", "officer")
        body = {"id": "same-site-1", "channel": "phone", "text": ACCUSATION, "inspection": HENAN}
        async with session(h, "duty") as (client, csrf):
            # What a page on the same site can make the officer's browser send: the cookie goes along.
            r = await client.post("/api/messages", json=body)
            assert r.status_code == 403
            r = await client.post(
                "/api/messages", content=str(body).encode(), headers={"Content-Type": "text/plain"}
            )
            assert r.status_code == 415
            assert await count_rows(h, "messages") == 0
            r = await client.post("/api/messages", json=body, headers={"X-CSRF-Token": csrf})
            assert r.status_code == 201
        token = await token_for(h, "duty")
        r = await h.client.post(
            "/api/messages",
            content=b'{"id": "t-1", "text": "x"}',
            headers={**api(token), "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 415
