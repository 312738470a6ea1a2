"""The results: the stored-message check, webhook.json, webhook.txt and webhook-profile.txt."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import ROOT
from bench.environment import REAL_INBOUND_SQL, REFERENCE_INBOUND_SQL, count_rows
from bench.machine import machine_info
from bench.processes import APPS, GUNICORN_TARGETS, THREADS, WORKERS
from bench.signed_requests import SENDERS, round_list_size
from bench.wrk import WARMUP_SECONDS, WRK_CONNECTIONS, WRK_THREADS, Round

TARGET_RATIO = 1.0
TARGET_P99_MS = 50.0


@dataclass
class Sanity:
    app: str
    stored: int
    responses_200: int
    unanswered_at_stop: int  # upper bound: requests wrk sent whose answer it did not wait for
    failsafe_replies: int
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        # Every 200 must be a stored message; a few requests still in flight when wrk stopped
        # may have been stored without wrk reading the answer.
        self.ok = (self.failsafe_replies == 0 and
                   self.responses_200 <= self.stored <= self.responses_200
                   + self.unanswered_at_stop)


def check_stored(app: str, env: Mapping[str, str], results: Sequence[Round], log: Path) -> Sanity:
    """Compare the inbound messages `app` stored with the 200s it answered (warm-up included)."""
    url = env["DATABASE_URL"] if app == "real" else env["REFERENCE_DATABASE_URL"]
    sql = REAL_INBOUND_SQL if app == "real" else REFERENCE_INBOUND_SQL
    mine = [r for r in results if r.app == app]
    failsafe = log.read_text(errors="replace").count("event=sms.failsafe") if app == "real" else 0
    return Sanity(
        app=app, stored=count_rows(url, sql), responses_200=sum(r.ok_200 for r in mine),
        unanswered_at_stop=sum(max(0, r.sent - r.requests) for r in mine),
        failsafe_replies=failsafe,
    )


def median(results: Sequence[Round], app: str, attribute: str) -> float:
    return statistics.median(getattr(r, attribute) for r in results
                             if r.app == app and r.round > 0)


def build_report(
    results: Sequence[Round], sanity: Sequence[Sanity], duration: int, rounds: int,
    directory: Path, *, revision: str,
) -> dict[str, Any]:
    medians = {app: {key: median(results, app, key)
                     for key in ("rps", "p50_ms", "p99_ms", "mean_ms", "cpu_ms_per_request")}
               for app in APPS}
    real_vs_reference = medians["real"]["rps"] / medians["reference"]["rps"]
    real_vs_bare = medians["real"]["rps"] / medians["bare"]["rps"]
    return {
        "benchmark": "Twilio SMS webhook (POST /webhooks/twilio/sms)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": revision,
        "machine": machine_info(directory),
        "config": {
            "gunicorn_workers": WORKERS, "worker_class": "gthread" if THREADS > 1 else "sync",
            "threads_per_worker": THREADS,
            "wrk_threads": WRK_THREADS, "wrk_connections": WRK_CONNECTIONS,
            "round_seconds": duration, "rounds": rounds, "warmup_seconds": WARMUP_SECONDS,
            "distinct_senders": SENDERS, "order": "interleaved: " + ", ".join(APPS),
            "requests_per_round_file": round_list_size(duration),
            # gunicorn reads the project's gunicorn.conf.py (cwd is the repo root) for all three.
            "gunicorn_config": "gunicorn.conf.py" if (ROOT / "gunicorn.conf.py").exists()
            else None,
            "apps": GUNICORN_TARGETS,
        },
        "apps": {
            app: {
                "rounds": [asdict(r) for r in results if r.app == app and r.round > 0],
                "warmup": [asdict(r) for r in results if r.app == app and r.round == 0],
                "median": medians[app],
                "non_2xx_total": sum(r.non_2xx for r in results if r.app == app),
                "repeated_sids_total": sum(r.repeated_sids for r in results if r.app == app),
                "socket_errors_total": sum(sum(r.socket_errors.values()) for r in results
                                           if r.app == app),
            }
            for app in APPS
        },
        "ratios": {"real/reference": real_vs_reference, "real/bare": real_vs_bare,
                   "cpu real/reference": medians["real"]["cpu_ms_per_request"]
                   / max(medians["reference"]["cpu_ms_per_request"], 1e-9)},
        "targets": [
            {"name": f"real req/s >= {TARGET_RATIO:.1f}x reference", "value": real_vs_reference,
             "met": real_vs_reference >= TARGET_RATIO},
            {"name": f"real p99 <= {TARGET_P99_MS:.0f} ms", "value": medians["real"]["p99_ms"],
             "met": medians["real"]["p99_ms"] <= TARGET_P99_MS},
        ],
        "sanity": [asdict(s) for s in sanity],
    }


def render_table(report: Mapping[str, Any]) -> str:
    machine, config = report["machine"], report["config"]
    lines = [
        f"Quietline SMS webhook benchmark, {report['date']}, revision {report['revision']}",
        f"{machine['nproc']} CPUs ({machine['cpu']}), Python {machine['python']}, "
        f"SQLite {machine['sqlite']} on {machine['database_filesystem']}",
        f"gunicorn {config['gunicorn_workers']} {config['worker_class']} workers per app"
        f" ({config.get('threads_per_worker', 1)} threads each); wrk -t"
        f"{config['wrk_threads']} -c{config['wrk_connections']} from 127.0.0.1; "
        f"{config['rounds']} interleaved rounds of {config['round_seconds']:g} s",
        "load: the machine's 1-minute load average as each round ended (2 cores; other work "
        "on the machine shares them)",
        "",
        f"{'app':<10} {'round':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}"
        f" {'non-2xx':>8} {'load':>6}",
    ]
    for app in APPS:
        for r in report["apps"][app]["rounds"]:
            lines.append(f"{app:<10} {r['round']:>5} {r['rps']:>9.1f} {r['p50_ms']:>8.2f}"
                         f" {r['p99_ms']:>8.2f} {r['requests']:>9} {r['non_2xx']:>8}"
                         f" {r.get('load_1min', 0.0):>6.2f}")
    lines += ["", f"{'median':<10} {'':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
                  f" {'mean ms':>8} {'CPU ms/request':>15}"]
    for app in APPS:
        m = report["apps"][app]["median"]
        lines.append(f"{app:<10} {'':>5} {m['rps']:>9.1f} {m['p50_ms']:>8.2f} {m['p99_ms']:>8.2f}"
                     f" {m.get('mean_ms', 0.0):>8.2f} {m.get('cpu_ms_per_request', 0.0):>15.2f}")
    ratios = report["ratios"]
    lines += ["", f"real/reference req/s: {ratios['real/reference']:.2f}x    "
                  f"real/bare req/s: {ratios['real/bare']:.2f}x    "
                  f"CPU per request real/reference: {ratios.get('cpu real/reference', 0):.2f}x"]
    lines += queueing_lines(report)
    lines += ["", "Targets:"]
    for target in report["targets"]:
        value = (f"{target['value']:.2f}x" if "x reference" in target["name"]
                 else f"{target['value']:.1f} ms")
        lines.append(f"  {target['name']:<32} {value:>9}  {'PASS' if target['met'] else 'MISS'}")
    lines += ["", "Checks:"]
    for app in APPS:
        totals = report["apps"][app]
        lines.append(
            f"  {app:<10} non-2xx responses: {totals['non_2xx_total']}, socket errors: "
            f"{totals['socket_errors_total']}"
            + (f", repeated MessageSids: {totals['repeated_sids_total']}"
               if totals["repeated_sids_total"] else ""))
    for s in report["sanity"]:
        lines.append(
            f"  {s['app']:<10} stored inbound messages {s['stored']}, 200 responses "
            f"{s['responses_200']} (+ at most {s['unanswered_at_stop']} in flight when wrk "
            f"stopped), fail-safe replies {s['failsafe_replies']}: "
            f"{'OK' if s['ok'] else 'MISMATCH'}")
    return "\n".join(lines) + "\n"


def queueing_lines(report: Mapping[str, Any]) -> list[str]:
    """What the connection count alone says about latency (Little's law): wrk keeps every
    connection waiting for an answer, so the mean time a request spends in the app is the
    number of connections over the requests per second, however the work is done."""
    connections = report["config"]["wrk_connections"]
    lines = ["", f"Queueing: wrk keeps {connections} requests waiting at every moment, so the mean "
                 f"latency is {connections} / (req/s) (Little's law):"]
    for app in ("reference", "real"):
        rps = report["apps"][app]["median"]["rps"]
        lines.append(f"  {app:<10} {connections} / {rps:.0f} req/s = "
                     f"{connections / rps * 1e3:.1f} ms mean")
    lines.append(f"  a p99 of 50 ms needs a mean well under it: a 25 ms mean needs "
                 f"{connections / 0.025:.0f} req/s")
    return lines


def write_report(report: Mapping[str, Any], output: Path) -> int:
    """Write and print the report; the exit status is 1 if the stored-message check failed."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "webhook.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = render_table(report)
    (output / "webhook.txt").write_text(table, encoding="utf-8")
    print()
    print(table, end="")
    print(f"\nWritten: {output / 'webhook.json'}, {output / 'webhook.txt'}")
    # Missed targets are reported, not fatal; a lost message is.
    return 0 if all(s["ok"] for s in report["sanity"]) else 1


def write_profile(text: str, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    (output / "webhook-profile.txt").write_text(text, encoding="utf-8")
    print(text)
    print(f"Written: {output / 'webhook-profile.txt'}")
