"""Benchmark of the Twilio SMS webhook: the real app against a bare and a reference app.

One run starts redis-server and three gunicorns (2 workers each, gthread with 8 threads as
gunicorn.conf.py runs production, on free loopback ports; BENCH_GUNICORN_THREADS=1 for sync):

  bare       bench.apps:bare()       Flask answering a fixed TwiML: the framework floor;
  reference  bench.apps:reference()  only the irreducible work: signature check, HMAC of the
                                     number, AES-GCM seal of the body, one row committed to
                                     SQLite (WAL, synchronous=FULL), TwiML back;
  real       wsgi:app                Quietline as production starts it (the language models
                                     loaded once in gunicorn's master), configured from
                                     environment variables, on a fresh SQLite file migrated
                                     with Alembic.

Every request is signed the way Twilio signs it and carries its own MessageSid, one of 200
sender numbers and a realistic body. The requests are pre-signed into one file per round; wrk
(-t2 -c16) sends them with a Lua script, each thread taking every second line, so no
MessageSid is sent twice to the same app (a repeat would exercise the replay path instead).
Each app first gets a 2 s warm-up on requests of its own (not in the figures, but in the
stored-message check). Rounds are interleaved (bare, reference, real, bare, ...) and the
medians are reported, with the ratios real/reference and real/bare and the targets (real
>= 1.0x reference req/s, real p99 <= 50 ms). Afterwards the stored inbound messages are
counted and compared with the 200 responses, so a request answered with the fail-safe instead
of being stored shows up.

Results: bench/results/webhook.json and bench/results/webhook.txt (also printed).

`--profile` instead runs the real app in-process (Flask test client, the same kind of signed
requests) under cProfile and writes the top functions to bench/results/webhook-profile.txt.

Usage: .venv/bin/python bench/webhook.py [--duration 15] [--rounds 3] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/webhook.py` puts bench/ on sys.path, not the repo root that holds `bench`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Sequence

from bench import ROOT
from bench.environment import bench_environment, gunicorn_environment, prepare_databases
from bench.machine import git_revision
from bench.processes import (
    APPS,
    THREADS,
    WORKERS,
    install_sigterm_handler,
    start_gunicorn,
    start_redis,
)
from bench.report import build_report, check_stored, write_profile, write_report
from bench.signed_requests import LIST_RATE, RequestFactory, round_list_size
from bench.webhook_profile import ProfileRun, logs_to, profile_real, render_profile, time_reference
from bench.wrk import WARMUP_SECONDS, Round, print_round, run_wrk

RESULTS = ROOT / "bench" / "results"
MAX_ROUND_SECONDS = 20


def set_up(stack: contextlib.ExitStack, prefix: str) -> tuple[Path, dict[str, str]]:
    """A temporary directory, redis-server and fresh databases, all gone when `stack` closes.

    Returns the directory and the apps' environment.
    """
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    stack.callback(shutil.rmtree, directory, ignore_errors=True)
    redis = start_redis(stack, directory / "redis")
    env = bench_environment(directory, f"redis://127.0.0.1:{redis.port}/0")
    prepare_databases(env)
    return directory, env


def run_benchmark(duration: int, rounds: int, output: Path) -> int:
    revision = git_revision()  # before gunicorn imports the app: the code being measured
    results: list[Round] = []
    with contextlib.ExitStack() as stack:
        directory, env = set_up(stack, "quietline-bench-")

        per_round = round_list_size(duration)
        print(f"Signing {WARMUP_SECONDS * LIST_RATE + rounds * per_round:,} requests...",
              flush=True)
        factory = RequestFactory(env["TWILIO_AUTH_TOKEN"])
        files = [directory / f"requests-{n}.txt" for n in range(rounds + 1)]
        factory.write(files[0], WARMUP_SECONDS * LIST_RATE)
        for path in files[1:]:
            factory.write(path, per_round)

        servers = {app: start_gunicorn(stack, app, gunicorn_environment(app, env), directory)
                   for app in APPS}
        print(f"Started gunicorn ({WORKERS} workers of {THREADS} threads each): "
              + ", ".join(f"{a} on :{s.port}" for a, s in servers.items()), flush=True)

        # Round 0 is the warm-up. The apps take turns round by round, so a slow spell on the
        # machine falls on all of them rather than on one.
        for number in range(rounds + 1):
            for app in APPS:
                seconds = WARMUP_SECONDS if number == 0 else duration
                results.append(
                    run_wrk(servers[app], files[number], seconds, directory, number=number))
                print_round(results[-1])

        sanity = [check_stored(app, env, results, servers[app].log)
                  for app in ("reference", "real")]
        report = build_report(results, sanity, duration, rounds, directory,
                              revision=revision)
        at_end = git_revision()
        if at_end != revision:
            report["revision_at_end"] = at_end
            print(f"Warning: the code changed during the run ({revision} at the start, "
                  f"{at_end} at the end)", file=sys.stderr)
    return write_report(report, output)


def run_profile(count: int, output: Path) -> int:
    """Profile the real app in-process; time the reference app on the same kind of requests."""
    run = ProfileRun(count, revision=git_revision())
    with contextlib.ExitStack() as stack:
        directory, env = set_up(stack, "quietline-profile-")
        factory = RequestFactory(env["TWILIO_AUTH_TOKEN"])
        with logs_to(directory / "app.log"):
            profile_real(env, factory, run)
            time_reference(env, factory, run)
    write_profile(render_profile(run), output)
    return 0


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=15,
                        help="whole seconds per round, at most 20 (default 15)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds per app; medians are reported (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of the benchmark, profile the real app in-process")
    parser.add_argument("--profile-requests", type=int, default=3000,
                        help="requests to profile with --profile (default 3000)")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where results are written (default bench/results)")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.duration <= MAX_ROUND_SECONDS:
        parser.error(f"--duration must be between 1 and {MAX_ROUND_SECONDS} seconds")
    if arguments.rounds < 1 or arguments.profile_requests < 1:
        parser.error("--rounds and --profile-requests must be at least 1")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    install_sigterm_handler()
    if arguments.profile:
        return run_profile(arguments.profile_requests, arguments.output)
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (make bench installs it)", file=sys.stderr)
            return 2
    return run_benchmark(arguments.duration, arguments.rounds, arguments.output)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # The ExitStacks have already stopped gunicorn, wrk and redis and removed the temp dir.
        print("\nInterrupted; every process the benchmark started has been stopped.",
              file=sys.stderr)
        sys.exit(130)
