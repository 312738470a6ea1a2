"""The fail-safe's memory of each contact's language, shared by the web workers.

docs/threat-model.md, A5. When the database and Redis are down, the fail-safe cannot read a
conversation's language, so it remembers the language it last answered each contact in. Kept
in one process's dictionary, that memory failed with 2+ gunicorn workers: a survivor whose
next message landed on another worker during an outage was answered in English.

Here it lives in one anonymous shared memory mapping, made when the app is built. gunicorn
builds the app once in its master (`preload_app`) and forks the workers from it, so every
worker sees the same pages; a process that builds its own app has its own, as before. No file,
no Redis, no database: nothing that the outage could take away, nothing on disk, gone on
restart, like the dictionary it replaces.

No lock either: a lock held by a worker killed mid-write would stop every fail-safe after it.
Each slot carries a check value over its contents instead, so a slot read while another
process writes it (or never written) reads as unknown: the survivor then gets the page's or the
guessed language, never a wrong slot's. The table is set-associative (a contact's slot is one
of WAYS in its set; a new contact takes an empty slot, else a random one), so one contact
rarely pushes out another; a pushed-out contact is guessed again, as a new one is.
"""

from __future__ import annotations

import logging
import mmap
import random
import zlib

log = logging.getLogger(__name__)

SETS = 16_384
WAYS = 4  # 65,536 contacts at 28 bytes: 1.75 MiB, shared
_KEY = 24  # characters of the contact's keyed value kept
SLOT = 28  # those, the language's number, 2 check bytes, 1 spare
_EMPTY = bytes(SLOT)


def _digest(contact: str) -> bytes:
    """The tail of the contact's keyed value: an HMAC already (no number in it, and
    app/crypto owns every hash), so its last 24 hex characters tell contacts apart."""
    return contact.encode()[-_KEY:].rjust(_KEY, b"\0")


def _check(digest: bytes, language: int) -> bytes:
    """Not a secret, only a torn or empty slot's tell: a CRC over the slot's contents."""
    return (zlib.crc32(digest + bytes((language,))) & 0xFFFF).to_bytes(2, "big")


class SharedLanguages:
    """Contact (keyed value) -> one of `languages`, in memory shared with forked processes."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages[:255]  # stored as 1..255; 0 is "none"
        # mmap's default for an anonymous map is MAP_SHARED: forked children write the same
        # pages, unlike every other object they inherit.
        self._table = mmap.mmap(-1, SETS * WAYS * SLOT)

    def _slots(self, digest: bytes) -> range:
        first = zlib.crc32(digest) % SETS * WAYS
        return range(first, first + WAYS)

    def _read(self, slot: int) -> tuple[bytes, int] | None:
        """The slot's digest and language number, or None if empty or torn."""
        raw = self._table[slot * SLOT:(slot + 1) * SLOT]
        digest, language, check = raw[:_KEY], raw[_KEY], raw[_KEY + 1:_KEY + 3]
        if raw == _EMPTY or check != _check(digest, language):
            return None
        return digest, language

    def get(self, contact: str) -> str | None:
        digest = _digest(contact)
        for slot in self._slots(digest):
            found = self._read(slot)
            if found is not None and found[0] == digest and 0 < found[1] <= len(
                    self.languages):
                return self.languages[found[1] - 1]
        return None

    def set(self, contact: str, language: str) -> None:
        if language not in self.languages:
            return
        digest = _digest(contact)
        number = self.languages.index(language) + 1
        slots = self._slots(digest)
        taken = [self._read(slot) for slot in slots]
        target = next((slot for slot, found in zip(slots, taken, strict=True)
                       if found is not None and found[0] == digest), None)
        if target is None:
            target = next((slot for slot, found in zip(slots, taken, strict=True)
                           if found is None), None)
        if target is None:
            # Not for security: which contact's memory to drop. S311 is about secrets.
            target = slots[random.randrange(WAYS)]  # noqa: S311 -- see above
        self._table[target * SLOT:(target + 1) * SLOT] = (
            digest + bytes((number,)) + _check(digest, number) + b"\0")
