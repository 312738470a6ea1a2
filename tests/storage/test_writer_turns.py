"""Writers on one SQLite file take turns (app/storage/writer_turns.py), and checkpoints run
in the background (app/storage/db.py).

Without turns, a writer that finds the file locked sleeps in SQLite's busy handler (1, 2, 5 ...
100 ms between tries); with them it waits for the writer before it and goes at once. These
tests set the second writer's `busy_timeout` to 0, so SQLite's own lock would refuse it at
once: only waiting for its turn lets it through.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.storage import db, writer_turns
from app.storage.db import make_engine
from app.storage.writer_turns import WRITER_TURN_SUFFIX

DEADLINE = 10.0


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    path = tmp_path / "turns.sqlite3"
    first, second = make_engine(f"sqlite:///{path}"), make_engine(f"sqlite:///{path}")
    with first.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield first, second
    first.dispose()
    second.dispose()


def test_a_second_writer_waits_for_the_first_and_is_not_refused(
        engines: tuple[Engine, Engine]) -> None:
    first, second = engines
    holding, results = threading.Event(), []

    def write_second() -> None:
        try:
            with second.begin() as connection:
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
                connection.execute(text("INSERT INTO t VALUES (2)"))
            results.append("written")
        except OperationalError as error:
            results.append(str(error.orig))

    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))  # the first writer's turn
        holding.set()
        waiting = threading.Thread(target=write_second)
        waiting.start()
        # The second writer is still waiting while the first holds its transaction open.
        waiting.join(timeout=0.3)
        assert waiting.is_alive(), results
    waiting.join(timeout=DEADLINE)
    assert results == ["written"]
    with first.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_readers_do_not_wait_for_a_writer(engines: tuple[Engine, Engine]) -> None:
    first, second = engines
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        with second.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_a_thread_holding_a_turn_is_not_made_to_wait_for_itself(
        engines: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing through a second connection inside one's own write transaction is refused by
    SQLite, as it always was: it must not wait forever for a turn its own thread holds."""
    first, second = engines
    monkeypatch.setattr(writer_turns, "TURN_WAIT_SECONDS", 3600.0)
    outcome: list[str] = []

    def nested() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            try:
                with second.begin() as other:
                    other.exec_driver_sql("PRAGMA busy_timeout=0")
                    other.execute(text("INSERT INTO t VALUES (2)"))
                outcome.append("written")
            except OperationalError:
                outcome.append("refused by SQLite")

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=DEADLINE)
    assert not worker.is_alive(), "the thread waited for a turn it holds itself"
    assert outcome == ["refused by SQLite"]


def test_the_turn_is_given_back_after_a_rollback(engines: tuple[Engine, Engine]) -> None:
    first, second = engines

    def fail_after_writing() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        fail_after_writing()
    with second.begin() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        connection.execute(text("INSERT INTO t VALUES (2)"))
    with first.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [2]


def test_the_turn_file_is_the_owners_only_and_holds_nothing(
        engines: tuple[Engine, Engine], tmp_path: Path) -> None:
    first, _ = engines
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    turn_file = tmp_path / ("turns.sqlite3" + WRITER_TURN_SUFFIX)
    assert stat.S_IMODE(turn_file.stat().st_mode) & 0o077 == 0
    assert turn_file.read_bytes() == b""


def test_checkpoints_run_in_the_background_not_in_a_commit(tmp_path: Path) -> None:
    """With checkpoint_in_background, a commit no longer copies the WAL into the database
    (it would only past BACKSTOP_PAGES): the thread does, so the file grows without a commit
    doing it."""
    path = tmp_path / "checkpoints.sqlite3"
    database = db.Database(f"sqlite:///{path}")
    try:
        with database.transaction() as connection:
            connection.exec_driver_sql("CREATE TABLE t (b BLOB)")
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert database.checkpoint_in_background()
        with database.transaction() as connection:
            assert connection.exec_driver_sql(
                "PRAGMA wal_autocheckpoint").scalar() == db.BACKSTOP_PAGES
            connection.exec_driver_sql("INSERT INTO t VALUES (zeroblob(200000))")
        deadline = time.monotonic() + DEADLINE
        while path.stat().st_size < 200_000 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the file, with a deadline
        assert path.stat().st_size >= 200_000, "the WAL was not checkpointed in the background"
    finally:
        database.dispose()


def test_no_background_checkpoints_without_a_file(tmp_path: Path) -> None:
    database = db.Database("sqlite://")
    try:
        assert not database.checkpoint_in_background()
    finally:
        database.dispose()


def test_many_threads_of_one_process_all_write(engines: tuple[Engine, Engine]) -> None:
    """Threads of one process (gunicorn's gthread workers) queue on the process's lock and
    then on the file's: none is refused, with SQLite's own wait switched off."""
    first, _ = engines
    failures: list[str] = []

    def write(n: int) -> None:
        for i in range(20):
            try:
                with first.begin() as connection:
                    connection.exec_driver_sql("PRAGMA busy_timeout=0")
                    connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n * 100 + i})
            except OperationalError as error:
                failures.append(str(error.orig))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE * 3)
    assert failures == []
    with first.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 160


def test_a_forked_child_does_not_inherit_a_turn_held_by_another_thread(
        engines: tuple[Engine, Engine], tmp_path: Path) -> None:
    """gunicorn forks workers and RQ forks work-horses: a turn another thread of the parent
    held at that moment would never be given back in the child."""
    first, _ = engines
    database = str(tmp_path / "turns.sqlite3")
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            done.wait(DEADLINE)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(DEADLINE)
    try:
        pid = os.fork()
        if pid == 0:  # the child: is this process's lock for the file free?
            locked = writer_turns._PROCESS_TURNS.lock_for(database + WRITER_TURN_SUFFIX).locked()
            os._exit(1 if locked else 0)
        _, status = os.waitpid(pid, 0)
    finally:
        done.set()
        holder.join(DEADLINE)
    assert os.waitstatus_to_exitcode(status) == 0, "the child inherited a held turn"
