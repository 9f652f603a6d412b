"""storage/drafts.py: chats' conversation state, sealed, version-checked, kept across key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.crypto import Keyring, SealingCodec, new_key
from storage.drafts import DraftConflict, SqlConversationDrafts
from storage.rekey import reseal_all
from tests.fakes.store import SqlReportStore

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
STATE = {"fresh": False, "draft": {"messages": [{"text": "审计厅副厅长王某收受购物卡"}]}}


async def test_a_write_from_a_stale_read_fails(db_url: str) -> None:
    codec = SealingCodec(Keyring.from_texts([new_key()]))
    store = await SqlReportStore.open(db_url, codec=codec)
    one, two = SqlConversationDrafts(store.engine, codec), SqlConversationDrafts(store.engine, codec)
    try:
        await one.save("bot", "42", STATE, last_at=NOW, now=NOW, version=None)
        with pytest.raises(DraftConflict):  # both saw no row: the second insert loses
            await two.save("bot", "42", STATE, last_at=NOW, now=NOW, version=None)
        read_one, read_two = await one.load("bot", "42"), await two.load("bot", "42")
        assert read_one is not None and read_two is not None and read_one.state == STATE
        await one.save("bot", "42", {"fresh": True, "draft": None}, last_at=None, now=NOW, version=1)
        with pytest.raises(DraftConflict):
            await two.save("bot", "42", STATE, last_at=NOW, now=NOW, version=read_two.version)
        with pytest.raises(DraftConflict):
            await two.delete("bot", "42", version=read_two.version)
        assert (await two.load("bot", "42")) is not None
        assert await two.idle("bot", NOW + timedelta(minutes=5)) == []  # no open draft
        assert await one.prune("bot", NOW + timedelta(days=3)) == 1
        assert await one.load("bot", "42") is None
    finally:
        await store.close()


async def test_an_open_draft_survives_a_key_rotation(db_url: str) -> None:
    old = Keyring.from_texts([new_key()])
    store = await SqlReportStore.open(db_url, codec=SealingCodec(old))
    try:
        await SqlConversationDrafts(store.engine, SealingCodec(old)).save(
            "bot", "42", STATE, last_at=NOW, now=NOW, version=None
        )
        both = SealingCodec(Keyring.from_texts([new_key(), *old.texts()]))
        result = await reseal_all(store.engine, both)
        assert result.rewritten["conversation_drafts"] == 1
        assert (await reseal_all(store.engine, both)).rewritten["conversation_drafts"] == 0
        only_new = SealingCodec(Keyring.from_texts(both.keyring.texts()[:1]))
        stored = await SqlConversationDrafts(store.engine, only_new).load("bot", "42")
        assert stored is not None and stored.state == STATE
    finally:
        await store.close()
