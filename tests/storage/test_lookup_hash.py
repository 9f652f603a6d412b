"""The lookup hash (sender hashes, search terms) computed from precomputed HMAC pads must stay
byte-for-byte HMAC-SHA256: every stored hash and search term was made with it."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from storage.crypto import Keyring, SealingCodec, hmac_pads, new_key

MESSAGES = [b"", "search:拖欠".encode(), b"+8613900000001", bytes(range(256)) * 3]


@pytest.mark.parametrize("key_len", [0, 1, 32, 63, 64, 65, 200])
@pytest.mark.parametrize("message", MESSAGES)
def test_pads_give_the_standard_hmac(key_len: int, message: bytes) -> None:
    key = hashlib.sha512(str(key_len).encode()).digest() * 4
    key = key[:key_len]
    inner, outer = hmac_pads(key)
    inner = inner.copy()
    inner.update(message)
    outer = outer.copy()
    outer.update(inner.digest())
    assert outer.digest() == hmac.digest(key, message, "sha256")


def test_lookup_is_hmac_of_the_lookup_key_and_repeats() -> None:
    codec = SealingCodec(Keyring.from_texts([new_key()]))
    for value in ("", "拖欠", "+8613900000001", "search:工资" * 50):
        expected = hmac.digest(codec._lookup_key, value.encode("utf-8"), "sha256").hex()
        assert codec.lookup(value) == expected
        assert codec.lookup(value) == expected  # the pads are copied, never consumed
    assert codec.lookup("a") != codec.lookup("b")
