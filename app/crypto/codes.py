"""Keyed values of the web chat's "come back later" codes (app/conversation/return_codes.py).

A code is three ordinary words shown once to the survivor; only its keyed value is stored,
to find the conversation when the code is typed again. Thirty-three bits are far too few to
resist a search by someone who holds the key, so the key is derived from SECRET_KEY and never
stored with the data: a database dump or backup alone holds values that cannot be checked.
Online guessing is limited by the throttle, not by this function (docs/threat-model.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from app.crypto.keyed import derived_keys


class ReturnCodeKeys:
    """Stored values of return codes (their throttle is keyed by the contact key instead,
    app/conversation/return_codes.py). Keys are newest first: the newest
    makes every new value; each listed key is tried on look-up, so a SECRET_KEY rotation does
    not break a code shown before it (a code lives for hours, not weeks)."""

    def __init__(self, secret_keys: str | Sequence[str]) -> None:
        self._keys = derived_keys(b"quietline return codes|", secret_keys)

    def __repr__(self) -> str:
        return "ReturnCodeKeys(<secret>)"

    @staticmethod
    def _mac(key: bytes, purpose: str, text: str) -> str:
        return hmac.new(key, f"{purpose}|{text}".encode(), hashlib.sha256).hexdigest()

    def value(self, code: str) -> str:
        """The stored form of a (normalised) code, under the newest key."""
        return self._mac(self._keys[0], "code", code)

    def candidates(self, code: str) -> list[str]:
        """Every value this code may be stored under, newest key first."""
        return [self._mac(key, "code", code) for key in self._keys]
