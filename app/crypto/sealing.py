"""Sealing at rest: conversation data keys, the keyring that wraps them, and sealed fields.

See the package docstring for the key hierarchy and the ciphertext layouts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIELD_VERSION = 1
WRAP_VERSION = 1
KEY_PREFIX = "qlk1_"
_NONCE = 12
_KEY_BYTES = 32

class KeyFormatError(ValueError):
    """A key token is not one that `flask keys generate` prints."""


class DecryptionError(Exception):
    """A ciphertext could not be opened: wrong row, unknown key, or tampered with.

    The message never contains the ciphertext or any plaintext.
    """


@dataclass(frozen=True)
class FieldContext:
    """Where a ciphertext lives; becomes the AEAD associated data."""

    table: str
    column: str
    row_id: str

    def associated_data(self) -> bytes:
        return f"quietline|{self.table}|{self.column}|{self.row_id}".encode()


def generate_key_token() -> str:
    """A new random 256-bit key, printed as one copy-pasteable token."""
    return KEY_PREFIX + base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode().rstrip("=")


def parse_key_token(token: str) -> bytes:
    token = token.strip()
    if not token.startswith(KEY_PREFIX):
        raise KeyFormatError(f"a key must start with {KEY_PREFIX!r}")
    body = token[len(KEY_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError("a key must be base64url text") from exc
    if len(raw) != _KEY_BYTES:
        raise KeyFormatError("a key must hold 32 bytes")
    return raw


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"quietline key id|" + key).digest()[:4]


class Keyring:
    """Key-encryption keys, newest first: the newest wraps, any of them unwraps."""

    def __init__(self, tokens: tuple[str, ...] | list[str]) -> None:
        if not tokens:
            raise KeyFormatError("the keyring needs at least one key")
        keys = [parse_key_token(t) for t in tokens]
        self._newest_id = key_id(keys[0])
        self._by_id = {key_id(k): AESGCM(k) for k in keys}

    @property
    def newest_id(self) -> str:
        return self._newest_id.hex()

    def wrap(self, data_key: DataKey, context: FieldContext) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._by_id[self._newest_id].encrypt(
            nonce, data_key.secret, context.associated_data()
        )
        return bytes([WRAP_VERSION]) + self._newest_id + nonce + sealed

    def unwrap(self, blob: bytes, context: FieldContext) -> DataKey:
        if len(blob) < 1 + 4 + _NONCE + 16 or blob[0] != WRAP_VERSION:
            raise DecryptionError("unknown wrapped-key format")
        cipher = self._by_id.get(bytes(blob[1:5]))
        if cipher is None:
            raise DecryptionError("data key is wrapped by a key that is not in the keyring")
        try:
            secret = cipher.decrypt(bytes(blob[5:17]), bytes(blob[17:]), context.associated_data())
        except InvalidTag as exc:
            raise DecryptionError("wrapped data key does not open in this context") from exc
        return DataKey(secret)

    @staticmethod
    def wrapped_key_id(blob: bytes) -> str:
        """Which keyring key wrapped this blob (for rotation and diagnostics)."""
        return bytes(blob[1:5]).hex()


class DataKey:
    """A conversation's own key. Holds the secret privately and seals and opens fields."""

    __slots__ = ("_aead", "secret")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _KEY_BYTES:
            raise KeyFormatError("a data key holds 32 bytes")
        self.secret = secret
        self._aead = AESGCM(secret)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(AESGCM.generate_key(bit_length=256))

    def __repr__(self) -> str:  # never print key material, even in a traceback's locals
        return "DataKey(<secret>)"

    def seal(self, plaintext: str, context: FieldContext) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.associated_data())
        return bytes([FIELD_VERSION]) + nonce + sealed

    def open(self, blob: bytes, context: FieldContext) -> str:
        if len(blob) < 1 + _NONCE + 16 or blob[0] != FIELD_VERSION:
            raise DecryptionError("unknown ciphertext format")
        try:
            plain = self._aead.decrypt(
                bytes(blob[1:1 + _NONCE]), bytes(blob[1 + _NONCE:]), context.associated_data()
            )
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not open in this context") from exc
        return plain.decode("utf-8")
