"""Encryption at rest: a copy of the database and the data directory reveal no identity and no text."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text as sql_text

from cli.main import main
from intake.models import Channel, InboundMessage
from storage.crypto import DataKeyError, Keyring, SealingCodec, key_file, load_keyring, new_key
from storage.engine import make_engine, sqlite_url
from storage.rekey import reseal_all
from storage.schema import metadata
from tests.fakes.store import SqlReportStore, whole
from tests.fakes.telegram_api import message_update
from tests.trust.harness import running, settings_for

PHONE = "+8613712345098"
OTHER_PHONE = "+8615987654321"
EMAIL = "zhang.reporter@example.cn"
MAIL_SENDER = "wang.wu.reporter@example.cn"
TG_CHAT = 7310558842
PHRASES = ("收受开发商贿赂", "违规审批", "低保评定中优亲厚友", "村支书收受红包")


def needles() -> list[bytes]:
    """Every form in which the secrets could sit in a file: UTF-8, JSON-escaped, digits alone."""
    found: list[bytes] = []
    for secret in (PHONE, OTHER_PHONE, EMAIL, MAIL_SENDER, str(TG_CHAT), *PHRASES):
        found.append(secret.encode("utf-8"))
        found.append(json.dumps(secret).strip('"').encode("ascii"))
    found.append(PHONE.lstrip("+").encode())
    return found


async def _fill(data_dir: Path, db_url: str | None) -> None:
    settings = settings_for(data_dir, db_url, smtp_listen="127.0.0.1:0", mail_from="team@example.org")
    async with running(settings) as h:
        r = await h.sms("SMsecret1", "举报县住建局局长收受开发商贿赂，违规审批项目。", PHONE)
        assert r.status_code == 200
        r = await h.sms("SMsecret2", "反映某村党支部书记在低保评定中优亲厚友。", OTHER_PHONE)
        assert r.status_code == 200
        r = await h.telegram_update(message_update(9001, TG_CHAT, "村支书收受红包"))
        assert r.status_code == 200
        # A mail with an attachment through the mail intake (as from IMAP or the SMTP listener):
        # the raw .eml and the attachment are kept in the data dir, sealed.
        mail_intake = h.app.state.channels.mail
        assert mail_intake is not None
        receipt = await mail_intake.take(raw_mail())
        assert receipt.tracking_number is not None
        # E-mail as an officer would enter it.
        service = h.rt.service
        receipt = await service.accept(mail("mail-1", "举报局长收受开发商贿赂。"))
        number = receipt.tracking_number
        assert number is not None
        # A status query from the same address is answered: the senders compare equal.
        assert (await service.accept(mail("mail-2", f"查询 {number}"))).tracking_number == number
        await h.drain()
        # The service itself still reads everything back.
        report = await whole(h.rt).get_report(number)
        assert report is not None and report.sender == EMAIL
        first, query = await whole(h.rt).report_messages(report.pk)  # the query is linked to it
        assert "收受开发商贿赂" in first.text and query.text.startswith("查询")
        sent = {m["To"] for m in h.twilio.messages}
        assert sent == {PHONE, OTHER_PHONE}


def raw_mail() -> bytes:
    """A reporter's mail with an attachment, as a mail server delivers it."""
    msg = EmailMessage()
    msg["From"] = f"王五 <{MAIL_SENDER}>"
    msg["To"] = "team@example.org"
    msg["Subject"] = "举报材料"
    msg["Message-ID"] = "<secret-1@example.cn>"
    msg.set_content(f"{PHRASES[0]}，详见附件。联系电话{PHONE}")
    msg.add_attachment(f"证据：{PHRASES[1]}".encode(), maintype="text", subtype="plain", filename="证据.txt")
    return msg.as_bytes()


def mail(provider_id: str, text: str) -> InboundMessage:
    """An e-mail from the reporter."""
    return InboundMessage(id=provider_id, channel=Channel.EMAIL, sender=EMAIL, text=text)


def _read_all(directory: Path, pattern: str) -> bytes:
    files = sorted(directory.glob(pattern))
    assert files, f"no {pattern} in {directory}"
    return b"".join(p.read_bytes() for p in files)


def _grep_dir(root: Path, skip: set[Path]) -> list[str]:
    hits: list[str] = []
    for path in root.rglob("*"):
        if path.is_file() and path not in skip:
            data = path.read_bytes()
            hits.extend(f"{path.name}: {n!r}" for n in needles() if n in data)
    return hits


