"""Attack (issue #13, item 2): contact details a citizen types into the message text itself were
stored and shown as plain text, reaching the desk search, the API, the transfer form, the ledger
export and the logs without the audited reveal. Every channel now masks them."""

from __future__ import annotations

import base64
import logging
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from intake.models import Category, Channel, Decision, Scope
from storage.crypto import Keyring, SealingCodec, new_key
from storage.desk import QueueFilter
from storage.messages import unmasked
from storage.rekey import rebuild_search_index, reseal_all
from storage.schema import messages
from storage.search import pairs, term_ids
from storage.search_index import add_search_terms
from tests.fakes.store import SqlDeskStore, whole
from tests.fakes.telegram_api import callback_update, message_update
from tests.trust.accounts import MENGZHOU, add_user, api, desk_store, session, token_for
from tests.trust.harness import Harness, running, settings_for
from web.logs import QUIET_LIBRARIES, quiet_libraries

WAGES = "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。"
PHONE = "+86 138-1234-5678"
EMAIL = "zhang.san@example.cn"
ID_CARD = "410883199001011234"
TYPED = f"联系我{PHONE}，邮箱{EMAIL}，身份证{ID_CARD}。"
SMS_PHONE = "13987654321"
TG_PHONE = "+86 137 0000 1111"

# What must not be readable anywhere but behind the reveal, in each form it could be searched in.
SECRETS = ("13812345678", "138-1234-5678", "1234-5678", EMAIL, "zhang.san", ID_CARD, "19900101")
MORE = (SMS_PHONE, "1370000", "0000 1111", "0000-1111")


def _pdf_text(pdf: bytes) -> str:
    """The text a PDF of the transfer form shows: its page streams (ASCII85 and Flate) decoded and
    the CID font's UCS-2 strings joined, so a number wrapped over two lines still reads as one."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        for literal in re.findall(rb"\(((?:[^\\)]|\\.)*)\)\s*Tj", data, re.S):
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
                literal,
            )
            shown.append(raw.decode("utf-16-be", "replace"))
    return "".join(shown)


async def _channels(h: Harness, token: str) -> list[str]:
    """The same kind of text by the API, SMS, Telegram and the citizens' web form; their numbers."""
    r = await h.client.post(
        "/api/messages",
        headers=api(token),
        json={"id": "call-1", "channel": "phone", "text": WAGES + TYPED, "inspection": MENGZHOU},
    )
    assert r.status_code == 201, r.text
    numbers = [r.json()["tracking_number"]]
    assert (
        await h.sms("SMtyped", f"举报镇长收受红包，请回电{SMS_PHONE}", "+8613900002222")
    ).status_code == 200
    await h.telegram_update(message_update(9101, 7310552222, "举报村支书挪用扶贫资金"))
    await h.telegram_update(message_update(9102, 7310552222, f"实名信息：张三, {TG_PHONE}"))
    await h.telegram_update(callback_update(9103, 7310552222, "anonymous"))
    r = await h.client.post("/submit", data={"text": f"举报镇长收受红包，我的邮箱{EMAIL}"})
    assert r.status_code == 303
    for report in await whole(h.rt).latest_reports(None, limit=20):
        if report.tracking_number not in numbers:
            numbers.append(report.tracking_number)
    return numbers


