"""Coming back to the web chat later: a code of three ordinary words, shown once.

docs/threat-model.md, A1 and A3. Once the tab is closed the chat has no way to reach the
survivor, and nothing of the chat may stay in the browser. So a survivor who asks for a person
can choose "come back here later": the page shows a code of three words once, and the code
typed into the chat within `[webchat] resume_hours` reopens the conversation, with what the
team wrote waiting. The code is never stored (only its keyed value, `app.crypto.ReturnCodeKeys`),
never logged, never in the transcript and never in a URL.

Guessing is what this must survive (A3): 2,048 words give 33 bits for three. Wrong codes are
counted in Redis, under keyed names that expire, per network address and per code's first
word. The first word is the code's bucket: a guess can only ever be right for codes that start
with its first word, so counting there limits the guesses at any one conversation's code
however many addresses they come from, and a network that walks the code space runs into its
address limit. Over either limit the chat stops checking codes (the right one too, or the
refusal would tell a guesser they had found it) until the window has passed. If Redis cannot
count, nothing is checked: the reply waits, and the answer always carries the emergency
numbers, so no one is shut out of help by a refusal.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import Connection

from app.crypto import ContactHasher, ReturnCodeKeys
from app.deployment.sections import ReturnCodeLimits
from app.networks import network_of
from app.storage import return_codes as rows

log = logging.getLogger(__name__)
PREFIX = "quietline:codes"
WORDS_IN_CODE = 3
_SEPARATORS = re.compile(r"[^a-z]+")


class CodeRefused(Exception):
    """The code opened nothing; `reason` is "wrong", "busy" (too many wrong codes from here or
    at this code) or "unavailable" (the count cannot be kept). Never says which applies to a
    conversation that exists."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Redeemed:
    conversation_id: uuid.UUID


def normalise(text: str) -> tuple[str, ...]:
    """The words of a typed code: any case, any spacing or punctuation between them
    ("Maple-river  Stone." is maple river stone)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return tuple(word for word in _SEPARATORS.split(folded) if word)


class ReturnCodes:
    def __init__(self, *, keys: ReturnCodeKeys, hasher: ContactHasher, words: tuple[str, ...],
                 limits: ReturnCodeLimits, connection: redis.Redis,
                 clock: Callable[[], datetime]) -> None:
        self.keys = keys
        # Redis names are keyed hashes under the contact key, as the flood counters' are
        # (app/conversation/throttle.py): neither an address nor a word reaches Redis.
        self.hasher = hasher
        self.words = words
        self._known = frozenset(words)
        self.limits = limits
        self.redis = connection
        self.clock = clock

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=self.limits.resume_hours)

    def issue(self, connection: Connection, conversation_id: uuid.UUID, now: datetime) -> str:
        """A new code for the conversation (replacing any earlier one), in the caller's
        transaction; the caller shows it once and keeps it nowhere."""
        for _ in range(8):
            code = " ".join(secrets.choice(self.words) for _ in range(WORDS_IN_CODE))
            value = self.keys.value(code)
            if not rows.in_use(connection, value):  # two live codes alike: draw again
                rows.save(connection, conversation_id, value, now=now,
                          expires_at=now + self.lifetime)
                log.info("event=return_code.issued")
                return code
        raise RuntimeError("no unused return code found")  # 8 collisions in 2**33: never

    def redeem(self, connection: Connection, typed: object, address: str | None) -> Redeemed:
        """The conversation this code opens, or `CodeRefused`. Counts a wrong code."""
        words = normalise(typed) if isinstance(typed, str) else ()
        well_formed = len(words) == WORDS_IN_CODE and all(w in self._known for w in words)
        # Per network (an IPv6 address's /64: app/networks.py): a guesser with a /64 would
        # otherwise have a fresh allowance for every guess.
        counters = [self._key("address", network_of(address) if address else "unknown",
                              self.limits.wrong_codes_per_address)]
        if well_formed:
            counters.append(self._key("bucket", words[0], self.limits.wrong_codes_per_code))
        if self._over(counters):
            log.warning("event=return_code.busy")
            raise CodeRefused("busy")
        found = (rows.find(connection, self.keys.candidates(" ".join(words)), self.clock())
                 if well_formed else None)
        if found is None:
            self._count(counters)
            log.info("event=return_code.wrong well_formed=%s", well_formed)
            raise CodeRefused("wrong")
        log.info("event=return_code.redeemed")
        return Redeemed(found)

    def _key(self, kind: str, value: str, limit: int) -> tuple[str, int]:
        return f"{PREFIX}:{kind}:{self.hasher.hash('return-code-' + kind, value)}", limit

    def _over(self, counters: list[tuple[str, int]]) -> bool:
        try:
            counts = self.redis.mget([key for key, _ in counters])
        except redis.RedisError as error:
            # Fail closed: without a count, checking codes would let guessing run unlimited.
            log.warning("event=return_code.unchecked error=%s", type(error).__name__)
            raise CodeRefused("unavailable") from error
        return any(int(count or 0) >= limit for count, (_, limit) in zip(counts, counters,
                                                                           strict=True))

    def _count(self, counters: list[tuple[str, int]]) -> None:
        window = self.limits.wrong_code_window_minutes * 60
        try:
            pipe = self.redis.pipeline()
            for key, _ in counters:
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
            pipe.execute()
        except redis.RedisError as error:
            log.warning("event=return_code.uncounted error=%s", type(error).__name__)

    def reopen(self, connection: Connection, conversation_id: uuid.UUID, contact_hash: str,
               now: datetime) -> None:
        """Hand the conversation to the page that gave its code (see `rows.reopen`)."""
        rows.reopen(connection, conversation_id, contact_hash, now)

    def purge_expired(self, connection: Connection, now: datetime) -> int:
        return rows.purge_expired(connection, now)
