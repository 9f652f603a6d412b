"""Issue 15 over HTTP: what the desk says is Chinese and true (delivery states, the current
decision's grounds, region names, error pages), and the queue tells what each item is about."""

from __future__ import annotations

import html
import re

from tests.web.conftest import AppClient
from tests.web.test_desk import _csrf, _post_report, _sign_in, _user


async def _officer(client: object, name: str = "lin", role: str = "officer") -> None:
    await _user(client, name, role)  # type: ignore[arg-type]
    await _sign_in(client, name)  # type: ignore[arg-type]
    del client.headers["Authorization"]  # type: ignore[attr-defined]


async def test_an_unsent_acknowledgement_is_not_called_delivered(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇环保所不管工厂夜里排污，河水发黑。")
        await client.app.state.rt.worker.run_once()  # type: ignore[attr-defined]
        await _officer(client)
        page = (await client.get(f"/desk/r/{tn}")).text
        assert "未发送（短信通道未配置）" in page and "已送达" not in page
        assert "转办告知" in page and "out_of_scope</td>" not in page
        assert f"系统登记为{tn}，系统原建议：" in page and "{&#39;" not in page and "{'" not in page
        assert 'title="department:environment"' in page and "生态环境部门" in page  # code on hover


async def test_queue_shows_the_text_and_a_confidence_band(app_client: AppClient) -> None:
    async with app_client() as client:
        await _post_report(client, "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。电话13912345678")
        await _officer(client)
        page = (await client.get("/desk")).text
        assert "老板拖欠三个月工资" in page and "13912345678" not in page  # masked at rest
        assert re.search(r'title="0\.\d\d">[高中低]<', page)


async def test_override_shows_its_own_grounds_and_keeps_a_units_name(app_client: AppClient) -> None:
    async with app_client() as client:
        tn = await _post_report(client, "西虢镇中心小学向学生乱收资料费。")
        await _officer(client, "feng", "leader")
        csrf = _csrf((await client.get(f"/desk/r/{tn}")).text)
        unit = {"csrf": csrf, "scope": "out_of_scope", "target_kind": "inspected_unit"}
        r = await client.post(
            f"/desk/r/{tn}/decision", data={**unit, "target_region": "410883", "target_name": "西虢镇党委"}
        )
        assert r.headers["location"].endswith("?saved=1")
        page = (await client.get(r.headers["location"])).text
        assert "已保存" in page and "人工确认" in page and "值班人员已修改" in page
        assert "去向：" not in page  # the machine's route argued for its own suggestion
        # Only the region changes, by name: the unit keeps its name.
        r = await client.post(f"/desk/r/{tn}/decision", data={**unit, "target_region": "孟州市"})
        assert "error" not in r.headers["location"]
        page = (await client.get(f"/desk/r/{tn}")).text
        assert "西虢镇党委" in page and "被巡视巡察单位</dd>" not in page
        # An ambiguous name is refused with its matches; the field keeps what was typed.
        r = await client.post(f"/desk/r/{tn}/decision", data={**unit, "target_region": "朝阳区"})
        page = html.unescape((await client.get(r.headers["location"])).text)
        assert "北京市朝阳区（110105）" in page and 'value="朝阳区"' in page


async def test_desk_errors_are_chinese_pages_with_a_way_back(app_client: AppClient) -> None:
    async with app_client() as client:
        await _officer(client)
        r = await client.get("/desk/r/MZ1-9999")
        assert r.status_code == 404 and "text/html" in r.headers["content-type"]
        assert "没有这件来信" in r.text and "返回" in r.text and "no such report" not in r.text
        r = await client.get("/admin")
        assert r.status_code == 403 and "无权" in r.text and "your role" not in r.text
        api = await client.get("/api/reports/MZ1-9999")
        assert api.headers["content-type"].startswith("application/json")  # machines keep JSON
