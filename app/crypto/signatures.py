"""Signatures under SECRET_KEY-derived keys: the retention report's signature and the audit
trail's hash chain."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from app.crypto.keyed import derived_keys


class ReportSigner:
    """Signs the service's reports (retention) so that a changed figure is detected.

    HMAC-SHA256 under a key derived from SECRET_KEY: the service, or anyone it lets run
    `flask retention verify`, can check a report; nobody without the secret can forge one.
    """

    def __init__(self, secret_keys: str | Sequence[str]) -> None:
        self._keys = derived_keys(b"quietline report signing|", secret_keys)

    def __repr__(self) -> str:
        return "ReportSigner(<secret>)"

    def sign(self, canonical: bytes) -> str:
        """Signed under the newest key."""
        return hmac.new(self._keys[0], canonical, hashlib.sha256).hexdigest()

    def verify(self, canonical: bytes, signature: str) -> bool:
        """True if any listed key signed it (a report from before a rotation still checks)."""
        matched = [hmac.compare_digest(hmac.new(key, canonical, hashlib.sha256).hexdigest(),
                                       signature) for key in self._keys]
        return any(matched)

    def is_current(self, canonical: bytes, signature: str) -> bool:
        """Signed under the newest key (nothing to re-sign)."""
        return hmac.compare_digest(self.sign(canonical), signature)


class ChainKey:
    """Links the audit trail's hash chain (app/audit/chain.py).

    Keyed (HMAC-SHA256 under a key derived from SECRET_KEY), so someone who can write to the
    database cannot change a row and then recompute every later link to hide it.
    """

    def __init__(self, secret_keys: str | Sequence[str]) -> None:
        self._keys = derived_keys(b"quietline audit chain|", secret_keys)

    def __repr__(self) -> str:
        return "ChainKey(<secret>)"

    def link(self, previous: str, canonical: bytes) -> str:
        """The link under the newest key: every row sealed from now on."""
        return self._link(self._keys[0], previous, canonical)

    def holds(self, previous: str, canonical: bytes, row_hash: str) -> bool:
        """Whether a stored link was made by any listed key: rows sealed before a SECRET_KEY
        rotation keep verifying while the old key is listed (and after `keys rotate-secret`
        has re-sealed them under the new one, without it)."""
        matched = [hmac.compare_digest(self._link(key, previous, canonical), row_hash)
                   for key in self._keys]
        return any(matched)

    @staticmethod
    def _link(key: bytes, previous: str, canonical: bytes) -> str:
        return hmac.new(key, previous.encode() + b"|" + canonical, hashlib.sha256).hexdigest()
