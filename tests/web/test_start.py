"""What `petition serve` does at start: no work that only a later request needs."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError

from web.auth import Passwords, unmatchable_hash

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.mark.parametrize("hasher", [PasswordHasher(), PasswordHasher(**CHEAP)])
def test_the_unmatchable_hash_has_the_hashers_cost_and_matches_nothing(hasher: PasswordHasher) -> None:
    dummy = unmatchable_hash(hasher)
    real = hasher.hash("some password")
    assert extract_parameters(dummy) == extract_parameters(real)
    assert len(dummy) == len(real)
    # A mismatch, not a malformed hash: the verification ran the full computation.
    with pytest.raises(VerifyMismatchError):
        hasher.verify(dummy, "")
    assert unmatchable_hash(hasher) != dummy


def test_an_unknown_name_costs_one_verification_of_the_same_parameters() -> None:
    hasher = PasswordHasher(**CHEAP)
    passwords = Passwords(hasher)
    assert passwords.check(None, "anything") is False
    assert passwords.check(hasher.hash("right password"), "right password") is True
    assert passwords.verifications == 2
    assert set(passwords.costs) == {(1, 8, 1)}
