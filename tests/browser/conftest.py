"""Fixtures for the real-browser tests (see harness.py for what each piece does).

- `live_server`: the app built exactly as tests/conftest.py builds it (the same `environ`: a
  fresh migrated SQLite file, the session's real Redis, the same `clock`: the wall clock
  until a test sets it), on a real HTTP server.
- `browsers`: Chromium launches with their own profile directories, closed at teardown.
- `api`: Playwright's HTTP client, for the JSON endpoints and headers without a browser.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Browser, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from app import create_app
from app.config import load_settings
from app.services import services
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    Browsers,
    LiveServer,
    QuietRequestHandler,
    RecordingMiddleware,
)
from tests.conftest import MovableClock


@pytest.fixture
def live_server(environ: dict[str, str], database_path: Path,
                clock: MovableClock) -> Iterator[LiveServer]:
    app = create_app(load_settings(environ), clock)
    # The language models load on the first message read (once per process; no preload in
    # tests since the memory change): load them now, so no page's first answer waits on them
    # beyond its few seconds.
    with app.app_context():
        guesser = services().conversations.guesser
        if guesser is not None:
            guesser.guess("hello, is anyone there")
    recorder = RecordingMiddleware(app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="quietline-live-server",
                              daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server.port, database_path, recorder)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            services().database.dispose()
            services().redis.close()


@pytest.fixture(scope="session", autouse=True)
def expect_waits_as_long_as_everything_else() -> None:
    """Playwright's `expect` has a default of its own (5 s), apart from the contexts' that
    harness.py sets: give it the same one deadline."""
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium "
                    "(or: apt-get install -y chromium)")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def shared_chromium(playwright: Playwright) -> Iterator[Callable[[], Browser]]:
    """One Chromium per test process, started when a test first asks for a context; each
    test's contexts are closed at its end, so tests share the process and nothing else."""
    started: list[Browser] = []

    def chromium() -> Browser:
        if not started or not started[0].is_connected():
            started[:] = [playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     headless=True, args=CHROMIUM_ARGS)]
        return started[0]

    yield chromium
    for browser in started:
        with contextlib.suppress(PlaywrightError):
            browser.close()


@pytest.fixture
def browsers(playwright: Playwright, tmp_path: Path,
             shared_chromium: Callable[[], Browser]) -> Iterator[Browsers]:
    launched = Browsers(playwright, tmp_path / "browser", shared_chromium)
    yield launched
    launched.close_all()


@pytest.fixture
def api(playwright: Playwright, live_server: LiveServer) -> Iterator[APIRequestContext]:
    context = playwright.request.new_context(base_url=live_server.origin,
                                             timeout=DEFAULT_TIMEOUT_MS)
    yield context
    context.dispose()
