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
  the reply the survivor was sent. The language guess the fail-safe made in the web process
  (which holds the detector) is kept inside the entry, so the worker replays it without
  loading a detector (about 170 MiB for the accurate models). The provider's message id is
  unique in the database, so a replay never stores twice: an entry whose message is already
  stored is simply removed.

If Redis is down as well (the soak saw SQLite's write lock time out during a Redis restart),
the same sealed entry is written to a file in the host's private spool folder (instance/spool,
0700, files 0600; `event=spool.on_disk`) and moved to the stream by the next sweep on that host,
or by the next fail-safe that reaches Redis. Only if that write fails too is the message lost:
the survivor still gets the fail-safe reply (it needs none of this), and the log says
`event=spool.lost` with no content. An entry is removed only after the database took it (a
file, after the stream took it; a copy moved twice is stored once, as above). An erasure
removes its contact's waiting entries (`forget`), so a message sent before it is never stored
after it, in a new conversation; a replay already under way at that instant is refused by the
erasure's mark (`contact_erasures`, app/lifecycle/erasure.py), which the conversation service
reads with the conversation.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from app.conversation import optouts
from app.conversation.messages import Guessed, InboundMessage, Turn
from app.crypto import DataKey, DecryptionError, FieldContext, Keyring
from app.flows import ConversationState, Escalate
from app.logs import exception_summary
from app.private_files import FILE_MODE, new_private_folder

if TYPE_CHECKING:  # the service imports this module for `Replay`
    from app.conversation.service import ConversationService

log = logging.getLogger(__name__)
STREAM = "quietline:spool"
BATCH = 100
# An entry waiting on disk for Redis: its sealed fields, as JSON (base64 for the bytes).
DISK_SUFFIX = ".entry"


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
    def __init__(self, connection: redis.Redis, keyring: Keyring,
                 folder: Path | None = None) -> None:
        self.redis = connection
        self.keyring = keyring
        self.folder = folder  # where an entry waits when Redis is down too (None: nowhere)

    def add(self, inbound: InboundMessage, received_at: datetime, reply_text: str) -> bool:
        """Seal and append one message the fail-safe answered: to the stream, or to the spool
        folder when Redis is down. Raises if neither takes it."""
        entry = uuid.uuid4().hex
        key = DataKey.generate()
        payload = json.dumps({
            "channel": inbound.channel, "address": inbound.address, "body": inbound.body,
            "sid": inbound.provider_sid,
            "keyword": inbound.provider_keyword.value if inbound.provider_keyword else None,
            "reply_address": inbound.reply_address, "language_hint": inbound.language_hint,
            "received_at": received_at.isoformat(), "reply": reply_text,
            # The fail-safe's language guess (absent: none was made; null: not clear).
            **({"guess": inbound.guessed.language} if inbound.guessed is not None else {}),
        })
        wrapped = self.keyring.wrap(key, FieldContext("spool", "key", entry))
        sealed = key.seal(payload, FieldContext("spool", "message", entry))
        try:
            self.redis.xadd(STREAM, {"entry": entry, "key": wrapped, "sealed": sealed})
        except redis.RedisError as error:
            if self.folder is None:
                raise
            self._write_file(entry, wrapped, sealed)
            log.warning("event=spool.on_disk channel=%s redis=%s", inbound.channel,
                        type(error).__name__)
            return True
        log.warning("event=spool.added channel=%s", inbound.channel)
        try:
            self.move_files()  # this host's entries from an earlier Redis outage, if any
        except (redis.RedisError, OSError) as error:  # the sweep tries again; this one is in
            log.warning("event=spool.move_failed %s", exception_summary(error))
        return True

    def _write_file(self, entry: str, key: bytes, sealed: bytes) -> None:
        """One entry, durably: written under a temporary name, flushed to the disk, renamed."""
        assert self.folder is not None  # noqa: S101 -- the caller checked
        folder = new_private_folder(self.folder)
        data = json.dumps({"entry": entry, "key": base64.b64encode(key).decode(),
                           "sealed": base64.b64encode(sealed).decode()}).encode()
        temporary = folder / f".{entry}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, folder / f"{entry}{DISK_SUFFIX}")
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def move_files(self) -> int:
        """Move the entries waiting in the spool folder to the stream, oldest first; returns
        how many. Each file is removed only after the stream took it (a crash between the two
        leaves a copy that the replay finds already stored). Raises if Redis is down."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        moved = 0
        for path in sorted(self.folder.glob(f"*{DISK_SUFFIX}"), key=_modified):
            fields = _read_file(path)
            if fields is None:
                continue
            self.redis.xadd(STREAM, fields)  # type: ignore[arg-type]  # redis-py types field maps narrowly
            path.unlink(missing_ok=True)
            moved += 1
        if moved:
            log.warning("event=spool.moved_from_disk count=%s", moved)
        return moved

    def forget(self, channel: str, address: str) -> int:
        """Remove every waiting entry from this contact, on disk and in the stream: its
        conversation was just erased, and a message sent before the erasure must not be stored
        after it, in a new conversation. Returns how many. Raises if Redis is down (the files
        are dealt with first)."""
        removed = 0
        if self.folder is not None and self.folder.is_dir():
            for path in list(self.folder.glob(f"*{DISK_SUFFIX}")):
                fields = _read_file(path)
                if fields is not None and _from(self._open(fields), channel, address):
                    path.unlink(missing_ok=True)
                    removed += 1
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.redis.xrange(STREAM)  # type: ignore[assignment]  # as in pending
        for stream_id, fields in entries:
            if _from(self._open(fields), channel, address):
                self.redis.xdel(STREAM, _text(stream_id))
                removed += 1
        return removed

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
                reply_address=raw["reply_address"], language_hint=raw["language_hint"],
                # An entry spooled before guesses were kept has none: its replay guesses.
                guessed=Guessed(raw["guess"]) if "guess" in raw else None)
            return SpooledMessage(inbound, Replay(datetime.fromisoformat(raw["received_at"]),
                                                  raw["reply"]))
        except (KeyError, ValueError, DecryptionError) as error:
            log.error("event=spool.unreadable error=%s", type(error).__name__)
            return None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _from(message: SpooledMessage | None, channel: str, address: str) -> bool:
    return (message is not None and message.inbound.channel == channel
            and message.inbound.address == address)


def _read_file(path: Path) -> dict[bytes, bytes] | None:
    """A waiting file's fields, as the stream holds them; None if it is gone or unreadable."""
    try:
        raw = json.loads(path.read_bytes())
        return {b"entry": str(raw["entry"]).encode(),
                b"key": base64.b64decode(raw["key"], validate=True),
                b"sealed": base64.b64decode(raw["sealed"], validate=True)}
    except FileNotFoundError:
        return None  # another process moved it
    except (KeyError, ValueError, TypeError) as error:
        log.error("event=spool.file_unreadable error=%s", type(error).__name__)
        return None


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def replay(spool: Spool, conversations: ConversationService) -> dict[str, int]:
    """Store every spooled message the database will now take; keep the others for later.

    Safe to run twice, or on two workers at once: the conversation service de-duplicates on
    the provider's message id, so the second run finds the message stored and removes the
    entry. An entry that cannot be opened (a key removed from the keyring) stays, counted.
    """
    counts = {"stored": 0, "already": 0, "failed": 0, "unreadable": 0}
    spool.move_files()  # entries written on this host while Redis was down too
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
        log.info("event=spool.replayed already=%s", outcome.replayed)
    return counts
