"""All of Quietline's cryptography; the only module that imports `cryptography`.

Threat model (docs/threat-model.md, A4): someone holds a copy of the database, a backup, a Redis
dump or the logs. They must learn neither what a survivor wrote nor their phone number.

- Each conversation has its own random 256-bit data key. Message bodies, the conversation's
  state and the survivor's number are sealed with AES-256-GCM under that key. Destroying the
  data key (erasure, retention) makes everything sealed under it unrecoverable, even in backups.
- The data key is stored wrapped (AES-256-GCM again) by a key-encryption key from the keyring
  in QUIETLINE_DATA_KEYS. The newest key wraps; older keys still unwrap, so a new key can be
  added first and old data re-wrapped later (`flask keys rotate`).
- Associated data binds each ciphertext to its table, column and row id, so a ciphertext copied
  into another row or column fails to open instead of showing the wrong survivor's words.
- Phone numbers are looked up by a keyed, re-keyable value under a separate key
  (QUIETLINE_CONTACT_KEY; see `ContactHasher`), so the look-up column alone cannot be reversed
  by hashing every UK mobile number, and the key can be rotated without the numbers.
- Keys derived from SECRET_KEY (chat tokens, the audit chain, report signatures) and the
  contact keys are lists, newest first: the newest writes, every listed key still verifies, so
  a new key is put in front, stored values are moved to it (`flask keys rotate-secret`,
  `flask keys rotate-contacts`), and only then is the old one removed (docs/deploy.md).
- Advocates' passwords are argon2id hashes; their TOTP secrets are sealed like a conversation's
  fields, under the advocate's own data key (A3: a stolen database must not yield a second
  factor).

Ciphertext layouts (all binary, stored as-is):
    sealed field:    b"\\x01" | nonce(12) | ciphertext+tag
    wrapped data key: b"\\x01" | key id(4) | nonce(12) | ciphertext+tag
Key ids are derived from the key itself, so no separate naming of keys is needed. Nothing in a
ciphertext reveals when it was made.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIELD_VERSION = 1
WRAP_VERSION = 1
KEY_PREFIX = "qlk1_"
_NONCE = 12
_KEY_BYTES = 32


def same_secret(expected: str | bytes, given: str | bytes) -> bool:
    """Compare two secrets (tokens, signatures, keyed hashes) in constant time, so the time
    taken says nothing about how much of a guess was right."""
    left = expected.encode() if isinstance(expected, str) else expected
    right = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(left, right)


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source for an inline script or style: 'sha256-...'."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


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


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"quietline key id|" + key).digest()[:4]


class Keyring:
    """Key-encryption keys, newest first: the newest wraps, any of them unwraps."""

    def __init__(self, tokens: tuple[str, ...] | list[str]) -> None:
        if not tokens:
            raise KeyFormatError("the keyring needs at least one key")
        keys = [parse_key_token(t) for t in tokens]
        self._newest_id = _key_id(keys[0])
        self._by_id = {_key_id(k): AESGCM(k) for k in keys}

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

    def __init__(self, tokens: str | Sequence[str]) -> None:
        listed = [tokens] if isinstance(tokens, str) else list(tokens)
        if not listed:
            raise KeyFormatError("the contact keyring needs at least one key")
        self._keys = [parse_key_token(token) for token in listed]
        self._ids = [_key_id(key).hex() for key in self._keys]

    def __repr__(self) -> str:
        return "ContactHasher(<secret>)"

    @property
    def newest_id(self) -> str:
        return self._ids[0]

    @staticmethod
    def _inner(channel: str, address: str) -> bytes:
        return hashlib.sha256(f"quietline contact|{channel}:{address}".encode()).digest()[:16]

    @staticmethod
    def _block(key: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
        # A single 16-byte block: the block cipher itself as a keyed permutation (no mode's
        # chaining applies to one block), so the value is deterministic and reversible.
        cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 -- one block, see above
        work = cipher.decryptor() if decrypt else cipher.encryptor()
        return work.update(block) + work.finalize()

    def _make(self, index: int, inner: bytes) -> str:
        return self._ids[index] + self._block(self._keys[index], inner).hex()

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
        return len(value) == 40 and value[:8] == self._ids[0]

    def _open(self, value: str) -> bytes | None:
        """The keyless inner value of a stored value, if a listed key made it."""
        if len(value) != 40 or value[:8] not in self._ids:
            return None
        try:
            block = bytes.fromhex(value[8:])
        except ValueError:
            return None
        return self._block(self._keys[self._ids.index(value[:8])], block, decrypt=True)

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
        self._keys = _derived(b"quietline chat tokens|", secret_keys)

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


class Passwords:
    """argon2id password hashing for advocates' accounts.

    `verify` always does the full argon2 work, even for an unknown account (`hash=None`), so
    the time a sign-in takes does not tell an attacker which e-mail addresses exist.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536) -> None:
        # Tests lower the cost through settings; the algorithm and its checks stay the same.
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

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


class ReportSigner:
    """Signs the service's reports (retention) so that a changed figure is detected.

    HMAC-SHA256 under a key derived from SECRET_KEY: the service, or anyone it lets run
    `flask retention verify`, can check a report; nobody without the secret can forge one.
    """

    def __init__(self, secret_keys: str | Sequence[str]) -> None:
        self._keys = _derived(b"quietline report signing|", secret_keys)

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
        self._keys = _derived(b"quietline audit chain|", secret_keys)

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


def _derived(purpose: bytes, secret_keys: str | Sequence[str]) -> list[bytes]:
    """One key per listed SECRET_KEY, newest first, each derived for one purpose only."""
    listed = [secret_keys] if isinstance(secret_keys, str) else list(secret_keys)
    if not listed:
        raise KeyFormatError("at least one SECRET_KEY is needed")
    return [hashlib.sha256(purpose + key.encode()).digest() for key in listed]
