"""Files only the service's own user can read (issue 23, item 16; app/private_files.py).

docs/threat-model.md, A4: another account on the machine must not read the SQLite file or its
WAL (sealed messages, wrapped keys), instance/ (development secrets, retention reports) or
Redis's folder (the job queue). Each test runs with the common umask 022, under which all of
these used to be created readable by everyone.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text

from app.config import load_settings
from app.crypto import ReportSigner
from app.lifecycle.retention import default_report_path, purge_and_sign
from app.services import Services
from app.storage.db import Database
from tests.support.servers import free_port, wait_for
from tests.support.workers import APP_PROCESS_SECONDS, WORKER_START_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def common_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_sqlite_database_and_its_wal_and_shm_are_the_owner_s_only(
        tmp_path: Path) -> None:
    path = tmp_path / "quietline.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.transaction() as connection:
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            connection.execute(text("INSERT INTO t VALUES ('sealed')"))
        with database.engine.connect() as connection:  # the WAL stays while one is open
            connection.execute(text("SELECT x FROM t")).all()
            files = [path, tmp_path / "quietline.sqlite3-wal", tmp_path / "quietline.sqlite3-shm"]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        database.dispose()


def test_an_existing_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    wal = tmp_path / "old.sqlite3-wal"
    for made in (path, wal):
        made.touch()
        made.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert (mode(path), mode(wal)) == (0o600, 0o600)


def test_development_instance_folder_and_secrets_are_the_owner_s_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    load_settings({}, instance)
    assert mode(instance) == 0o700
    assert mode(instance / "dev-secrets.json") == 0o600


def test_an_existing_readable_instance_folder_is_no_longer_listable(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    load_settings({}, instance)
    assert mode(instance) & 0o066 == 0


def test_retention_reports_are_the_owner_s_only(built: Services, tmp_path: Path) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    path = default_report_path(tmp_path / "instance", now)
    purge_and_sign(built.database, retention_days=90, now=now,
                   signer=ReportSigner("a-test-report-key"), report_path=path)
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)


def load_run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "scripts" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_run_s_redis_folder_and_its_files_are_the_owner_s_only(tmp_path: Path) -> None:
    run = load_run_script()
    instance = tmp_path / "instance"
    folder = run.prepare_instance(instance, prod_like=False)
    port = free_port()
    redis = run.spawn(run.redis_command(port, folder), dict(os.environ))
    try:
        def written() -> bool:
            files = [p for p in folder.rglob("*") if p.is_file()]
            return any(p.stat().st_size > 0 for p in files)

        ping = ["redis-cli", "-p", str(port)]
        wait_for(lambda: subprocess.run([*ping, "SET", "k", "v"], capture_output=True,
                                        check=False).stdout.strip() == b"OK",
                 what="redis")
        wait_for(written, what="redis's append-only file")
        made = sorted(folder.rglob("*"))
        assert made, "redis wrote nothing"
        assert {p.name: mode(p) for p in made} == {
            p.name: 0o700 if p.is_dir() else 0o600 for p in made}
        assert (mode(instance), mode(folder)) == (0o700, 0o700)
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def process_umask(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return line.split()[1]
    return ""


def test_the_entry_points_set_an_owner_only_umask(environ: dict[str, str]) -> None:
    env = environ | {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    web = subprocess.run(
        [sys.executable, "-c", "import os, wsgi; print(oct(os.umask(0o077)))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=APP_PROCESS_SECONDS)
    assert web.stdout.strip().splitlines()[-1] == "0o77", web.stderr
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: process_umask(worker.pid) == "0077", timeout=WORKER_START_SECONDS,
                 what="worker umask")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