async def test_contacts_typed_in_the_text_stay_behind_the_reveal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything of ours at DEBUG; the libraries as `serve` configures them (web/logs.py).
    caplog.set_level(logging.DEBUG)
    quiet_libraries()
    async with running(settings_for(tmp_path / "data")) as h:
        await add_user(h, "lead", "leader")
        numbers = await _channels(h, await token_for(h, "lead"))
        token = await token_for(h, "lead")
        texts = []
        for number in numbers:
            shown = await h.client.get(f"/api/reports/{number}", headers=api(token))
            texts.append(shown.text)
        assert "138****5678" in texts[0] and "z***@example.cn" in texts[0]
        assert any("139****4321" in t for t in texts), "the SMS's typed number is masked, not lost"
        api_text = "\n".join(texts)

        async with session(h, "lead") as (client, csrf):
            found = []
            for query in ("13812345678", "138 1234 5678", EMAIL, ID_CARD, SMS_PHONE, "1370000"):
                page = await client.get("/desk", params={"state": "all", "q": query})
                found += [(query, n) for n in numbers if n in page.text]
            assert found == [], "the search index holds the typed contact details"
            assert numbers[0] in (await client.get("/desk", params={"state": "all", "q": "拖欠三个月"})).text

            r = await client.post(f"/desk/r/{numbers[0]}/confirm", data={"csrf": csrf})
            assert r.status_code == 303 and r.headers["location"].startswith("/desk/t/")
            form = (await client.get(r.headers["location"])).text
            assert "拖欠三个月工资" in form
            pdf = _pdf_text((await client.get(r.headers["location"] + "/pdf")).content)
            assert "拖欠三个月工资" in pdf, "the PDF check reads the PDF's text"
            ledger = (await client.get("/desk/ledger.csv", params={"identity": "1"})).text
            page = (await client.get(f"/desk/r/{numbers[0]}")).text

            shown = (await client.post(f"/desk/r/{numbers[0]}/reveal", data={"csrf": csrf})).text
            assert PHONE in shown and EMAIL in shown and ID_CARD in shown
        viewed = await desk_store(h).recent_audit(action_prefix="identity.viewed")
        assert [e.actor for e in viewed] == ["lead"]

    # httpx's lines are this test's own client naming the searches it made.
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for where, text in {
        "api": api_text,
        "form": form,
        "pdf": pdf,
        "ledger": ledger,
        "page": page,
        "logs": logs,
    }.items():
        leaked = [s for s in (*SECRETS, *MORE) if s in text]
        assert leaked == [], (where, leaked)


@pytest.fixture(autouse=True)
def _restore_library_levels() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_keys_rotate_masks_what_was_stored_before(db_url: str) -> None:
    """A message stored unmasked before the fix, with its contact details in the search index:
    `petition keys rotate` (reseal_all, rebuild_search_index) masks it and drops them."""
    codec = SealingCodec(Keyring.from_texts([new_key()]))
    store = await SqlDeskStore.open(db_url, codec=codec)
    now = datetime.now(UTC)
    original = WAGES + TYPED
    decision = Decision(id="m", scope=Scope.IN_SCOPE, category=Category.APPEAL, confidence=0.9)
    try:
        saved = await store.save_raw(
            inspection_id="ins",
            channel=Channel.PHONE,
            provider_id="old-1",
            sender=None,
            text=original,
            subject=None,
            received_at=now,
            payload={"real_name": "张三"},
        )
        report = await store.create_report(
            message_pk=saved.message.pk,
            tracking_prefix="T",
            decision=decision,
            state="decided",
            ack=None,
            now=now,
        )
        async with store.engine.begin() as conn:  # as the code before the fix stored it
            await conn.execute(
                update(messages)
                .where(messages.c.pk == saved.message.pk)
                .values(text=codec.seal(original), payload=None)
            )
            await add_search_terms(conn, report.pk, term_ids(pairs(original), codec.lookup))
        found = QueueFilter(("ins",), states=(), text=ID_CARD)
        assert (await store.queue(found)).rows, "the old row is findable by the ID-card number"

        await reseal_all(store.engine, codec)
        await rebuild_search_index(store.engine, codec)
        assert (await store.queue(found)).rows == []
        [message] = await store.report_messages(report.pk)
        assert "138****5678" in message.text and ID_CARD not in message.text
        assert unmasked(message) == (original, None)
        assert (await reseal_all(store.engine, codec)).rewritten["messages"] == 0  # done once
    finally:
        await store.close()
