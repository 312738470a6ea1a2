"""What a long SMS costs: the whole webhook in-process, and the understanding alone, per size.

A body of 100 KB once held a web worker for about 30 s, because the language guess, triage and
the intents read (fold, spell-correct, match) the whole text, triage and intents each on its
own. Now they read a bounded part, folded once (app/flows/said.py). For each body size this
sends signed requests through the real app (Flask test client, SQLite, Redis from
bench/webhook.py's set-up) and times them, then times the language guess, triage and the
intents alone on the same text, as the service calls them.

Usage: .venv/bin/python bench/long_input.py [--sizes 160 2000 10000 102400] [--repeat 5]
Results: bench/results/long-input.txt (also printed). Run on another checkout (its own
bench/ and app/) to compare: the script only uses interfaces both have.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/long_input.py` puts bench/ on sys.path, not the repo root that holds `bench`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from app import create_app
from app.config import load_settings
from app.services import services
from bench import ROOT
from bench.machine import heading, write_result
from bench.signed_requests import STATIC_PARAMS, RequestFactory, SignedRequest
from bench.webhook import set_up
from bench.webhook_profile import logs_to, post_all

RESULTS = ROOT / "bench" / "results"
DANGER = "he has a knife and says he will kill me. "
FILLER = "the weather was grey and the bus was late again, "  # nothing anyone reads as risk
# Up to 200 KB: the app refuses a request over 256 KiB (app/factory.py) before reading it.
DEFAULT_SIZES = (160, 1600, 2000, 10_000, 100 * 1024, 200 * 1024)


def body_of(size: int, kind: str = "words") -> str:
    """A body of `size` characters: danger words first, then ordinary words; or one word
    (tests/channels/test_sms_bad_input.py sends 100 KB of "a")."""
    if kind == "one word":
        return "a" * size
    text = DANGER + FILLER * (size // len(FILLER) + 1)
    return text[:size]


class LongRequests(RequestFactory):
    """Signed requests that all carry one body."""

    def __init__(self, auth_token: str, body: str) -> None:
        super().__init__(auth_token)
        self.body = body

    def make(self) -> SignedRequest:
        varying = {**self.varying(), "Body": self.body}
        signature = str(self.validator.compute_signature(self.url, {**STATIC_PARAMS, **varying}))
        return SignedRequest(signature, urlencode({**STATIC_PARAMS, **varying}))


def milliseconds(action: Callable[[], Any], repeat: int) -> float:
    """The median of `repeat` timings of `action`, in milliseconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1e3)
    return statistics.median(timings)


def measure(app: Flask, auth_token: str, size: int, kind: str, repeat: int
            ) -> dict[str, Any]:
    body = body_of(size, kind)
    conversations = services().conversations
    flow, triage, guesser = conversations.flow, conversations.triage, conversations.guesser
    row: dict[str, Any] = {"size": size, "kind": kind}
    requests = LongRequests(auth_token, body)
    row["statuses"] = post_all(app, requests.batch(1))  # warm-up, and the status
    row["webhook_ms"] = milliseconds(lambda: post_all(app, requests.batch(1)), repeat)
    if guesser is not None:
        row["guess_ms"] = milliseconds(lambda: guesser.guess(body), repeat)
    if triage is not None:
        row["triage_ms"] = milliseconds(lambda: triage.assess(body, "en"), repeat)
        row["urgent"] = triage.assess(body, "en").level == "urgent"
    if flow is not None and flow.intents is not None:
        intents = flow.intents
        row["intents_ms"] = milliseconds(lambda: intents.read(body), repeat)
    return row


def render(rows: Sequence[dict[str, Any]], repeat: int) -> str:
    lines = [
        *heading("long-SMS cost"),
        f"In-process (Flask test client), one thread; median of {repeat} per size. Body: "
        "'words' has danger words, then ordinary words; 'one word' is all \"a\".",
        "",
        f"{'body':>8}  {'chars':>6}  {'webhook ms':>10}  {'guess ms':>8}  {'triage ms':>9}  "
        f"{'intents ms':>10}  urgent  statuses",
    ]
    for row in rows:
        lines.append(
            f"{row['kind']:>8}  {row['size']:>6}  {row['webhook_ms']:>10.1f}  "
            f"{row.get('guess_ms', 0):>8.1f}  {row.get('triage_ms', 0):>9.1f}  "
            f"{row.get('intents_ms', 0):>10.1f}  "
            f"{'yes' if row.get('urgent') else 'no':>6}  {row['statuses']}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--kinds", nargs="+", default=["words", "one word"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS / "long-input.txt")
    arguments = parser.parse_args(argv)
    rows = []
    with contextlib.ExitStack() as stack:
        directory, env = set_up(stack, "quietline-long-")
        with logs_to(directory / "app.log"):
            app = create_app(load_settings(env))
            with app.app_context():
                for kind in arguments.kinds:
                    for size in arguments.sizes:
                        rows.append(measure(app, env["TWILIO_AUTH_TOKEN"], size, kind,
                                            arguments.repeat))
                    print(f"{size} chars: {rows[-1]}", file=sys.__stderr__, flush=True)
            with app.app_context():
                services().database.dispose()
                services().redis.close()
    write_result(arguments.output, render(rows, arguments.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
