"""Composable fixtures: a real Redis per session, a real SQLite file per test.

The schema is migrated once per session with Alembic into a template file, and each test gets
its own copy, so every test starts from a fresh, migrated database in a few milliseconds.

`make test` runs the tests in several processes (pytest-xdist): every session fixture here
(Redis, PostgreSQL, the templates) exists once per process, on its own free port and in its
own folders, so no test shares a server with a test running beside it.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.config import Settings, load_settings
from app.conversation.spool import STREAM as SPOOL_STREAM
from app.crypto import generate_key_token
from app.dispatch import Dispatcher
from app.flows.model import Flow
from app.flows.triage import TriageRules
from app.services import Services, services, start_up
from app.storage import migrate
from app.storage.db import make_engine
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import PostgresServer, RedisServer
from tests.support.staff import TUESDAY_10AM, make_advocate, sign_in
from tests.support.twilio_signing import PUBLIC_BASE_URL, TwilioSigner

PG_TEMPLATE = "quietline_template"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"  # noqa: S105 -- a test-only Twilio token
ACCOUNT_SID = "AC" + "1" * 32


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                               ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test (`item.rep_call`), so a fixture's teardown can add
    what it knows (a worker's log, say) only when the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _flows_cached(load: Callable[..., Flow | TriageRules | None],
                  key: Callable[[Settings], object]) -> Callable[..., object]:
    """`load`, remembering what it returned for the same inputs (see `parsed_flows_once`)."""
    cache: dict[object, object] = {}

    def cached(settings: Settings, **options: bool) -> object:
        folder = settings.flows_path
        files = tuple((path.name, path.read_bytes()) for path in sorted(folder.glob("*.yaml")))
        found = (str(folder.resolve()), files, key(settings), tuple(sorted(options.items())))
        if found not in cache:
            loaded = load(settings, **options)
            if loaded is None:  # broken flows: not kept, so each app logs and falls back again
                return None
            cache[found] = loaded
        return cache[found]

    return cached


@pytest.fixture(scope="session", autouse=True)
def parsed_flows_once() -> Iterator[None]:
    """Each test app parses flows/ (the flows and the triage rules) only the first time it
    finds those files with those bytes and settings; later apps get the same parsed objects.

    Parsing is pure and its results are frozen dataclasses, so an app made from them is the
    app it would have made itself; it was about a third of every test's set-up. A test that
    writes other flow files, or other keywords in the deployment file, gets its own parse,
    and broken flows are never kept. The flows' own tests (tests/flows, tests/content) call
    the loader directly, and every process that tests start (make run, workers, gunicorn)
    parses for itself.
    """
    # Patched where the wiring looks them up (app/services/wiring.py calls start_up.*): the
    # names app.services re-exports are not called, and patching those left every test app
    # parsing flows/ for itself (tests/foundation/test_flows_parsed_once_in_tests.py).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(start_up, "load_conversation_flow", _flows_cached(
            start_up.load_conversation_flow,
            lambda s: (tuple(sorted(s.deployment.extra_keywords.items())),
                       s.deployment.duress_words, s.production)))
        patch.setattr(start_up, "load_triage", _flows_cached(
            start_up.load_triage, lambda s: s.production))
        yield


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def database_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "quietline.sqlite3"
    shutil.copyfile(migrated_template, path)
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.databases("sqlite", "postgresql")` runs a test (or a module's tests) on
    each; without the mark a test runs on SQLite only."""
    if "database_kind" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("databases")
        kinds = marker.args if marker else ("sqlite",)
        metafunc.parametrize("database_kind", kinds, indirect=True)


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = getattr(request, "param", "sqlite")
    return kind


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session, with the schema migrated into a template."""
    server = PostgresServer().start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {PG_TEMPLATE}"))
    admin.dispose()
    template = make_engine(server.url(PG_TEMPLATE))
    migrate.upgrade(template)
    template.dispose()
    yield server
    server.stop()


@pytest.fixture
def postgres_database(postgres: PostgresServer) -> Iterator[str]:
    """A fresh copy of the migrated PostgreSQL database for one test; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    # pre-ping: a test may stop and start the server (tests/conversation/test_spool.py).
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}"))
    yield postgres.url(name)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def environ(tmp_path: Path, database_path: Path, redis_server: RedisServer,
            database_kind: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment a test app starts from; tests may change it before `settings`."""
    url = (str(request.getfixturevalue("postgres_database")) if database_kind == "postgresql"
           else f"sqlite:///{database_path}")
    return {
        "QUIETLINE_ENV": "development",
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": url,
        "REDIS_URL": redis_server.url,
        "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        # argon2id at its cheapest: the same algorithm and checks, in milliseconds.
        "QUIETLINE_ARGON2_TIME_COST": "1",
        "QUIETLINE_ARGON2_MEMORY_KIB": "1024",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return load_settings(environ)


class MovableClock:
    """The app's clock in tests: real time until a test sets it, then only what it is told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.fixed: datetime | None = start

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self.fixed = moment

    def advance(self, by: timedelta) -> None:
        self.fixed = self() + by


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def empty_spool(flask_app: Flask) -> None:
    """The fail-safe's spool is one Redis stream for the whole session's Redis: what one test
    spooled (sealed under its own keys) must not reach another test's sweep."""
    # A test whose Redis is stopped spooled nothing.
    with flask_app.app_context(), contextlib.suppress(redis.RedisError):
        services().redis.delete(SPOOL_STREAM)


@pytest.fixture
def app(settings: Settings, clock: MovableClock) -> Iterator[Flask]:
    flask_app = create_app(settings, clock)
    flask_app.config["TESTING"] = True
    empty_spool(flask_app)
    yield flask_app
    empty_spool(flask_app)
    with flask_app.app_context():
        services().close()


AppWith = Callable[..., Flask]


@pytest.fixture
def app_with(environ: dict[str, str], clock: MovableClock) -> Iterator[AppWith]:
    """Another app on the same database and instance, with some settings changed (a
    deployment after its keys were edited and every process restarted)."""
    made: list[Flask] = []

    def make(**changes: str) -> Flask:
        flask_app = create_app(load_settings({**environ, **changes}), clock)
        flask_app.config["TESTING"] = True
        made.append(flask_app)
        return flask_app

    yield make
    for flask_app in made:
        with flask_app.app_context():
            services().close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioSigner:
    return TwilioSigner(client, AUTH_TOKEN)


@pytest.fixture
def advocate(app: Flask, clock: MovableClock) -> FlaskClient:
    """A client of its own with an advocate (a@example.org) signed in through the form. The
    clock is set to Tuesday 1 December 2026, 10:00, in opening hours."""
    clock.set(TUESDAY_10AM)
    member = make_advocate(app, "a@example.org")
    staff = app.test_client()
    response = sign_in(staff, member)
    assert response.status_code == 302
    return staff


@pytest.fixture
def built(app: Flask) -> Iterator[Services]:
    """The app's services, inside an app context."""
    with app.app_context():
        yield services()


@pytest.fixture
def fake_twilio(environ: dict[str, str]) -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        environ["TWILIO_API_BASE_URL"] = fake.url
        environ["TWILIO_ACCOUNT_SID"] = ACCOUNT_SID
        environ["TWILIO_FROM_NUMBER"] = "+447700900000"
        yield fake


@pytest.fixture
def inline_jobs(app: Flask) -> None:
    """RQ jobs run at once in the caller (still through RQ and a real Redis)."""
    with app.app_context():
        built = services()
        built.dispatcher = Dispatcher(built.redis, is_async=False)
        built.conversations.dispatcher = built.dispatcher
