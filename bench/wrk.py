"""One wrk run of a gunicorn app over a file of pre-signed requests, and its figures.

wrk (-t2 -c16) sends the requests with a Lua script, each thread taking every second line, so
no MessageSid is sent twice to the same app (a repeat would exercise the replay path instead).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.apps import WEBHOOK_PATH
from bench.processes import Server, tree_cpu_seconds

WRK_THREADS = 2
WRK_CONNECTIONS = 16
WARMUP_SECONDS = 2

# wrk's Lua: each thread loads every n-th pre-signed request of one round's file, sends each
# once in order and counts responses by status; done() writes a JSON summary for Python.
# `sent` counts request() calls, which includes one that wrk makes on the first thread to
# check the script and never sends, so sent - responses is an upper bound on requests still in
# flight when wrk stopped.
LUA_SCRIPT = r"""
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local path = os.getenv("BENCH_PATH")
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  local index = 0
  signed = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if index % nthreads == id then
      local tab = line:find("\t", 1, true)
      headers["X-Twilio-Signature"] = line:sub(1, tab - 1)
      signed[#signed + 1] = wrk.format("POST", path, headers, line:sub(tab + 1))
    end
    index = index + 1
  end
  sent = 0
  wrapped = 0
  statuses = {}
end

function request()
  sent = sent + 1
  if sent > #signed then
    wrapped = wrapped + 1
  end
  return signed[(sent - 1) % #signed + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, sent_total, wrapped_total = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    sent_total = sent_total + thread:get("sent")
    wrapped_total = wrapped_total + thread:get("wrapped")
  end
  local parts = {}
  for status, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%d": %.0f', status, n)
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_SUMMARY"), "w"))
  out:write(string.format(
    '{"duration_us": %.0f, "requests": %.0f, "bytes": %.0f, "sent": %.0f, "wrapped": %.0f, '
    .. '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, '
    .. '"timeout": %.0f}, "latency_us": {"mean": %.1f, "stdev": %.1f, "max": %.0f, '
    .. '"p50": %.0f, "p90": %.0f, "p99": %.0f}, "statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes, sent_total, wrapped_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    table.concat(parts, ", ")))
  out:close()
end
"""


@dataclass
class Round:
    app: str
    round: int  # 0 for the warm-up
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    statuses: dict[str, int]
    non_2xx: int
    socket_errors: dict[str, int]
    sent: int
    repeated_sids: int
    # The machine's 1-minute load average when the round ended: the machine may be shared,
    # and a round on a busy machine says less.
    load_1min: float = 0.0
    # CPU milliseconds the app's gunicorn (master and workers) spent per answered request in
    # the round: unlike req/s, hardly changed by other work on the machine.
    cpu_ms_per_request: float = 0.0

    @property
    def ok_200(self) -> int:
        return self.statuses.get("200", 0)


def run_wrk(
    server: Server, requests_file: Path, seconds: int, directory: Path, *, number: int
) -> Round:
    server.check_alive()
    script = directory / "webhook.lua"
    if not script.exists():
        script.write_text(LUA_SCRIPT, encoding="utf-8")
    app = server.app
    summary_path = directory / f"wrk-{app}-{number}.json"
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_SUMMARY": str(summary_path),
        "BENCH_THREADS": str(WRK_THREADS),
        "BENCH_PATH": WEBHOOK_PATH,
    }
    argv = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency",
            "--timeout", "10s", "-s", str(script), server.url + WEBHOOK_PATH]
    cpu_before = tree_cpu_seconds(server.process.pid)
    # subprocess.run kills wrk if anything (Ctrl-C included) interrupts the wait.
    completed = subprocess.run(argv, env=env, capture_output=True, text=True, check=False,
                               timeout=seconds + 120)
    cpu_seconds = tree_cpu_seconds(server.process.pid) - cpu_before
    (directory / f"wrk-{app}-{number}.txt").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0 or not summary_path.exists():
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stderr}")
    data: dict[str, Any] = json.loads(summary_path.read_text())
    latency = data["latency_us"]
    statuses = {str(k): int(v) for k, v in sorted(data["statuses"].items())}
    duration_s = data["duration_us"] / 1e6
    return Round(
        app=app, round=number, requests=int(data["requests"]), duration_s=duration_s,
        rps=data["requests"] / duration_s,
        p50_ms=latency["p50"] / 1e3, p90_ms=latency["p90"] / 1e3, p99_ms=latency["p99"] / 1e3,
        max_ms=latency["max"] / 1e3, mean_ms=latency["mean"] / 1e3,
        statuses=statuses,
        non_2xx=sum(n for status, n in statuses.items() if not status.startswith("2")),
        socket_errors={k: int(v) for k, v in data["errors"].items() if k != "status"},
        sent=int(data["sent"]), repeated_sids=int(data["wrapped"]),
        load_1min=os.getloadavg()[0],
        cpu_ms_per_request=cpu_seconds * 1e3 / max(1, int(data["requests"])),
    )


def print_round(result: Round) -> None:
    label = "warm-up" if result.round == 0 else f"round {result.round}"
    problems = ""
    if result.non_2xx:
        problems += f"  non-2xx: {result.non_2xx} {result.statuses}"
    if any(result.socket_errors.values()):
        problems += f"  socket errors: {result.socket_errors}"
    if result.repeated_sids:
        problems += f"  repeated MessageSids: {result.repeated_sids}"
    print(f"  {result.app:<9} {label:<8} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.2f} ms"
          f"  p99 {result.p99_ms:7.2f} ms  cpu {result.cpu_ms_per_request:5.2f} ms/req"
          f"  load {result.load_1min:5.2f}{problems}", flush=True)
