"""Key rotation over 10,000 conversations: conversations per second, and nothing lost.

`python bench/rotation.py` (run by `make bench`): a migrated SQLite database (WAL,
synchronous=FULL, as deployed) gets 10,000 conversations, each with one sealed message, under
key A. With the keyring "B,A", `app.lifecycle.rotation.rotate` re-wraps every data key
under B, timed; then, with B alone, every message is opened and compared with what was
written. Results go to bench/results/rotation.json and rotation.txt.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402 -- after the path set-up above

from app.crypto import Keyring, generate_key_token  # noqa: E402
from app.lifecycle import rotation  # noqa: E402
from app.storage import migrate, transcripts, vault  # noqa: E402
from app.storage.db import Database  # noqa: E402
from app.storage.models import Conversation  # noqa: E402
from bench import ROOT  # noqa: E402
from bench.machine import git_revision, machine_info  # noqa: E402

CONVERSATIONS = 10_000
BATCH = rotation.BATCH
RESULTS = ROOT / "bench" / "results"


def fill(database: Database, keyring: Keyring) -> dict[uuid.UUID, str]:
    """CONVERSATIONS conversations with one sealed message each; returns what was written."""
    written: dict[uuid.UUID, str] = {}
    now = datetime.now(UTC)
    for start in range(0, CONVERSATIONS, 1000):
        with database.transaction() as connection:
            for n in range(start, min(start + 1000, CONVERSATIONS)):
                conversation = vault.create(
                    connection, keyring, channel="sms", contact_hash=f"{n:064x}",
                    address=f"+447700{n:06d}", now=now)
                text = f"benchmark message {n}"
                vault.add_messages(connection, conversation,
                                   [vault.NewMessage("in", "survivor", text)], now)
                written[conversation.id] = text
    return written


def verify(database: Database, keyring: Keyring, written: dict[uuid.UUID, str]) -> int:
    """How many conversations do not open to exactly what was written (0 expected)."""
    wrong = 0
    with database.transaction() as connection:
        for conversation_id in connection.execute(select(Conversation.id)).scalars():
            bodies = [m.body for m in transcripts.transcript(connection, keyring, conversation_id)]
            wrong += bodies != [written[conversation_id]]
    return wrong + (CONVERSATIONS - len(written))


def main() -> int:
    old, new = generate_key_token(), generate_key_token()
    with tempfile.TemporaryDirectory(prefix="quietline-rotation-") as directory:
        database = Database(f"sqlite:///{Path(directory) / 'rotation.sqlite3'}")
        migrate.upgrade(database.engine)
        written = fill(database, Keyring([old]))
        started = time.perf_counter()
        done = rotation.rotate(database, Keyring([new, old]), batch=BATCH)
        seconds = time.perf_counter() - started
        wrong = verify(database, Keyring([new]), written)
        machine = machine_info(Path(directory))
        database.dispose()
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine,
        "conversations": CONVERSATIONS,
        "batch": BATCH,
        "rewrapped": done.rewrapped,
        "already": done.already,
        "seconds": round(seconds, 3),
        "conversations_per_second": round(done.rewrapped / seconds, 1),
        "not_opening_afterwards": wrong,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rotation.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = (f"Quietline key rotation, {result['when']}, revision {result['revision']}\n"
            f"{machine.get('nproc')} CPUs ({machine.get('cpu')}), SQLite WAL synchronous=FULL\n"
            f"{CONVERSATIONS} conversations, batches of {BATCH}: {done.rewrapped} re-wrapped in "
            f"{seconds:.2f} s = {result['conversations_per_second']} conversations/s\n"
            f"afterwards, with the new key alone: {CONVERSATIONS - wrong} of {CONVERSATIONS} "
            f"open to what was written ({'OK' if wrong == 0 else 'LOST DATA'})\n")
    (RESULTS / "rotation.txt").write_text(text, encoding="utf-8")
    print(text, end="")  # noqa: T201 -- the benchmark's report
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
