"""The duty officers' desk over HTTP: sign-in, roles, CSRF, the queue and every action."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from tests.fakes.store import SqlDeskStore, whole
from tests.web.conftest import AppClient
from web.auth import hash_password

MENGZHOU = "mengzhou-xiguo-2021"
PASSWORD = "correct horse battery"


async def _user(client: httpx.AsyncClient, name: str, role: str, inspections: str = "*") -> None:
    store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
    await store.add_user(name, role, hash_password(PASSWORD), datetime.now(UTC), inspections)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


async def _sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"name": name, "password": password, "csrf": _csrf(page.text)})


async def _post_report(
    client: httpx.AsyncClient,
    text: str,
    sender: str = "+8613900000001",
    headers: dict[str, str] | None = None,
    **extra: str,
) -> str:
    r = await client.post(
        "/api/messages",
        headers=headers,
        json={
            "id": f"m-{abs(hash(text))}",
            "text": text,
            "channel": "sms",
            "sender": sender,
            "received_at": "2021-04-01T09:00:00+08:00",
            "inspection": MENGZHOU,
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    tn: str = r.json()["tracking_number"]
    return tn


async def test_pages_need_sign_in_and_api_needs_a_token(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        for path in (
            "/desk",
            "/desk/entry",
            "/desk/audit",
            "/admin",
            "/desk/r/MZ1-0001",
            "/desk/t/ZB-MZ1-0001",
        ):
            r = await client.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
        r = await client.post("/api/messages", json={"id": "x", "text": "举报"})
        assert r.status_code == 401
        r = await client.get("/api/reports/MZ1-0001", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401


async def test_sign_in_wrong_password_throttle_and_logout(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        await _user(client, "li", "officer")
        r = await _sign_in(client, "nobody")
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
        for _ in range(3):  # the third wrong password makes this address wait
            r = await _sign_in(client, "li", "wrong password")
            assert r.status_code == 401
        assert "登录尝试过于频繁" in r.text
        r = await _sign_in(client, "li")  # right password, but this address waits
        assert r.status_code == 401 and "登录尝试过于频繁" in r.text
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        audit = [e.action for e in await store.recent_audit()]
        assert audit.count("sign_in.failed") == 4 and audit.count("sign_in.throttled") == 1

    async with app_client(token=False) as client:
        await _user(client, "wang", "officer")
        r = await _sign_in(client, "wang")
        assert r.status_code == 303 and r.headers["location"] == "/desk"
        desk = await client.get("/desk")
        assert desk.status_code == 200 and "wang" in desk.text
        r = await client.post("/logout", data={"csrf": _csrf(desk.text)})
        assert r.status_code == 303
        assert (await client.get("/desk")).status_code == 303


async def test_forms_without_csrf_are_refused(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇党委书记收受工程老板的红包。")
        await _user(client, "zhao", "officer")
        assert (await _sign_in(client, "zhao")).status_code == 303
        del client.headers["Authorization"]
        r = await client.post(f"/desk/r/{tn}/confirm", data={})
        assert r.status_code == 403
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": "forged"})
        assert r.status_code == 403
        page = await client.get(f"/desk/r/{tn}")
        assert "待确认" in page.text


async def test_officer_cannot_open_admin_or_audit(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        await _user(client, "qian", "officer")
        await _sign_in(client, "qian")
        assert (await client.get("/admin")).status_code == 403
        assert (await client.get("/desk/audit")).status_code == 403
        page = await client.get("/desk")
        r = await client.post(
            "/admin/users",
            data={"csrf": _csrf(page.text), "name": "evil", "role": "admin", "password": "x" * 12},
        )
        assert r.status_code == 403


async def test_queue_filters_search_and_order(app_client: AppClient) -> None:
    async with app_client() as client:
        inscope = await _post_report(client, "西虢镇党委书记在道路工程招标中收受好处费。")
        wage = await _post_report(
            client, "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。", sender="+8613900000002"
        )
        court = await _post_report(
            client, "孟州市人民法院对我的离婚案判得不公平，我要上诉。", sender="+8613900000003"
        )
        await _user(client, "sun", "officer")
        await _sign_in(client, "sun")
        del client.headers["Authorization"]
        page = (await client.get("/desk")).text
        assert page.index(inscope) < page.index(wage)  # in scope first
        assert "3 件" in page
        page = (await client.get("/desk", params={"scope": "in_scope"})).text
        assert inscope in page and wage not in page
        page = (await client.get("/desk", params={"category": "litigation"})).text
        assert court in page and inscope not in page
        page = (await client.get("/desk", params={"q": "拖欠"})).text  # a substring, not a word
        assert wage in page and inscope not in page and court not in page
        page = (await client.get("/desk", params={"q": "100%_"})).text
        assert "没有符合条件的来信" in page
        live = await client.get("/desk", headers={"HX-Request": "true", "HX-Target": "queue-live"})
        assert live.text.lstrip().startswith("<h1>3 件") and "<html" not in live.text and inscope in live.text


async def test_keyset_paging_visits_every_report_once(app_client: AppClient) -> None:
    async with app_client() as client:
        for i in range(7):
            await _post_report(
                client, f"西虢镇第{i}村村支书虚报冒领低保{i}户。", sender=f"+86139000001{i:02d}"
            )
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        from storage.desk import QueueFilter

        seen: list[str] = []
        cursor = None
        for sort in ("priority", "newest", "oldest", "confidence"):
            seen, cursor = [], None
            while True:
                page = await store.queue(QueueFilter((MENGZHOU,), sort=sort), cursor=cursor, limit=3)  # type: ignore[arg-type]
                seen += [r.tracking_number for r in page.rows]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert sorted(seen) == sorted(set(seen)) and len(seen) == 7, sort
        # the heading's count stops counting past its cap
        assert await store.queue_count(QueueFilter((MENGZHOU,))) == 7
        assert await store.queue_count(QueueFilter((MENGZHOU,)), cap=3) == 4


async def test_confirm_out_of_scope_creates_transfer_form_and_tells_citizen(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。")
        await _user(client, "zhou", "officer")
        await _sign_in(client, "zhou")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        assert "孟州市人社局" in page.text and "+8613900000001" not in page.text  # identity hidden
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        assert r.status_code == 303 and r.headers["location"] == f"/desk/t/ZB-{tn}"
        form = await client.get(r.headers["location"])
        assert "转办单" in form.text and "孟州市人社局" in form.text and "拖欠三个月工资" in form.text
        pdf = await client.get(f"/desk/t/ZB-{tn}/pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        page = await client.get(f"/desk/r/{tn}")
        assert "已转办" in page.text and "已按规定转孟州市人社部门办理" in page.text
        again = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        assert "error=" in again.headers["location"]


async def test_accusation_transfer_hides_identity_unless_leader_releases_it(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "举报孟州市化工镇某村的村支书多年不公开村务账目，还挪用集体资金。")
        await _user(client, "wu", "officer")
        await _sign_in(client, "wu")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        assert "同意在转办单中写明反映人身份" not in page.text  # officers are not offered it
        r = await client.post(
            f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text), "release_identity": "1"}
        )
        assert "error=" in r.headers["location"]
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        form = await client.get(r.headers["location"])
        assert "反映人身份依规保密" in form.text and "+8613900000001" not in form.text
        assert "有关纪检监察机关" in (await client.get(f"/desk/r/{tn}")).text


async def test_guard_refuses_sending_an_accusation_to_the_accused(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "举报孟州市一名副市长违规接受企业老板宴请。")
        await _user(client, "zheng", "officer")
        await _sign_in(client, "zheng")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        csrf = _csrf(page.text)
        # The officer tries to send it to the discipline body of the county-level city he leads.
        r = await client.post(
            f"/desk/r/{tn}/decision",
            data={
                "csrf": csrf,
                "scope": "out_of_scope",
                "category": "accusation",
                "target_kind": "discipline",
                "target_region": "410883",
            },
        )
        assert "error=" in r.headers["location"]
        page = await client.get(r.headers["location"])
        assert "上一级纪检监察机关" in page.text
        r = await client.post(
            f"/desk/r/{tn}/decision",
            data={
                "csrf": csrf,
                "scope": "out_of_scope",
                "category": "accusation",
                "target_kind": "department:housing",
                "target_region": "410883",
            },
        )
        assert "error=" in r.headers["location"]


async def test_change_target_assign_note_merge_reply_and_audit(app_client: AppClient) -> None:
    async with app_client() as client:
        first = await _post_report(client, "西虢镇中心小学向学生乱收资料费。")
        dup = await _post_report(client, "西虢镇中心小学乱收资料费，每人两百元。", sender="+8613900000009")
        await _user(client, "feng", "leader")
        await _sign_in(client, "feng")
        del client.headers["Authorization"]
        csrf = _csrf((await client.get(f"/desk/r/{first}")).text)
        r = await client.post(
            f"/desk/r/{first}/decision",
            data={
                "csrf": csrf,
                "scope": "out_of_scope",
                "category": "appeal",
                "target_kind": "department:education",
                "target_region": "410800",
            },
        )
        assert r.status_code == 303 and "error" not in r.headers["location"]
        page = (await client.get(f"/desk/r/{first}")).text
        assert "焦作市教育局" in page and "值班人员已修改" in page  # reasons are shown in Chinese
        await client.post(f"/desk/r/{first}/assign", data={"csrf": csrf, "assignee": "feng"})
        await client.post(f"/desk/r/{first}/note", data={"csrf": csrf, "text": "已电话核实学校名称"})
        r = await client.post(f"/desk/r/{first}/assign", data={"csrf": csrf, "assignee": "ghost"})
        assert "error=" in r.headers["location"]
        await client.post(f"/desk/r/{dup}/merge", data={"csrf": csrf, "into": first})
        await client.post(f"/desk/r/{first}/reply", data={"csrf": csrf, "text": "请补充收费的时间。"})
        page = (await client.get(f"/desk/r/{first}")).text
        assert "已电话核实学校名称" in page and "请补充收费的时间。" in page and "feng" in page
        dup_page = (await client.get(f"/desk/r/{dup}")).text
        assert "已合并" in dup_page and first in dup_page
        assert dup in (await client.get("/desk", params={"state": "merged"})).text
        page = (await client.get("/desk", params={"mine": "1", "state": "all"})).text
        assert first in page and dup not in page
        # the citizen's later query on the merged number still answers
        r = await client.post(
            "/api/messages", headers={"Authorization": "Bearer x"}, json={"id": "q", "text": "x"}
        )
        assert r.status_code == 401
        audit = (await client.get("/desk/audit")).text
        for action in ("decision.changed", "report.assigned", "note.added", "report.merged", "reply.queued"):
            assert action in audit


async def test_reveal_identity_is_audited(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇财政所所长违规给自己发放补贴。", sender="+8613912345678")
        await _user(client, "chen", "officer")
        await _sign_in(client, "chen")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        assert "+8613912345678" not in page.text
        shown = await client.post(f"/desk/r/{tn}/reveal", data={"csrf": _csrf(page.text)})
        assert "+8613912345678" in shown.text
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        viewed = await store.recent_audit(action_prefix="identity.")
        assert [(e.action, e.actor) for e in viewed] == [("identity.viewed", "chen")]


async def test_officer_of_one_inspection_cannot_see_another(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇党委书记收受红包。")
        await _user(client, "henan-only", "officer", inspections="henan-audit-2016")
        await _sign_in(client, "henan-only")
        del client.headers["Authorization"]
        assert tn not in (await client.get("/desk", params={"state": "all"})).text
        assert (await client.get(f"/desk/r/{tn}")).status_code == 404
        page = await client.get("/desk")
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        assert r.status_code == 404


async def test_manual_entry_previews_then_saves(app_client: AppClient) -> None:
    async with app_client() as client:
        await _user(client, "he", "officer")
        await _sign_in(client, "he")
        del client.headers["Authorization"]
        page = await client.get("/desk/entry")
        data = {
            "csrf": _csrf(page.text),
            "inspection": MENGZHOU,
            "channel": "phone",
            "received_at": "2021-04-02T10:30",
            "text": "来电反映：西虢镇某村村支书把低保名额给了自己亲戚。",
            "name": "张三",
            "contact": "13800001111",
            "action": "preview",
        }
        preview = await client.post("/desk/entry", data=data)
        assert preview.status_code == 200 and "系统建议" in preview.text and "属于受理范围" in preview.text
        entry_id = re.search(r'name="entry_id" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
        saved = await client.post("/desk/entry", data={**data, "action": "save", "entry_id": entry_id})
        assert saved.status_code == 303
        tn = saved.headers["location"].split("/")[-1].split("?")[0]
        # saving twice (a double click) creates nothing new
        again = await client.post("/desk/entry", data={**data, "action": "save", "entry_id": entry_id})
        assert again.headers["location"].split("/")[-1].split("?")[0] == tn
        page = await client.get(saved.headers["location"])
        assert "已登记" in page.text and tn in page.text and "来电" in page.text


@pytest.mark.parametrize("bad", [{"text": ""}, {"channel": "pigeon"}, {"received_at": "yesterday"}])
async def test_manual_entry_bad_input(app_client: AppClient, bad: dict[str, str]) -> None:
    async with app_client() as client:
        await _user(client, "lv", "officer")
        await _sign_in(client, "lv")
        page = await client.get("/desk/entry")
        data = {
            "csrf": _csrf(page.text),
            "inspection": MENGZHOU,
            "channel": "phone",
            "text": "来电反映问题",
            **bad,
        }
        r = await client.post("/desk/entry", data=data)
        assert r.status_code == 422


async def test_admin_users_directory_and_inspection(app_client: AppClient) -> None:
    async with app_client() as client:
        await _user(client, "root", "admin")
        await _sign_in(client, "root")
        del client.headers["Authorization"]
        page = await client.get("/admin")
        csrf = _csrf(page.text)
        r = await client.post(
            "/admin/users", data={"csrf": csrf, "name": "new", "role": "officer", "password": "short"}
        )
        assert "至少10个字符" in r.text
        r = await client.post(
            "/admin/users",
            data={"csrf": csrf, "name": "new", "role": "officer", "password": "long enough pw"},
        )
        assert "已创建 new" in r.text
        r = await client.post(
            "/admin/directory",
            data={
                "csrf": csrf,
                "kind": "department:human_resources",
                "region": "410883",
                "name": "孟州市人力资源和社会保障局",
                "email": "rsj@example.org",
            },
        )
        assert "已保存" in r.text
        csv_text = (await client.get("/admin/directory.csv")).text
        assert "孟州市人力资源和社会保障局" in csv_text
        bad = "kind,region,name,email\nnonsense,999999,,\n"
        r = await client.post(
            "/admin/directory.csv", data={"csrf": csrf}, files={"file": ("d.csv", bad.encode())}
        )
        assert "第2行" in r.text
        toml = (await client.get(f"/admin/inspection/{MENGZHOU}.toml")).text
        r = await client.post(
            "/admin/inspection", data={"csrf": csrf, "source": toml.replace("2021-05-14", "2021-06-30")}
        )
        assert r.status_code == 303
        assert client.app.state.rt.inspections[MENGZHOU].period.end.isoformat() == "2021-06-30"  # type: ignore[attr-defined]
        r = await client.post(
            "/admin/inspection", data={"csrf": csrf, "source": toml.replace('"410883"', '"999999"')}
        )
        assert r.status_code == 422 and "999999" in r.text
        # a transfer to a body with an address in the directory is addressed to it
        # (a signed-in session posts to the API with its CSRF token in a header)
        tn = await _post_report(
            client, "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。", headers={"X-CSRF-Token": csrf}
        )
        page = await client.get(f"/desk/r/{tn}")
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        assert "rsj@example.org" in (await client.get(r.headers["location"])).text


async def test_transfer_is_mailed_to_the_body_without_identity(app_client: AppClient) -> None:
    async with app_client() as client:
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        from storage.desk import DirectoryEntry

        await store.put_directory_entry(
            DirectoryEntry("discipline", "410883", "中共孟州市纪委 孟州市监委", "jw@example.org"),
            actor="test",
            now=datetime.now(UTC),
        )
        tn = await _post_report(client, "举报孟州市化工镇某村的村支书多年不公开村务账目，还挪用集体资金。")
        await _user(client, "yang", "officer")
        await _sign_in(client, "yang")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        r = await client.post(f"/desk/r/{tn}/confirm", data={"csrf": _csrf(page.text)})
        form = (await client.get(r.headers["location"])).text
        assert "中共孟州市纪委 孟州市监委" in form  # the directory's name wins over the default
        pk = await store.report_pk(tn, [MENGZHOU])
        assert pk is not None
        mails = [a for a in await store.report_acks(pk) if a.kind == "transfer"]
        assert len(mails) == 1 and mails[0].recipient == "jw@example.org"
        assert "挪用集体资金" in mails[0].text and "+8613900000001" not in mails[0].text


async def test_attachment_opens_only_when_listed(app_client: AppClient, settings: object) -> None:
    async with app_client() as client:
        rt = client.app.state.rt  # type: ignore[attr-defined]
        store: SqlDeskStore = whole(rt)
        import hashlib

        data = "现场照片".encode()
        digest = hashlib.sha256(data).hexdigest()
        folder = rt.settings.data_dir / "attachments"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / digest).write_bytes(data)
        (folder / ("0" * 64)).write_bytes(b"someone else's")
        from intake.models import SubmittedMessage

        receipt = await rt.service.accept(
            SubmittedMessage(
                id="mail-1",
                text="西虢镇某村村支书侵占补助款，照片见附件。",
                channel="email",
                sender="a@example.org",
            ),
            inspection_id=MENGZHOU,
            payload={
                "attachments": [
                    {
                        "filename": "照片.txt",
                        "content_type": "text/plain",
                        "size": len(data),
                        "sha256": digest,
                    }
                ]
            },
        )
        tn = receipt.tracking_number
        await _user(client, "xu", "officer")
        await _sign_in(client, "xu")
        del client.headers["Authorization"]
        page = await client.get(f"/desk/r/{tn}")
        assert "照片.txt" in page.text
        r = await client.get(f"/desk/r/{tn}/a/{digest}")
        assert r.status_code == 200 and r.content == data
        assert "filename*=UTF-8''%E7%85%A7%E7%89%87.txt" in r.headers["content-disposition"]
        assert (await client.get(f"/desk/r/{tn}/a/{'0' * 64}")).status_code == 404
        assert "attachment.opened" in [e.action for e in await store.recent_audit()]


async def test_report_page_shows_the_grounds_in_chinese(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇某村的村支书把村里的工程都包给了他侄子，别人想干都干不上。")
        await _user(client, "qian", "officer")
        await _sign_in(client, "qian")
        del client.headers["Authorization"]
        page = (await client.get(f"/desk/r/{tn}")).text
        assert "被反映人：" in page and "问题性质：" in page and "结构" in page
        assert "模型版本：" in page  # the service decides with the model it activated at start
        assert "decided by" not in page  # the English rendering is for the batch contract only


async def test_the_report_page_says_truly_why_no_reply_was_sent(app_client: AppClient) -> None:
    # A report from the web page had its number shown on the page; a visit's is told in person.
    async with app_client() as client:
        web = await _post_report(client, "西虢镇财政所所长把扶贫款借给亲戚。", sender="", channel="web")
        visit = await _post_report(client, "西虢镇党委书记收受工程老板的红包。", sender="", channel="visit")
        await _user(client, "zhao", "officer")
        assert (await _sign_in(client, "zhao")).status_code == 303
        del client.headers["Authorization"]
        web_page = (await client.get(f"/desk/r/{web}")).text
        visit_page = (await client.get(f"/desk/r/{visit}")).text
        assert "编号已在提交页面上显示给反映人" in web_page and "当面或电话告知编号" not in web_page
        assert "当面或电话告知编号" in visit_page and "提交页面" not in visit_page
