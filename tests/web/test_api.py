"""The HTTP API end to end on a real SQLite file: store, decide, number, acknowledge."""

from __future__ import annotations

import sqlite3

from tests.web.conftest import AppClient
from web.runtime import Runtime

MENGZHOU = "mengzhou-xiguo-2021"


def _count(db: str, table: str) -> int:
    with sqlite3.connect(db) as conn:
        n: int = conn.execute(f"select count(*) from {table}").fetchone()[0]
        return n


async def test_healthz(app_client: AppClient) -> None:
    async with app_client() as client:
        r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_post_message_is_decided_numbered_and_acknowledged(app_client: AppClient) -> None:
    async with app_client() as client:
        r = await client.post(
            "/api/messages",
            json={
                "id": "sms-1",
                "text": "西虢镇党委书记在镇里的道路工程招标中指定施工队，收了好处费。",
                "channel": "sms",
                "sender": "+8613900001111",
                "received_at": "2021-03-20T09:00:00+08:00",
                "inspection": MENGZHOU,
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["tracking_number"] == "MZ1-0001"
        assert body["decision"]["scope"] == "in_scope"
        assert body["decision"]["category"] == "accusation"
        assert body["decision"]["reasons"]
        ack = body["acknowledgement"]
        assert "MZ1-0001" in ack
        assert len(ack) <= 70
        assert "书记" not in ack and "好处费" not in ack  # never echoes the content

        report = (await client.get("/api/reports/MZ1-0001")).json()
        assert report["state"] == "decided"
        assert report["messages"][0]["text"].startswith("西虢镇党委书记")
        assert [a["state"] for a in report["acknowledgements"]] == ["pending"]

        # The worker sends it through the channel's sender (log-only here) and records it.
        rt: Runtime = client.app.state.rt  # type: ignore[attr-defined]
        assert await rt.worker.run_once() == 1
        sent = client.senders[next(iter(client.senders))]  # type: ignore[attr-defined]
        assert sent.sent == [("+8613900001111", ack)]
        report = (await client.get("/api/reports/MZ1-0001")).json()
        assert [a["state"] for a in report["acknowledgements"]] == ["sent"]


async def test_out_of_scope_names_kind_of_body(app_client: AppClient) -> None:
    async with app_client() as client:
        r = await client.post(
            "/api/messages",
            json={
                "id": "e-1",
                "text": "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。",
                "channel": "email",
                "sender": "worker@example.org",
                "received_at": "2021-04-01T10:00:00+08:00",
                "inspection": MENGZHOU,
            },
        )
    body = r.json()
    assert body["decision"]["scope"] == "out_of_scope"
    assert body["decision"]["target"]["kind"] == "department:human_resources"
    assert "孟州市人社部门" in body["acknowledgement"]
    assert "不属本巡察组受理范围" in body["acknowledgement"]


async def test_outside_period_says_the_period(app_client: AppClient) -> None:
    async with app_client() as client:
        r = await client.post(
            "/api/messages",
            json={
                "id": "late-1",
                "text": "西虢镇党委书记收受工程老板红包。",
                "channel": "sms",
                "sender": "+8613900002222",
                "received_at": "2021-08-01T10:00:00+08:00",
                "inspection": MENGZHOU,
            },
        )
    ack = r.json()["acknowledgement"]
    assert "2021年3月15日至5月14日" in ack
    assert len(ack) <= 70


async def test_duplicate_delivery_creates_nothing_new(app_client: AppClient, settings: object) -> None:
    msg = {
        "id": "dup-1",
        "text": "举报审计厅财务处处长虚报差旅费。",
        "channel": "sms",
        "sender": "+8613800000000",
    }
    async with app_client() as client:
        first = await client.post("/api/messages", json=msg)
        second = await client.post("/api/messages", json=msg)
        assert first.status_code == 201
        assert second.status_code == 200
        assert second.json()["duplicate"] is True
        assert second.json()["tracking_number"] == first.json()["tracking_number"]
        report = (await client.get(f"/api/reports/{first.json()['tracking_number']}")).json()
        assert len(report["messages"]) == 1
        assert len(report["acknowledgements"]) == 1


async def test_bad_input_is_refused_and_touches_nothing(app_client: AppClient, tmp_path: object) -> None:
    async with app_client() as client:
        ok = await client.post("/api/messages", json={"id": "keep", "text": "西虢镇某村支书虚报冒领低保。"})
        assert ok.status_code == 201
        cases = [
            ({"id": "x", "text": "hi", "channel": "pigeon"}, "channel"),
            ({"id": "x", "text": "   "}, "text: text must not be empty"),
            ({"text": "举报某局长"}, "id: is required"),
            ({"id": "x", "text": "举" * 1_000_000}, None),
            ({"id": "", "text": "举报"}, "id"),
        ]
        for payload, expected in cases:
            r = await client.post("/api/messages", json=payload)
            assert r.status_code in (413, 422), (payload.get("id"), r.status_code)
            if expected:
                assert expected in r.json()["error"]
        r = await client.post(
            "/api/messages", content=b"\xff\xfe not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        r = await client.post("/api/messages", json={"id": "y", "text": "举报", "inspection": "nope"})
        assert r.status_code == 422 and "unknown inspection" in r.json()["error"]
        latest = (await client.get("/api/reports/HN1-0001")).json()
        assert latest["messages"][0]["text"] == "西虢镇某村支书虚报冒领低保。"
        assert (await client.get("/api/reports/HN1-0002")).status_code == 404


async def test_restart_keeps_everything_and_numbers_keep_counting(
    app_client: AppClient, settings: object
) -> None:
    async with app_client() as client:
        for i in range(3):
            r = await client.post(
                "/api/messages", json={"id": f"r{i}", "text": f"审计厅人事处处长违规提拔老乡{i}人。"}
            )
            assert r.status_code == 201
    async with app_client() as client:
        r = await client.post("/api/messages", json={"id": "r3", "text": "审计厅一名副厅长收受购物卡。"})
        assert r.json()["tracking_number"] == "HN1-0004"
        for n in range(1, 5):
            assert (await client.get(f"/api/reports/HN1-{n:04d}")).status_code == 200
        # and a redelivery of a message stored before the restart is still a duplicate
        again = await client.post(
            "/api/messages", json={"id": "r0", "text": "审计厅人事处处长违规提拔老乡0人。"}
        )
        assert again.json()["duplicate"] is True and again.json()["tracking_number"] == "HN1-0001"


async def test_the_public_page_gives_no_count_of_reports_it_does_not_show(app_client: AppClient) -> None:
    # Signed out, the list is hidden: "最新 0 件" beside a report just filed would be untrue.
    async with app_client(token=False) as client:
        r = await client.post("/submit", data={"text": "审计厅办公室主任公车私用。", "channel": "web"})
        assert r.status_code == 303
        page = await client.get("/")
        assert "来信列表仅值班员登录后可见" in page.text
        assert "件）" not in page.text.split('id="list-title"', 1)[1].split("</h2>", 1)[0]


async def test_page_lists_reports_and_form_submits(app_client: AppClient) -> None:
    async with app_client() as client:
        page = await client.get("/")
        assert page.status_code == 200 and "还没有来信" in page.text
        r = await client.post("/submit", data={"text": "审计厅办公室主任公车私用。", "channel": "web"})
        assert r.status_code == 303
        assert r.headers["location"] == "/"  # the number is in the session's one-time flash, not the URL
        page = await client.get(r.headers["location"])
        assert '已收到您反映的问题，编号 <span class="tn">HN1-0001</span>' in page.text
        r = await client.post("/submit", data={"text": "", "channel": "web"})
        assert r.status_code == 303 and r.headers["location"] == "/?error=empty"


async def test_status_query_is_answered_to_the_account_and_sent_to_nobody(app_client: AppClient) -> None:
    # Through the API the account asks, not the number it names (issue #13 item 14): the answer
    # is the same whichever sender is given, comes back in the response, and is sent to no one.
    async with app_client() as client:
        filed = await client.post(
            "/api/messages",
            json={
                "id": "s-1",
                "text": "西虢镇财政所所长违规发放补贴。",
                "channel": "sms",
                "sender": "+8613900005555",
                "inspection": MENGZHOU,
            },
        )
        tn = filed.json()["tracking_number"]
        query = {
            "id": "s-2",
            "text": f"查询 {tn}",
            "channel": "sms",
            "sender": "+8613900005555",
            "inspection": MENGZHOU,
        }
        own = await client.post("/api/messages", json=query)
        assert own.json()["acknowledgement"] == f"编号{tn}：已收到，正在审核。"
        again = await client.post("/api/messages", json=query)
        assert again.json()["duplicate"] is True
        other = await client.post("/api/messages", json={**query, "id": "s-3", "sender": "+8613900006666"})
        assert other.json()["acknowledgement"] == own.json()["acknowledgement"]
        assert other.json()["tracking_number"] == tn
        report = (await client.get(f"/api/reports/{tn}")).json()
        # received now, long after the 2021 round: the only message sent is the outside-period one
        assert [a["kind"] for a in report["acknowledgements"]] == ["outside_period"]
