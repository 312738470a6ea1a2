"""The spool: messages the fail-safe answered while storage was down, kept sealed until the
database is back, then stored as if they had arrived normally.

Without it a survivor who asked for a person during a database outage got the emergency
numbers and nothing else: no case, no advocate (docs/threat-model.md, A5). So when the normal
path fails, the channel hands the message here. It is written only then, never on the normal
path, to a Redis stream, which every web process and every worker share:

- sealed like every message (A4): a fresh data key per entry, wrapped by the keyring, and
  associated data that binds the ciphertext to its entry. The number, the text and the provider's
  id are all inside the ciphertext; the stream holds nothing readable.
- replayed by the worker's sweeper (`replay`) into the conversation service, which stores it,
  opens or raises the case exactly as the message would have, and keeps the fail-safe text as
  the reply the survivor was sent. The provider's message id is unique in the database, so a
  replay never stores twice: an entry whose message is already stored is simply removed.

Limits, on purpose: if Redis is down as well, the entry cannot be written. The survivor still
gets the fail-safe reply (it needs neither), and the message is lost; the log says
`event=spool.lost` with no content. An entry is removed only after the database took it.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import redis

from app.conversation import optouts
from app.conversation.messages import InboundMessage, Turn
from app.crypto import DataKey, DecryptionError, FieldContext, Keyring
from app.flows import ConversationState, Escalate
from app.logs import exception_summary

if TYPE_CHECKING:  # the service imports this module for `Replay`
    from app.conversation.service import ConversationService

log = logging.getLogger(__name__)
STREAM = "quietline:spool"
BATCH = 100


@dataclass(frozen=True)
class Replay:
    """A message the fail-safe answered while storage was down, stored later from the spool
    (app/conversation/spool.py): stored at the time it arrived, with the text the survivor was
    actually sent as its reply. Its flow state does not move on, because the survivor never
    saw the step's reply; it opens or raises the case, and records a STOP, as it would have.
    It never sets a resume word or erases: the survivor was told that something went wrong."""

    received_at: datetime
    reply_text: str


def replayed_turn(turn: Turn, before: ConversationState) -> Turn:
    """What a spooled message does when it is stored (see `Replay`): the state stays where it
    was (only a language learnt from the message is kept), and of its actions only opening or
    raising the case remain."""
    return replace(turn, state=replace(before, language=turn.state.language),
                   actions=tuple(a for a in turn.actions if isinstance(a, Escalate)))


def moves_state(replay: Replay | None, *, new_conversation: bool) -> bool:
    """Whether storing this message saves the conversation's state. A replayed message leaves
    a live conversation as it is: not its step, and not its last activity, which a later
    message may already have moved on."""
    return replay is None or new_conversation


@dataclass(frozen=True)
class SpooledMessage:
    inbound: InboundMessage
    replay: Replay


class Spool:
    def __init__(self, connection: redis.Redis, keyring: Keyring) -> None:
        self.redis = connection
        self.keyring = keyring

    def add(self, inbound: InboundMessage, received_at: datetime, reply_text: str) -> bool:
        """Seal and append one message the fail-safe answered. Raises if Redis is down."""
        entry = uuid.uuid4().hex
        key = DataKey.generate()
        payload = json.dumps({
            "channel": inbound.channel, "address": inbound.address, "body": inbound.body,
            "sid": inbound.provider_sid,
            "keyword": inbound.provider_keyword.value if inbound.provider_keyword else None,
            "reply_address": inbound.reply_address, "language_hint": inbound.language_hint,
            "received_at": received_at.isoformat(), "reply": reply_text,
        })
        self.redis.xadd(STREAM, {
            "entry": entry,
            "key": self.keyring.wrap(key, FieldContext("spool", "key", entry)),
            "sealed": key.seal(payload, FieldContext("spool", "message", entry)),
        })
        log.warning("event=spool.added channel=%s", inbound.channel)
        return True

    def pending(self, count: int = BATCH) -> list[tuple[str, SpooledMessage | None]]:
        """The oldest entries: (stream id, message), message None if it does not open."""
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.redis.xrange(  # type: ignore[assignment]  # redis-py types its answers for every decode mode
            STREAM, count=count)
        return [(_text(stream_id), self._open(fields)) for stream_id, fields in entries]

    def remove(self, stream_id: str) -> None:
        self.redis.xdel(STREAM, stream_id)

    def size(self) -> int:
        return int(self.redis.xlen(STREAM))

    def _open(self, fields: dict[bytes, bytes]) -> SpooledMessage | None:
        try:
            entry = _text(fields[b"entry"])
            key = self.keyring.unwrap(fields[b"key"], FieldContext("spool", "key", entry))
            raw = json.loads(key.open(fields[b"sealed"], FieldContext("spool", "message",
                                                                      entry)))
            keyword = optouts.ProviderKeyword(raw["keyword"]) if raw["keyword"] else None
            inbound = InboundMessage(
                raw["channel"], raw["address"], raw["body"], raw["sid"], keyword,
                reply_address=raw["reply_address"], language_hint=raw["language_hint"])
            return SpooledMessage(inbound, Replay(datetime.fromisoformat(raw["received_at"]),
                                                  raw["reply"]))
        except (KeyError, ValueError, DecryptionError) as error:
            log.error("event=spool.unreadable error=%s", type(error).__name__)
            return None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def replay(spool: Spool, conversations: ConversationService) -> dict[str, int]:
    """Store every spooled message the database will now take; keep the others for later.

    Safe to run twice, or on two workers at once: the conversation service de-duplicates on
    the provider's message id, so the second run finds the message stored and removes the
    entry. An entry that cannot be opened (a key removed from the keyring) stays, counted.
    """
    counts = {"stored": 0, "already": 0, "failed": 0, "unreadable": 0}
    for stream_id, message in spool.pending():
        if message is None:
            counts["unreadable"] += 1
            continue
        try:
            outcome = conversations.handle_inbound(message.inbound, replay=message.replay)
        except Exception as error:  # noqa: BLE001 -- kept for the next sweep
            counts["failed"] += 1
            log.warning("event=spool.replay_failed %s", exception_summary(error))
            continue
        counts["already" if outcome.replayed else "stored"] += 1
        spool.remove(stream_id)
        log.info("event=spool.replayed conversation=%s escalation=%s already=%s",
                 outcome.conversation_id, outcome.escalation_id, outcome.replayed)
    return counts
