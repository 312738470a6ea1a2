"""Web chat page benchmark: what the cover page and chat cost a survivor's phone to load.

Serves the real app (SQLite and Redis as in bench/webhook.py) with gunicorn on loopback and
drives Debian's Chromium with Playwright, in a fresh profile each run (the HTTP cache is
never used anyway: every page is no-store). It reports, as medians over the runs:

- transfer size of the cover page with the chat (the whole page is one response: the script
  and styles are inline), and the number of requests the page makes;
- time to interactive: navigation start to the chat script having run (it marks the page
  with the `js` class), read from the page's own Performance timeline;
- time from pressing send to the first reply on screen.

Target: the page under 50 KB. Results: bench/results/chat.json and chat.txt.
Run: `.venv/bin/python bench/chat.py [--runs N]` (make bench runs it after webhook.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import contextlib  # noqa: E402
from collections.abc import Callable  # noqa: E402

from playwright.sync_api import Page, Response, sync_playwright  # noqa: E402 -- after path set-up

from bench.environment import (  # noqa: E402
    bench_environment,
    gunicorn_environment,
    prepare_databases,
)
from bench.machine import git_revision, machine_info  # noqa: E402
from bench.processes import (  # noqa: E402
    install_sigterm_handler,
    start_gunicorn,
    start_redis,
    tail,
)

RESULTS = ROOT / "bench" / "results"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TARGET_BYTES = 50 * 1024


def recorder(responses: list[Response]) -> Callable[[Response], None]:
    # Bodies are read after the page has loaded: reading inside the event handler would
    # block Playwright's dispatch.
    def record(response: Response) -> None:
        responses.append(response)
    return record


def poll(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Wait for a condition in the page. Playwright's wait_for_function evaluates strings
    with eval, which the chat's CSP rightly forbids; page.evaluate does not need it."""
    deadline = time.perf_counter() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.perf_counter() > deadline:
            shown = page.evaluate("() => Array.from(document.querySelectorAll('#messages li'))"
                                  ".map(item => item.className).join(', ')")
            raise TimeoutError(f"{expression} (messages: {shown})")
        time.sleep(0.002)  # polling interval


def measure(base_url: str, runs: int, workdir: Path) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"bytes": [], "requests": [], "interactive_ms": [],
                                       "reply_ms": []}
    with sync_playwright() as playwright:
        for run in range(runs):
            context = playwright.chromium.launch_persistent_context(
                str(workdir / f"profile-{run}"), executable_path="/usr/bin/chromium",
                args=CHROMIUM_ARGS, headless=True)
            page = context.new_page()
            responses: list[Response] = []
            page.on("response", recorder(responses))
            page.goto(base_url + "/", wait_until="load")
            poll(page, "document.documentElement.classList.contains('js')")
            sizes = [len(response.body()) for response in responses]
            interactive = page.evaluate(
                "performance.getEntriesByType('navigation')[0].domInteractive")
            figures["bytes"].append(float(sum(sizes)))
            figures["requests"].append(float(len(sizes)))
            figures["interactive_ms"].append(float(interactive))
            page.click("#open-chat")
            page.fill("#message-input", "hello")
            started = time.perf_counter()
            page.press("#message-input", "Enter")
            # The panel opens with one service line (the intro); the reply is the second.
            poll(page, "document.querySelectorAll('#messages li.from-service').length >= 2")
            figures["reply_ms"].append((time.perf_counter() - started) * 1000)
            context.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args()
    install_sigterm_handler()
    with tempfile.TemporaryDirectory(prefix="quietline-chat-bench-") as temp, \
            contextlib.ExitStack() as stack:
        workdir = Path(temp)
        redis = start_redis(stack, workdir / "redis")
        environ = bench_environment(workdir, f"redis://127.0.0.1:{redis.port}/0")
        prepare_databases(environ)
        # A browser keeps idle connections open; sync workers would each wait on one of
        # them, so the chat is served as `make run` and gunicorn.conf.py serve it: threads.
        server = start_gunicorn(stack, "real", gunicorn_environment("real", environ), workdir,
                                worker_class="gthread")
        try:
            figures = measure(f"http://127.0.0.1:{server.port}", options.runs, workdir)
        except TimeoutError:
            print(tail(server.log), file=sys.stderr)  # noqa: T201 -- why the page waited
            raise
        machine = machine_info(workdir)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    report = {"revision": git_revision(), "machine": machine, "runs": options.runs,
              "figures": figures, "medians": medians,
              "target_bytes": TARGET_BYTES, "met": medians["bytes"] < TARGET_BYTES}
    text = (f"Quietline web chat page, revision {report['revision']}, {options.runs} runs "
            f"(fresh Chromium profile each)\n"
            f"  page transfer       {medians['bytes'] / 1024:6.1f} KB in "
            f"{medians['requests']:.0f} request(s)   target < 50 KB: "
            f"{'PASS' if report['met'] else 'MISS'}\n"
            f"  time to interactive {medians['interactive_ms']:6.1f} ms\n"
            f"  send to first reply {medians['reply_ms']:6.1f} ms\n")
    options.output.mkdir(parents=True, exist_ok=True)
    (options.output / "chat.json").write_text(json.dumps(report, indent=2) + "\n")
    (options.output / "chat.txt").write_text(text)
    print(text, end="")  # noqa: T201 -- the benchmark's report
    return 0


if __name__ == "__main__":
    sys.exit(main())
