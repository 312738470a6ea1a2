"""A sign-in for an unknown account costs what a real one does, without hashing anything
when the app is built (app/crypto/staff.py, `_unmatchable_hash`).

Building the app used to hash a random password for the comparison: argon2id at 64 MiB, for
a moment, in every process, the RQ worker included (issue 22, item 6)."""

from __future__ import annotations

import argon2
import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import verify_secret

from app.crypto.staff import Passwords


def test_building_passwords_hashes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> str:
        raise AssertionError("hashed at start")

    monkeypatch.setattr(PasswordHasher, "hash", refuse)
    Passwords(time_cost=3, memory_cost=65536)


@pytest.mark.parametrize(("time_cost", "memory_cost"), [(3, 65536), (1, 64)])
def test_an_unknown_account_is_checked_against_a_hash_with_the_real_parameters(
        time_cost: int, memory_cost: int) -> None:
    passwords = Passwords(time_cost=time_cost, memory_cost=memory_cost)
    real = passwords.hash("correct horse battery staple")
    assert extract_parameters(passwords._dummy) == extract_parameters(real)


def test_an_unknown_account_does_the_full_argon2_work_and_never_matches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    passwords = Passwords(time_cost=1, memory_cost=64)
    calls: list[bytes] = []

    def counted(hash_: bytes, secret: bytes, type_: argon2.Type) -> bool:
        calls.append(hash_)
        return verify_secret(hash_, secret, type_)

    monkeypatch.setattr("argon2._password_hasher.verify_secret", counted)
    assert passwords.verify(None, "anything") is False
    assert calls == [passwords._dummy.encode("ascii")]


def test_two_processes_do_not_share_a_comparison_hash() -> None:
    assert Passwords(time_cost=1, memory_cost=64)._dummy != Passwords(time_cost=1,
                                                                      memory_cost=64)._dummy