async def _pg_dump(db_url: str) -> bytes:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            parts: list[str] = []
            for table in metadata.tables:
                rows = await conn.execute(sql_text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
                parts.extend(r[0] for r in rows)
    finally:
        await engine.dispose()
    return "\n".join(parts).encode("utf-8")


async def test_database_and_data_dir_reveal_no_identity_or_text(db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await _fill(data_dir, db_url)
    if db_url.startswith("sqlite"):
        blob = _read_all(tmp_path / "db", "petition.sqlite3*")  # the file with its WAL
    else:
        blob = await _pg_dump(db_url)
    assert len(blob) > 10_000  # the copy does hold the data
    leaked = [n for n in needles() if n in blob]
    assert leaked == []
    # The data directory holds the key and the mails and attachments kept by the mail intake,
    # sealed: no plaintext either.
    kept = sorted(p.parent.name for p in data_dir.rglob("*") if p.is_file() and p.parent != data_dir)
    assert kept == ["attachments", "mail"]
    assert _grep_dir(data_dir, {key_file(data_dir)}) == []
    mode = stat.S_IMODE(os.stat(key_file(data_dir)).st_mode)
    assert mode == 0o600


async def test_the_plain_codec_would_have_leaked(tmp_path: Path) -> None:
    # The same grep finds the plaintext when sealing is off: the test above can fail.
    url = f"sqlite+aiosqlite:///{tmp_path / 'plain.sqlite3'}"
    store = await SqlReportStore.open(url)
    try:
        await store.save_raw(
            inspection_id="x",
            channel=Channel.SMS,
            provider_id="p1",
            sender=PHONE,
            text=PHRASES[0],
            subject=None,
            received_at=datetime.now(UTC),
            payload={"From": PHONE},
        )
    finally:
        await store.close()
    blob = _read_all(tmp_path, "plain.sqlite3*")
    assert PHONE.encode() in blob


def test_seal_roundtrip_nonce_and_tamper() -> None:
    codec = SealingCodec(Keyring.from_texts([new_key()]))
    a, b = codec.seal(PHONE), codec.seal(PHONE)
    assert a != b  # random nonce: equal values do not look equal
    assert codec.unseal(a) == codec.unseal(b) == PHONE
    assert codec.lookup(PHONE) == codec.lookup(PHONE) != codec.lookup(OTHER_PHONE)
    raw = bytearray(a.encode())
    raw[-3] = ord("A") if raw[-3] != ord("A") else ord("B")
    with pytest.raises(DataKeyError):
        codec.unseal(raw.decode())
    other = SealingCodec(Keyring.from_texts([new_key()]))
    with pytest.raises(DataKeyError):
        other.unseal(a)  # another key does not open it
    assert other.lookup(PHONE) != codec.lookup(PHONE)  # hashes are keyed
    assert codec.unseal_file(codec.seal_file(b"%PDF attachment")) == b"%PDF attachment"


def test_key_from_environment_or_file(tmp_path: Path) -> None:
    key = new_key()
    from_env = load_keyring(tmp_path / "a", key)
    assert list(from_env.keys) == [from_env.current]
    assert not (tmp_path / "a").exists()  # nothing written when the key is configured
    created = load_keyring(tmp_path / "b")
    assert load_keyring(tmp_path / "b").current == created.current  # generated once
    with pytest.raises(DataKeyError):
        load_keyring(tmp_path / "c", create=False)
    with pytest.raises(DataKeyError):
        load_keyring(tmp_path / "d", "not-a-key")


async def test_rotation_reseals_every_row_and_keeps_lookups(db_url: str, tmp_path: Path) -> None:
    old = Keyring.from_texts([new_key()])
    store = await SqlReportStore.open(db_url, codec=SealingCodec(old))
    now = datetime.now(UTC)
    try:
        saved = await store.save_raw(
            inspection_id="x",
            channel=Channel.SMS,
            provider_id="p1",
            sender=PHONE,
            text=PHRASES[0],
            subject=None,
            received_at=now,
            payload={"From": PHONE},
        )
    finally:
        await store.close()

    both = Keyring.from_texts([new_key(), *old.texts()])
    new_codec = SealingCodec(both)
    engine = make_engine(db_url)
    try:
        first = await reseal_all(engine, new_codec)
        again = await reseal_all(engine, new_codec)
    finally:
        await engine.dispose()
    assert first.rewritten["messages"] == 1
    assert set(again.rewritten.values()) == {0}  # idempotent

    only_new = SealingCodec(Keyring.from_texts(both.texts()[:1]))
    store = await SqlReportStore.open(db_url, codec=only_new)
    try:
        [message] = await store.unprocessed_messages()
        assert (message.pk, message.sender, message.text) == (saved.message.pk, PHONE, PHRASES[0])
        assert message.payload == {"From": PHONE}
    finally:
        await store.close()


async def test_cli_keys_rotate_replaces_the_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PETITION_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PETITION_DATA_KEY", raising=False)
    monkeypatch.delenv("PETITION_DATABASE_URL", raising=False)
    old = load_keyring(data_dir)
    url = sqlite_url(data_dir)
    store = await SqlReportStore.open(url, codec=SealingCodec(old))
    try:
        await store.save_raw(
            inspection_id="x", channel=Channel.SMS, provider_id="p1", sender=PHONE, text=PHRASES[0],
            subject=None, received_at=datetime.now(UTC), payload=None,
        )  # fmt: skip
    finally:
        await store.close()
    result = await asyncio.to_thread(CliRunner().invoke, main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "messages: 1 rows, 1 re-sealed" in result.output
    new = load_keyring(data_dir, create=False)
    assert list(new.keys) == [new.current] and new.current not in old.keys  # the old key is gone
    store = await SqlReportStore.open(url, codec=SealingCodec(new))
    try:
        [message] = await store.unprocessed_messages()
        assert message.sender == PHONE and message.text == PHRASES[0]
    finally:
        await store.close()
