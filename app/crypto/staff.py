"""Staff secrets: advocates' passwords (argon2id), TOTP second factors, recovery codes and
session tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """argon2id password hashing for advocates' accounts.

    `verify` always does the full argon2 work, even for an unknown account (`hash=None`), so
    the time a sign-in takes does not tell an attacker which e-mail addresses exist.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536) -> None:
        # Tests lower the cost through settings; the algorithm and its checks stay the same.
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self._dummy = _unmatchable_hash(self._hasher)

    def __repr__(self) -> str:
        return "Passwords(argon2id)"

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash or self._dummy, password)) and (
                password_hash is not None)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return bool(self._hasher.check_needs_rehash(password_hash))


def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """An argon2id hash string with the hasher's own parameters, a random salt and a random
    digest, which no password matches: verifying against it does exactly the work a real
    account's hash costs. Hashing a random password for it instead took 64 MiB for a moment
    in every process that builds the app, the RQ worker included, which never signs anyone
    in (issue 22, item 6: the stack held about 357 MiB while it started)."""
    def encoded(length: int) -> str:
        return base64.b64encode(secrets.token_bytes(length)).decode("ascii").rstrip("=")

    return (f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},"
            f"p={hasher.parallelism}${encoded(hasher.salt_len)}${encoded(hasher.hash_len)}")


class Totp:
    """RFC 6238 one-time codes (30 s steps, 6 digits), the second factor for advocates.

    A code is accepted for the step before and after the current one (clock drift), and only
    for a step later than the last one accepted, so a code that was seen (over a shoulder, in
    a proxy log) cannot be used again.
    """

    ISSUER = "Quietline"

    @staticmethod
    def new_secret() -> str:
        return pyotp.random_base32()

    @classmethod
    def provisioning_uri(cls, secret: str, account: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=cls.ISSUER)

    @staticmethod
    def code_at(secret: str, when: float) -> str:
        """The code for a moment (development's demo account and tests)."""
        return pyotp.TOTP(secret).at(when)

    @staticmethod
    def accepted_step(secret: str, code: str, when: float, last_step: int | None) -> int | None:
        """The time step `code` belongs to, if it is valid now and newer than `last_step`."""
        code = code.strip().replace(" ", "")
        if not re.fullmatch(r"\d{6}", code):
            return None
        totp = pyotp.TOTP(secret)
        current = int(when // totp.interval)
        for step in (current - 1, current, current + 1):
            if last_step is not None and step <= last_step:
                continue
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None


class RecoveryCodes:
    """One-time recovery codes for an advocate who lost their authenticator.

    A code is 80 random bits written as four groups of four base32 letters and digits (easy
    to copy from paper). Only a SHA-256 digest is stored: with 80 random bits there is
    nothing to guess from the digest, so a plain hash is enough, and unlike an HMAC it does
    not depend on a key that may be rotated. A code is found by its digest and marked used
    in the same UPDATE (the caller), so it works once.
    """

    COUNT = 10
    _ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    _SHAPE = re.compile(r"^[A-Z2-9]{16}$")

    @classmethod
    def generate(cls, count: int = COUNT) -> list[str]:
        codes = []
        for _ in range(count):
            raw = "".join(secrets.choice(cls._ALPHABET) for _ in range(16))
            codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        return codes

    @classmethod
    def digest(cls, code: str) -> str | None:
        """The stored form of a code as typed (spaces, hyphens and case ignored); None for
        something that cannot be a recovery code."""
        normal = re.sub(r"[\s-]", "", code).upper()
        if not cls._SHAPE.match(normal):
            return None
        return hashlib.sha256(b"quietline recovery code|" + normal.encode()).hexdigest()


def new_session_token() -> str:
    """A staff session's token: 256 random bits, held only in the signed session cookie."""
    return secrets.token_urlsafe(32)


def session_token_digest(token: str) -> str:
    """What the database keeps of a session token, so someone reading the database cannot
    take over a signed-in session. 256 random bits need no key or salt."""
    return hashlib.sha256(b"quietline staff session|" + token.encode()).hexdigest()
