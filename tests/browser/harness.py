"""The test harness for the real-browser tests: the live server and Chromium launches.

- `LiveServer`: the app served by Werkzeug on 127.0.0.1 and a free port in a background
  thread. A small WSGI wrapper records every response the server sent (method, path, status,
  headers, never bodies), so tests can check what a real browser session received.
- `Browsers`: launches Debian's Chromium (`/usr/bin/chromium`, installed by
  `make system-deps`) with a fresh profile directory per launch, so a test can open the
  profile on disk after the browser has closed. Playwright's own browser download is never
  used (it cannot reach the internet here).
- `ControlSite`: a positive control for the profile inspection (see its docstring).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import WSGIRequestHandler

CHROMIUM = Path(os.environ.get("QUIETLINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The one deadline for whatever a browser test waits on without a promise of its own: a
# navigation (wait_for_url), an action, an `expect`, the server's record of a request. It
# bounds a hang only. Each of these takes milliseconds against a local server on an idle
# machine, but CI and this machine also run at a load of 10-25 on two cores (several test runs
# at once), where a page load can take many seconds. A test that checks something happens
# within a time the product promises (the queue's poll) passes that time itself.
DEFAULT_TIMEOUT_MS = 60_000
DEFAULT_TIMEOUT_S = DEFAULT_TIMEOUT_MS / 1000


@dataclass(frozen=True)
class Served:
    """One response the live server sent."""

    method: str
    path: str
    query: str
    status: int
    headers: tuple[tuple[str, str], ...]


class RecordingMiddleware:
    """Wraps the app; remembers every response's status and headers (never bodies)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.served: list[Served] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording_start_response(status: str, headers: list[tuple[str, str]],
                                     *args: Any) -> Any:
            with self.lock:
                self.served.append(Served(
                    environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                    environ.get("QUERY_STRING", ""), int(status[:3]), tuple(headers)))
            return start_response(status, headers, *args)

        return self.app(environ, recording_start_response)


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class LiveServer:
    app: Flask
    port: int
    database_path: Path
    recorder: RecordingMiddleware

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + "/"

    def url(self, path: str) -> str:
        return self.origin + path

    @property
    def served(self) -> list[Served]:
        with self.recorder.lock:
            return list(self.recorder.served)

    def wait_served(self, method: str, path: str, timeout: float = DEFAULT_TIMEOUT_S, *,
                    status: int | None = None, count: int = 1) -> Served:
        """Wait until the server has answered `method path` (e.g. the exit beacon) `count`
        times, with `status` if given; returns the `count`-th such answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [served for served in self.served
                     if served.method == method and served.path == path
                     and status in (None, served.status)]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.02)  # polling the server's own record, not waiting for the browser
        raise AssertionError(f"the server answered {method} {path} fewer than {count} times "
                             f"within {timeout} s")


@dataclass
class Browsers:
    """Chromium contexts for one test, each as new as a fresh install, all closed at the end.

    `launch` gives an isolated context of the process's one shared Chromium (`shared`): as
    empty as a new profile and shared with nothing, and about a second cheaper than a new
    browser. `launch_on_disk` starts a Chromium of its own on a profile folder, for the tests
    that read what the browser left on disk (tests/browser/profile.py) or that need their own
    browser process (`env=`, e.g. other fonts).
    """

    playwright: Playwright
    directory: Path
    shared: Callable[[], Browser]
    contexts: list[BrowserContext] = field(default_factory=list)
    on_disk: set[str] = field(default_factory=set)

    def launch(self, name: str = "profile", **options: Any) -> BrowserContext:
        if "env" in options:
            return self.launch_on_disk(name, **options)
        context = self.shared().new_context(**options)
        context.new_page()  # as a launched browser opens with one tab: context.pages[0]
        return self._keep(context)

    def launch_on_disk(self, name: str = "profile", **options: Any) -> BrowserContext:
        self.on_disk.add(name)
        context = self.playwright.chromium.launch_persistent_context(
            str(self.directory / name), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, **options)
        return self._keep(context)

    def _keep(self, context: BrowserContext) -> BrowserContext:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def profile(self, name: str = "profile") -> Path:
        assert name in self.on_disk, f"{name!r} was not launched on disk (launch_on_disk)"
        return self.directory / name

    def close_all(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(PlaywrightError):  # already closed by the test: fine
                context.close()


def header_values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


CONTROL_VALUE = "ql-control-value-5e1f"
_CONTROL_PAGE = f"""<!doctype html><html lang="en"><title>Control</title><p>Control page.</p>
<script>
localStorage.setItem("control", "{CONTROL_VALUE}");
sessionStorage.setItem("control", "{CONTROL_VALUE}");
const done = [];
const opened = indexedDB.open("control", 1);
opened.onupgradeneeded = () => opened.result.createObjectStore("s");
opened.onsuccess = () => {{
  const tx = opened.result.transaction("s", "readwrite");
  tx.objectStore("s").put("{CONTROL_VALUE}", "k");
  tx.oncomplete = () => done.push("idb");
}};
caches.open("control").then((c) => c.put("/x", new Response("{CONTROL_VALUE}")))
  .then(() => done.push("cache"));
window.controlDone = () => done.length === 2;
</script></html>""".encode()


class ControlSite:
    """A positive control for the profile inspection, on another site (localhost, not
    127.0.0.1, so the chat's Clear-Site-Data cannot touch it): a cacheable page that sets a
    persistent cookie and stores a known value in every kind of browser storage. A profile
    check that cannot find these would prove nothing by finding nothing for the chat.
    """

    def __init__(self) -> None:
        page = _CONTROL_PAGE

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Set-Cookie", "control=1; Max-Age=3600; Path=/")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="control-site")

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    def __enter__(self) -> ControlSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()
