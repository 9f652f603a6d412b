"""Sealing reporters' data at rest: AES-256-GCM with keys kept outside the database.

A sealed text is `s1.<key id>.<base64url(nonce || ciphertext+tag)>`: the key id names the data key
that sealed it, so `petition keys rotate` can bring in a new key while old rows stay readable.
Equality lookups (is this the same sender?) use a keyed hash (HMAC-SHA256 under a key derived with
HKDF from the current data key), never the plain value, and never a plain unkeyed hash, which a
copy of the database would let anyone test phone numbers against.

Keys come from `PETITION_DATA_KEY` (one or more base64url keys, comma-separated, the first is
current) or, when it is unset, from `<data_dir>/data.key` (one key a line, the first current),
generated with mode 0600 on first start.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILENAME: Final = "data.key"
KEY_ENV: Final = "PETITION_DATA_KEY"
SEALED_PREFIX: Final = "s1."
BLOB_MAGIC: Final = b"PSEAL1\n"
_NONCE_BYTES: Final = 12
_KEY_BYTES: Final = 32
# Binds every ciphertext to this service: a blob sealed elsewhere with the same key will not open.
_AAD: Final = b"petition-intake/v1"


class DataKeyError(Exception):
    """A data key is missing, malformed, or does not open a sealed value."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh random 256-bit data key, base64url-encoded."""
    return _b64(secrets.token_bytes(_KEY_BYTES))


def key_id(key: bytes) -> str:
    """The short public name of a key: derived from it, so two processes agree without a registry."""
    return hmac.new(key, b"petition key id", hashlib.sha256).hexdigest()[:8]


def _parse_key(text: str) -> bytes:
    try:
        raw = _unb64(text.strip())
    except (ValueError, TypeError) as exc:
        raise DataKeyError("a data key is not valid base64url") from exc
    if len(raw) != _KEY_BYTES:
        raise DataKeyError(f"a data key must be {_KEY_BYTES} bytes, not {len(raw)}")
    return raw


@dataclass(frozen=True)
class Keyring:
    """The data keys: the current one seals, every one opens what it sealed."""

    keys: Mapping[str, bytes]
    current: str

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> Keyring:
        """A keyring from base64url keys, the first being current."""
        parsed = [_parse_key(t) for t in texts if t.strip()]
        if not parsed:
            raise DataKeyError("no data key given")
        keys = {key_id(k): k for k in parsed}
        return cls(keys, key_id(parsed[0]))

    def texts(self) -> list[str]:
        """The keys as base64url, the current one first (the key file's lines)."""
        rest = [k for kid, k in self.keys.items() if kid != self.current]
        return [_b64(k) for k in [self.keys[self.current], *rest]]


def key_file(data_dir: Path) -> Path:
    """Where the data key lives when it is not given in the environment."""
    return data_dir / KEY_FILENAME


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Replace the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write("\n".join(keyring.texts()) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def create_file_once(path: Path, text: str) -> str:
    """Create `path` (mode 0600) with `text` unless it exists; return what the file holds.

    The content is written to a private file first and then hard-linked into place, which fails
    when another process got there first: no process ever sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its file
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text("utf-8")


def load_keyring(data_dir: Path, configured: str | None = None, *, create: bool = True) -> Keyring:
    """The keyring from `configured` (PETITION_DATA_KEY), else from the data dir's key file (made
    when `create`)."""
    if configured:
        return Keyring.from_texts(configured.replace("\n", ",").split(","))
    path = key_file(data_dir)
    if path.exists():
        return Keyring.from_texts(path.read_text("ascii").splitlines())
    if not create:
        raise DataKeyError(f"no data key: set {KEY_ENV} or create {path}")
    # Several processes may start at once on a fresh data dir: the first file wins and the others
    # read it, so every process seals with the same key.
    text = create_file_once(path, "\n".join(Keyring.from_texts([new_key()]).texts()) + "\n")
    return Keyring.from_texts(text.splitlines())


_SHA256_BLOCK: Final = 64
_TRANS_36: Final = bytes(x ^ 0x36 for x in range(256))
_TRANS_5C: Final = bytes(x ^ 0x5C for x in range(256))


def hmac_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 states that have taken HMAC's inner and outer key pads (RFC 2104): copying them
    and hashing the message and the inner digest gives hmac.digest(key, message, "sha256")."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(key.translate(_TRANS_36)), hashlib.sha256(key.translate(_TRANS_5C))


class SealingCodec:
    """`storage.db.TextCodec` with AES-256-GCM: a random nonce per value, key id in front."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._aeads = {kid: AESGCM(key) for kid, key in keyring.keys.items()}
        self._lookup_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"petition lookup hash v1"
        ).derive(keyring.keys[keyring.current])
        self._lookup_pads = hmac_pads(self._lookup_key)

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt `data` under the current key: key id, nonce, ciphertext and tag."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        kid = self.keyring.current
        return kid.encode("ascii") + nonce + self._aeads[kid].encrypt(nonce, data, _AAD)

    def unseal_bytes(self, sealed: bytes) -> bytes:
        """Decrypt what `seal_bytes` made, with whichever key sealed it."""
        kid = sealed[:8].decode("ascii", "replace")
        aead = self._aeads.get(kid)
        if aead is None:
            raise DataKeyError(f"sealed with key {kid!r}, which is not in the keyring")
        nonce, body = sealed[8 : 8 + _NONCE_BYTES], sealed[8 + _NONCE_BYTES :]
        try:
            return aead.decrypt(nonce, body, _AAD)
        except InvalidTag as exc:
            raise DataKeyError(f"a value sealed with key {kid!r} does not authenticate") from exc

    def seal(self, value: str) -> str:
        """The sealed form of a text, for a text column."""
        return SEALED_PREFIX + _b64(self.seal_bytes(value.encode("utf-8")))

    def unseal(self, stored: str) -> str:
        """The text behind a sealed value; a value stored before sealing was on is returned as is."""
        if not stored.startswith(SEALED_PREFIX):
            return stored
        return self.unseal_bytes(_unb64(stored[len(SEALED_PREFIX) :])).decode("utf-8")

    def lookup(self, value: str) -> str:
        """A keyed hash of `value` for equality lookups (64 hex digits)."""
        # HMAC-SHA256 from the key's pads hashed once (`hmac_pads`): a report's search index needs
        # a hundred of these, and hmac.digest hashes the pads again on every call (2.7 times slower).
        inner, outer = self._lookup_pads[0].copy(), self._lookup_pads[1].copy()
        inner.update(value.encode("utf-8"))
        outer.update(inner.digest())
        return outer.hexdigest()

    def sealed_with_current(self, stored: str) -> bool:
        """Whether a stored text is already sealed with the current key (rotation skips it)."""
        if not stored.startswith(SEALED_PREFIX):
            return False
        head = _unb64(stored[len(SEALED_PREFIX) : len(SEALED_PREFIX) + 12])
        return head[:8].decode("ascii", "replace") == self.keyring.current

    def seal_file(self, data: bytes) -> bytes:
        """The sealed form of a file's content (attachments, raw mails), marked as such."""
        return BLOB_MAGIC + self.seal_bytes(data)

    def unseal_file(self, data: bytes) -> bytes:
        """A file's content from what `seal_file` wrote; an unsealed file is returned as is."""
        if not data.startswith(BLOB_MAGIC):
            return data
        return self.unseal_bytes(data[len(BLOB_MAGIC) :])
