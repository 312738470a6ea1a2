"""Room on a small server (issue 22, item 6): the proportional memory (PSS) of the whole stack.

Starts the stack `make run` starts, on loopback: our own redis-server, a migrated SQLite
database, gunicorn with gunicorn.conf.py (preloaded app) and 2 workers serving `wsgi:app`, and
one `python worker.py`. Then a few survivors text it (first messages, a request for a person,
free text in several languages, so the language models are used in every web worker), and
each process's PSS is read from /proc/<pid>/smaps_rollup. PSS divides each shared page between
the processes sharing it, so the total is what the stack really costs the machine.

Target (a small charity's 1 GB virtual machine): at most 300 MiB for the whole stack.
Results: bench/results/memory.txt and memory.json. Run: `.venv/bin/python bench/memory.py`.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up
from twilio.request_validator import RequestValidator  # noqa: E402

from app.config import DEFAULT_CONFIG  # noqa: E402
from bench.environment import bench_environment, gunicorn_environment  # noqa: E402
from bench.machine import git_revision  # noqa: E402
from bench.processes import (  # noqa: E402
    READY_TIMEOUT,
    free_port,
    http_status,
    start_process,
    start_redis,
    wait_until,
)
from bench.signed_requests import ACCOUNT_SID, PUBLIC_BASE_URL, SERVICE_NUMBER  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_MIB = 300
WEBHOOK_PATH = "/webhooks/twilio/sms"
TEXTS = ["hello", "person", "he hit me again last night and I am scared",
         "potrzebuję z kimś porozmawiać", "أحتاج أن أتكلم مع أحد", "vreau să vorbesc cu cineva",
         "mujhe kisi se baat karni hai", "dw i angen siarad â rhywun", "1", "menu"]


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def text_it(url: str, token: str, number: str, body: str) -> int:
    params = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": ACCOUNT_SID,
              "From": number, "To": SERVICE_NUMBER, "Body": body}
    signature = RequestValidator(token).compute_signature(PUBLIC_BASE_URL + WEBHOOK_PATH, params)
    return requests.post(url + WEBHOOK_PATH, data=params, timeout=60,
                         headers={"X-Twilio-Signature": signature}).status_code


def measure(models: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="quietline-memory-") as tmp, \
            contextlib.ExitStack() as stack:
        directory = Path(tmp)
        redis = start_redis(stack, directory / "redis")
        env = gunicorn_environment("real", bench_environment(directory,
                                                             f"redis://127.0.0.1:{redis.port}/0"))
        config = directory / "deployment.toml"
        config.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
            "[languages]\n", f'[languages]\nmodels = "{models}"\n', 1), encoding="utf-8")
        env["QUIETLINE_CONFIG"] = str(config)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        port = free_port()
        web = start_process(stack, "gunicorn", [
            sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            directory / "gunicorn.log", env=env, port=port)
        wait_until(lambda: http_status(port, "GET", "/healthz") == 200, READY_TIMEOUT,
                   "gunicorn")
        worker = start_process(stack, "worker", [sys.executable, "worker.py"],
                               directory / "worker.log", env=env)
        url = f"http://127.0.0.1:{port}"
        # Several at once, so that both web workers answer some and use the models.
        jobs = [(f"+447700900{200 + n:03d}", text) for n in range(12) for text in TEXTS[:4]]
        jobs += [(f"+447700900{300 + n:03d}", text) for n, text in enumerate(TEXTS)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda job: text_it(url, env["TWILIO_AUTH_TOKEN"], *job),
                                     jobs))
        # The worker's jobs finish, and its RQ scheduler (a child process it starts after a
        # few seconds) is counted too.
        deadline = time.monotonic() + 20
        while not children(worker.process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2.0)
        processes = {"gunicorn master": web.process.pid}
        for number, pid in enumerate(children(web.process.pid), 1):
            processes[f"gunicorn worker {number}"] = pid
        processes["rq worker"] = worker.process.pid
        for number, pid in enumerate(children(worker.process.pid), 1):
            processes[f"rq worker child {number}"] = pid
        processes["redis-server"] = redis.process.pid
        figures = {name: round(pss_kib(pid) / 1024, 1) for name, pid in processes.items()}
        total = round(sum(figures.values()), 1)
        return {"models": models, "git": git_revision(), "messages": len(jobs),
                "answered_200": statuses.count(200), "pss_mib": figures,
                "total_mib": total, "target_mib": TARGET_MIB, "met": total <= TARGET_MIB}


def main() -> int:
    results = [measure(models) for models in ("accurate", "small")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(results, indent=2) + "\n",
                                         encoding="utf-8")
    lines = ["Room on a small server: bench/memory.py. PSS per process of the make run stack",
             "(gunicorn with gunicorn.conf.py and 2 workers, one RQ worker, Redis) after a few",
             "dozen signed SMS, with each setting of [languages] models.",
             f"git {results[0]['git']}", ""]
    for result in results:
        lines.append(f"[languages] models = \"{result['models']}\" "
                     f"({result['answered_200']}/{result['messages']} answered 200)")
        lines += [f"  {name:<22} {mib:7.1f} MiB" for name, mib in result["pss_mib"].items()]
        lines += [f"  {'total':<22} {result['total_mib']:7.1f} MiB (target at most "
                  f"{TARGET_MIB} MiB: {'met' if result['met'] else 'NOT met'})", ""]
    (RESULTS / "memory.txt").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
