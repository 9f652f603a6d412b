"""Attack (issue #13, item 3): a leader limited to one inspection read the whole audit log at
`/desk/audit`: other inspections' tracking numbers and identity views, and other users' sign-ins
with their addresses. The page now shows only what concerns the account's inspections."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.store import whole
from tests.trust.accounts import HENAN, MENGZHOU, add_user, api, session, token_for
from tests.trust.harness import running, settings_for


async def test_a_limited_leader_reads_only_their_inspections_audit(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        await add_user(h, "boss", "leader")
        await add_user(h, "mz-officer", "officer", inspections=MENGZHOU)
        await add_user(h, "hn-leader", "leader", inspections=HENAN)
        token = await token_for(h, "boss")
        numbers = {}
        for ins, text in ((MENGZHOU, "西虢镇党委书记收受红包。"), (HENAN, "审计厅办公室主任公车私用。")):
            r = await h.client.post(
                "/api/messages",
                headers=api(token),
                json={"id": f"a-{ins}", "channel": "phone", "text": text, "inspection": ins},
            )
            numbers[ins] = r.json()["tracking_number"]
        # The Mengzhou officer signs in and looks at a reporter: entries of Mengzhou only.
        async with session(h, "mz-officer") as (client, csrf):
            r = await client.post(f"/desk/r/{numbers[MENGZHOU]}/reveal", data={"csrf": csrf})
            assert r.status_code == 200
        async with session(h, "hn-leader") as (client, csrf):
            r = await client.post(f"/desk/r/{numbers[HENAN]}/reveal", data={"csrf": csrf})
            assert r.status_code == 200
            page = (await client.get("/desk/audit")).text
            views = (await client.get("/desk/audit", params={"action": "identity."})).text
            by_actor = (await client.get("/desk/audit", params={"actor": "mz-officer"})).text
        assert "<td>mz-officer</td>" not in page and "<td>mz-officer</td>" not in by_actor
        assert "sign_in.ok" in page and "<td>hn-leader</td>" in page  # their own sign-in
        assert views.count("identity.viewed") == 1  # their own view, not the Mengzhou one
        mz_pk = (await whole(h.rt).get_report(numbers[MENGZHOU])).pk  # type: ignore[union-attr]
        hn_pk = (await whole(h.rt).get_report(numbers[HENAN])).pk  # type: ignore[union-attr]
        assert f"<td>{hn_pk}</td>" in page and f"<td>{mz_pk}</td>" not in page
        async with session(h, "boss") as (client, _csrf):
            everything = (await client.get("/desk/audit")).text
        assert "<td>mz-officer</td>" in everything and f"<td>{mz_pk}</td>" in everything
