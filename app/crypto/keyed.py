"""Keyed values that identify without revealing: contact look-up values and resume words,
web chat tokens, constant-time comparison, and the per-purpose keys derived from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.crypto.sealing import KeyFormatError, key_id, parse_key_token


def same_secret(expected: str | bytes, given: str | bytes) -> bool:
    """Compare two secrets (tokens, signatures, keyed hashes) in constant time, so the time
    taken says nothing about how much of a guess was right."""
    left = expected.encode() if isinstance(expected, str) else expected
    right = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(left, right)


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source for an inline script or style: 'sha256-...'."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def content_digest(data: bytes) -> str:
    """SHA-256 of content that is not secret, hex: which version of a file a file derived from
    it was made from (the learned second opinion's mapped weights)."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """`content_digest` of a file's bytes, read in pieces (a large file is not held whole)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def content_tag(text: str) -> str:
    """A short digest of content that is not secret, to tell whether it changed (the staff
    queue's ETag): 128 bits of SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ContactHasher:
    """Turns a contact address into a stable, non-reversible look-up value, and can move the
    values it made to a new key without knowing the addresses.

    A value is `key id (8 hex) | AES-256(K, SHA-256("quietline contact|" channel:address)[:16])`
    (40 hex characters): one block through a block cipher keyed by the contact key. Without the
    key it reveals nothing (as the HMAC before it); with the old and the new key it can be
    re-keyed (decrypt, encrypt) with no address at hand, which is what lets opt-outs and resume
    words, stored without any number, move to a new key. Values from before this format
    (`LEGACY_LENGTH` hex characters, HMAC-SHA256 under a listed key) are still recognised, so
    nothing stored earlier is lost; they are re-keyed when their contact next writes (or from
    the conversation's sealed number).

    Keys are newest first: the newest makes every new value, every listed key is tried when
    looking a contact up (`older`).
    """

    LEGACY_LENGTH = 64
    VALUE_LENGTH = 40

    def __init__(self, tokens: str | Sequence[str]) -> None:
        listed = [tokens] if isinstance(tokens, str) else list(tokens)
        if not listed:
            raise KeyFormatError("the contact keyring needs at least one key")
        self._keys = [parse_key_token(token) for token in listed]
        self._ids = [key_id(key).hex() for key in self._keys]
        # One cipher object per key, made once: each value still gets its own context.
        self._ciphers = [Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 -- one block
                         for key in self._keys]

    def __repr__(self) -> str:
        return "ContactHasher(<secret>)"

    @property
    def newest_id(self) -> str:
        return self._ids[0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The listed keys' ids (8 hex characters, the first 8 of every value each makes)."""
        return tuple(self._ids)

    @staticmethod
    def _inner(channel: str, address: str) -> bytes:
        return hashlib.sha256(f"quietline contact|{channel}:{address}".encode()).digest()[:16]

    def _block(self, index: int, block: bytes, *, decrypt: bool = False) -> bytes:
        # A single 16-byte block: the block cipher itself as a keyed permutation (no mode's
        # chaining applies to one block), so the value is deterministic and reversible.
        cipher = self._ciphers[index]
        work = cipher.decryptor() if decrypt else cipher.encryptor()
        return work.update(block) + work.finalize()

    def _make(self, index: int, inner: bytes) -> str:
        return self._ids[index] + self._block(index, inner).hex()

    def hash(self, channel: str, address: str) -> str:
        """The look-up value under the newest key; every new row stores this one."""
        return self._make(0, self._inner(channel, address))

    def older(self, channel: str, address: str) -> list[str]:
        """The values this contact may still be stored under: older keys, then the legacy
        HMAC under each listed key."""
        inner = self._inner(channel, address)
        made = [self._make(i, inner) for i in range(1, len(self._keys))]
        legacy = [hmac.new(key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()
                  for key in self._keys]
        return made + legacy

    def is_current(self, value: str) -> bool:
        return len(value) == self.VALUE_LENGTH and value[:8] == self._ids[0]

    def _open(self, value: str) -> bytes | None:
        """The keyless inner value of a stored value, if a listed key made it."""
        if len(value) != self.VALUE_LENGTH or value[:8] not in self._ids:
            return None
        try:
            block = bytes.fromhex(value[8:])
        except ValueError:
            return None
        return self._block(self._ids.index(value[:8]), block, decrypt=True)

    def rekey(self, value: str) -> str | None:
        """The same contact's value under the newest key, or None when it cannot be worked
        out without the address (a legacy HMAC, or a key that is no longer listed)."""
        inner = self._open(value)
        return None if inner is None else self._make(0, inner)

    # The resume word: stored under the contact key too, re-keyable the same way.
    def word_value(self, contact: str, word: str) -> str:
        """The stored form of a resume word for the contact value `contact` (newest key)."""
        return self._make(0, self._word_inner(contact, word))

    def _word_inner(self, contact: str, word: str) -> bytes:
        inner = self._open(contact)
        if inner is None:
            raise KeyFormatError("a resume word needs a current contact value")
        return hashlib.sha256(b"quietline resume word|" + inner + b"|"
                              + word.encode("utf-8")).digest()[:16]

    def word_matches(self, contact: str, stored: str, word: str, *,
                     channel: str = "", address: str = "") -> bool:
        """Whether `word` is the one stored for this contact, in constant time.

        A stored value made before the re-keyable format is checked the old way (an HMAC
        over the contact's legacy value, which needs the address) under each listed key."""
        if len(stored) == self.LEGACY_LENGTH:
            for key in self._keys:
                legacy = hmac.new(key, f"{channel}:{address}".encode(), hashlib.sha256)
                expected = hmac.new(key, f"resume-word:{legacy.hexdigest()}:{word}".encode(),
                                    hashlib.sha256).hexdigest()
                if hmac.compare_digest(expected, stored):
                    return True
            return False
        opened = self._open(stored)
        return opened is not None and hmac.compare_digest(opened,
                                                          self._word_inner(contact, word))


class ChatTokens:
    """Web chat tokens: random, held only in the page's memory, recognisable by the server.

    A token is 256 random bits plus an HMAC tag under the service's secret key, so a token the
    server never issued is refused without a database look-up, and none is stored anywhere
    (the conversation is found by the HMAC of the token, like a phone number).
    """

    _PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$")

    def __init__(self, secret_keys: str | Sequence[str]) -> None:
        # Newest first: tokens are issued under the newest; one issued under an older key
        # that is still listed stays valid, so a rotation does not end open chats.
        self._keys = derived_keys(b"quietline chat tokens|", secret_keys)

    def __repr__(self) -> str:
        return "ChatTokens(<secret>)"

    @staticmethod
    def _tag(key: bytes, body: str) -> str:
        digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> str:
        body = secrets.token_urlsafe(32)
        return f"{body}.{self._tag(self._keys[0], body)}"

    def is_valid(self, token: object) -> bool:
        if not isinstance(token, str) or not self._PATTERN.match(token):
            return False
        body, tag = token.split(".")
        # Every key is tried, so the time taken does not say which one matched.
        matched = [hmac.compare_digest(self._tag(key, body), tag) for key in self._keys]
        return any(matched)


def derived_keys(purpose: bytes, secret_keys: str | Sequence[str]) -> list[bytes]:
    """One key per listed SECRET_KEY, newest first, each derived for one purpose only."""
    listed = [secret_keys] if isinstance(secret_keys, str) else list(secret_keys)
    if not listed:
        raise KeyFormatError("at least one SECRET_KEY is needed")
    return [hashlib.sha256(purpose + key.encode()).digest() for key in listed]
