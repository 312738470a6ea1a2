"""Room on a small server (issue 22, item 6): the proportional memory (PSS) of the whole stack.

Starts the stack `make run` starts, on loopback: our own redis-server, a migrated SQLite
database, gunicorn with gunicorn.conf.py (preloaded app) and 2 workers serving `wsgi:app`, and
one RQ worker that gunicorn's master forks from its app (QUIETLINE_WEB_RQ_WORKERS=1,
app/worker/beside_web.py). Then a few survivors text it (first messages, a request for a person,
free text in several languages, so the language models are used in every web worker), a few
more while the database is down (the fail-safe answers and spools them; the worker's sweeper
replays them once it is back). Each process's PSS is read from /proc/<pid>/smaps_rollup every
50 ms from the worker's start (so that readings catch RQ's work-horses, the processes it
forks for one job each, while they run) and a few times at rest at the end. Two totals are
kept: the largest at rest (no work-horse alive) and the largest with a job running. PSS
divides each shared page between the processes sharing it, so the total is what the stack
really costs the machine; private is what a process holds
alone. Each setting of `[languages] models` is measured (the default first), with how it
guesses the language of eval/messages/dev's and opened's first messages (never the held-out
part), and which processes have loaded the detector (lingua's library or the n-gram file
mapped).

Target (a small charity's 1 GB virtual machine): at most 300 MiB for the whole stack, at
rest and with a job running.
Results: bench/results/memory.txt and memory.json. Run: `.venv/bin/python bench/memory.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis as redis_client  # noqa: E402 -- after the path set-up
import requests  # noqa: E402
import yaml  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from app.config import DEFAULT_CONFIG  # noqa: E402
from app.content.language import LanguageGuesser  # noqa: E402
from app.content.ngrams import NGRAM_FILE  # noqa: E402
from app.conversation.spool import STREAM as SPOOL_STREAM  # noqa: E402
from app.deployment import load_deployment  # noqa: E402
from app.worker.beside_web import PROCESS_NAME  # noqa: E402
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
from tests.support.fake_twilio import FakeTwilio  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_MIB = 300
MODELS = ("ngrams", "accurate", "small")  # the default first
GUESS_SPLITS = ("dev", "opened")  # never heldout/
SAMPLES = 3
# How long the fake Twilio takes to answer a create: about what Twilio's REST API takes.
TWILIO_SECONDS = 0.3
# How long to wait for SAMPLES readings at rest once the spool is replayed: the alerts the
# bench's cases send (to the fake Twilio) keep work-horses coming for a while on a loaded
# machine.
REST_SECONDS = 180
# How often the stack is read while messages come in: often enough to catch work-horses,
# which live 0.05-1 s each here.
SAMPLE_SECONDS = 0.05
# Longer than the other benches' READY_TIMEOUT: on the shared 2-core machine at load 15-20
# gunicorn's preloading master took more than 60 s to answer.
STACK_READY_TIMEOUT = 5 * READY_TIMEOUT
WEBHOOK_PATH = "/webhooks/twilio/sms"
# Sent while the database is down: answered by the fail-safe, replayed by the worker.
OUTAGE_TEXTS = ["potrzebuję pomocy, boję się go", "I need to talk to someone please",
                "mae angen help arnaf i", "أحتاج إلى المساعدة من فضلك"]
TEXTS = ["hello", "person", "he hit me again last night and I am scared",
         "potrzebuję z kimś porozmawiać", "أحتاج أن أتكلم مع أحد", "vreau să vorbesc cu cineva",
         "mujhe kisi se baat karni hai", "dw i angen siarad â rhywun", "1", "menu"]


def rollup_kib(pid: int) -> dict[str, int]:
    """The process's memory from smaps_rollup, in KiB: Rss, Pss, and Private (its own pages,
    shared with no other process: what it would give back if it ended)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return {"rss": fields.get("Rss", 0), "pss": fields.get("Pss", 0),
            "private": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


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
        config.write_text(re.sub(r'(?m)^models = "\w+"$', f'models = "{models}"',
                                 DEFAULT_CONFIG.read_text(encoding="utf-8"), count=1),
                          encoding="utf-8")
        env["QUIETLINE_CONFIG"] = str(config)
        # The jobs' texts (the on-call alerts of the cases opened below) go to the local fake
        # of Twilio's REST API, as in the other benches: without it they went to
        # api.twilio.com with a made-up account, were refused (or found no network) and were
        # retried, so the work-horses measured were failing sends, not the ones a deployment runs.
        fake = stack.enter_context(FakeTwilio(ACCOUNT_SID, env["TWILIO_AUTH_TOKEN"]))
        # Answered after Twilio's usual time rather than at once, so that the work-horses live
        # as long as a deployment's and the readings every 50 ms catch some running.
        fake.delay_next(TWILIO_SECONDS, times=1000)
        env.update({"TWILIO_API_BASE_URL": fake.url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "TWILIO_FROM_NUMBER": SERVICE_NUMBER})
        env["QUIETLINE_SWEEP_SECONDS"] = "5"  # the spool is replayed within seconds
        # As `make run`: gunicorn's master forks the RQ worker from the app it has built
        # (app/worker/beside_web.py), where a `python worker.py` built its own copy.
        env["QUIETLINE_WEB_RQ_WORKERS"] = "1"
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        port = free_port()
        web = start_process(stack, "gunicorn", [
            sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            directory / "gunicorn.log", env=env, port=port)
        wait_until(lambda: http_status(port, "GET", "/healthz") == 200, STACK_READY_TIMEOUT,
                   "gunicorn")
        sampler = stack.enter_context(StackSampler(web.process.pid, redis.process.pid))
        url = f"http://127.0.0.1:{port}"
        # Several at once, so that both web workers answer some and use the models.
        jobs = [(f"+447700900{200 + n:03d}", text) for n in range(12) for text in TEXTS[:4]]
        jobs += [(f"+447700900{300 + n:03d}", text) for n, text in enumerate(TEXTS)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda job: text_it(url, env["TWILIO_AUTH_TOKEN"], *job),
                                     jobs))
        # A database outage: the fail-safe answers a few first messages and spools them, and
        # the RQ worker's sweeper replays them once the database is back (with the language
        # guess the web process made: it loads no detector to read them).
        outage = [(f"+447700900{400 + n:03d}", text) for n, text in enumerate(OUTAGE_TEXTS)]
        with database_down(directory / "real.sqlite3"), \
                ThreadPoolExecutor(max_workers=len(outage)) as pool:
            statuses += list(pool.map(
                lambda job: text_it(url, env["TWILIO_AUTH_TOKEN"], *job), outage))
        jobs += outage
        spooled = spool_emptied(redis.port)
        # At rest: a few readings once the work is done. RQ's work-horses come and go (the
        # worker forks nothing else: its scheduler is a thread, app/worker/scheduled.py); one
        # alive in a reading belongs with the readings taken with a job running.
        sampler.stop()
        final: list[dict[str, dict[str, float]]] = []
        deadline = time.monotonic() + REST_SECONDS
        while len(final) < SAMPLES and time.monotonic() < deadline:
            time.sleep(1.0)
            if sampler.read() and not horses(sampler.samples[-1]):
                final.append(sampler.samples[-1])
        figures = largest(final)
        if figures is None:
            raise RuntimeError(f"no reading without a work-horse in {REST_SECONDS} s")
        running = largest([sample for sample in sampler.samples if horses(sample)])
        total = total_pss(figures)
        running_total = total_pss(running) if running else None
        met = total <= TARGET_MIB and (running_total is None or running_total <= TARGET_MIB)
        # Answered by the fail-safe (the outage above; also the database too slow, on a loaded
        # machine): the RQ worker then replays them.
        failsafe = (directory / "gunicorn.log").read_text(encoding="utf-8",
                                                          errors="replace").count(
            "event=sms.failsafe")
        return {"models": models, "git": git_revision(), "messages": len(jobs),
                "answered_200": statuses.count(200), "failsafe": failsafe,
                "spool_replayed": spooled, "sent_at_fake_twilio": len(fake.messages),
                "mib": figures,
                "total_mib": total, "target_mib": TARGET_MIB, "met": met,
                "job_running_mib": running, "job_running_total_mib": running_total,
                "job_running_readings": sum(1 for sample in sampler.samples if horses(sample)),
                "readings": len(sampler.samples),
                "load_average": os.getloadavg(), "guesses": guesses(models)}


@contextlib.contextmanager
def database_down(path: Path) -> Iterator[None]:
    """Inside the block every write to the SQLite database waits for a lock it never gets
    (the service's busy timeout is 10 s, then the fail-safe answers); reads still work."""
    # Waits for a write in progress (a job's, in a work-horse) rather than failing at once.
    holder = sqlite3.connect(path, timeout=60, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def spool_emptied(port: int) -> bool:
    """Whether the worker's sweeper replayed every spooled message within two minutes."""
    connection = redis_client.Redis(port=port)
    deadline = time.monotonic() + 120
    while connection.xlen(SPOOL_STREAM) and time.monotonic() < deadline:
        time.sleep(1.0)
    return int(connection.xlen(SPOOL_STREAM)) == 0


class StackSampler:
    """Reads the stack every SAMPLE_SECONDS on a thread until stopped, keeping every reading."""

    def __init__(self, master: int, redis: int) -> None:
        self.pids = (master, redis)
        self.samples: list[dict[str, dict[str, float]]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> StackSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def read(self) -> bool:
        """Read the stack once; whether the reading was whole (see `read_stack`)."""
        reading = read_stack(*self.pids)
        if reading is not None:
            self.samples.append(reading)
        return reading is not None

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(SAMPLE_SECONDS):
            self.read()


def horses(sample: dict[str, dict[str, float]]) -> int:
    """How many RQ work-horses (children of the RQ worker) were alive in a reading."""
    return sum(1 for name in sample if name.startswith("rq worker child"))


def total_pss(sample: dict[str, dict[str, float]]) -> float:
    return round(sum(figures["pss"] for figures in sample.values()), 1)


def largest(samples: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]] | None:
    return max(samples, key=total_pss, default=None)


def read_stack(master: int, redis: int) -> dict[str, dict[str, float]] | None:
    """Every process's figures, or None if a work-horse started or ended while they were read:
    the worker's PSS halves while a horse shares its pages, so a reading that caught the
    worker with a horse and missed the horse would show the stack smaller than it ever was.
    The RQ worker is the master's child named as app/worker/beside_web.py names it; None
    while there is none (before it is forked, or between two)."""
    forked = children(master)
    workers = [pid for pid in forked if is_rq_worker(pid)]
    if len(workers) != 1:
        return None
    worker = workers[0]
    horses = children(worker)
    processes = {"gunicorn master": master}
    for number, pid in enumerate((pid for pid in forked if pid != worker), 1):
        processes[f"gunicorn worker {number}"] = pid
    processes["rq worker"] = worker
    for number, pid in enumerate(horses, 1):
        processes[f"rq worker child {number}"] = pid
    processes["redis-server"] = redis
    figures: dict[str, dict[str, float]] = {}
    try:
        for name, pid in processes.items():
            figures[name] = {key: round(kib / 1024, 1) for key, kib in rollup_kib(pid).items()}
            figures[name]["detector"] = float(maps_detector(pid))
    except OSError:  # a work-horse that ended meanwhile
        return None
    return figures if children(worker) == horses else None


def is_rq_worker(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/comm").read_text().strip() == PROCESS_NAME.decode()
    return False


def maps_detector(pid: int) -> bool:
    """Whether the process has a detector loaded (lingua's library, or the n-gram file, is
    mapped): the web processes load it; the RQ worker and its children never use it (a spooled
    message carries its guess), but forked from gunicorn's master they share its mapping
    (with "accurate" or "small", the models' pages too), which costs them nothing of their
    own."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "/lingua/" in maps or NGRAM_FILE.name in maps


def guesses(models: str) -> dict[str, dict[str, Any]]:
    """How the language guess with these models reads the evaluation set's tuning parts
    (eval/messages/dev and opened; the held-out part is read once, by the lead, never here):
    right (the file's language), wrong (another language: the survivor is answered in it) or
    none (the default language and its menu), with each wrong guess and the time per guess.
    bench/language_guess.py compares other detectors the same way."""
    deployment = load_deployment(DEFAULT_CONFIG)
    guesser = LanguageGuesser(deployment.languages, models=models, preload=True)
    found: dict[str, dict[str, Any]] = {}
    for split in GUESS_SPLITS:
        counts: dict[str, Any] = {"right": 0, "wrong": 0, "none": 0}
        wrong: dict[str, int] = {}
        spent, guessed = 0.0, 0
        for path in sorted((ROOT / "eval" / "messages" / split).glob("*.yaml")):
            language = path.stem.split("-")[0]
            for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                started = time.perf_counter()
                guess = guesser.guess(item["text"])
                spent += time.perf_counter() - started
                guessed += 1
                if guess is not None and guess != language:
                    wrong[f"{language}->{guess}"] = wrong.get(f"{language}->{guess}", 0) + 1
                counts["none" if guess is None else "right" if guess == language
                       else "wrong"] += 1
        counts["wrong_guesses"] = dict(sorted(wrong.items()))
        counts["microseconds_per_guess"] = round(1e6 * spent / max(guessed, 1), 1)
        found[split] = counts
    return found


def main() -> int:
    results = [measure(models) for models in MODELS]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(results, indent=2) + "\n",
                                         encoding="utf-8")
    lines = ["Room on a small server: bench/memory.py. Memory per process of the make run stack",
             "(gunicorn with gunicorn.conf.py and 2 workers, one RQ worker that gunicorn's",
             "master forks from its app and the RQ worker's children, Redis) after a few dozen",
             "signed SMS, with each setting of [languages] models",
             "(the first is the default). PSS divides each shared page between the processes",
             "sharing it, so the PSS total is what the stack costs; private is what each",
             "process holds alone. The largest total at rest (no RQ work-horse alive) and the",
             "largest with one running a job, from readings every 50 ms while messages come in",
             "and a few at the end.",
             "Language guesses: the first messages of eval/messages/dev and opened, right /",
             "wrong / none (bench/language_guess.py compares other detectors).",
             f"git {results[0]['git']}", ""]
    for result in results:
        load = " ".join(f"{value:.1f}" for value in result["load_average"])
        lines.append(f"[languages] models = \"{result['models']}\" "
                     f"({result['answered_200']}/{result['messages']} answered 200, "
                     f"{result['failsafe']} by the fail-safe, "
                     f"{'all' if result['spool_replayed'] else 'NOT all'} replayed by the worker, "
                     f"{result['sent_at_fake_twilio']} texts sent to the fake Twilio; "
                     f"load average {load} on {os.cpu_count()} cores, shared)")
        lines += [f"  {name:<22} {mib['pss']:7.1f} MiB PSS  {mib['private']:7.1f} private  "
                  f"{mib['rss']:7.1f} RSS" + ("  (detector loaded)" if mib.get("detector") else "")
                  for name, mib in result["mib"].items()]
        lines.append(f"  {'total at rest':<22} {result['total_mib']:7.1f} MiB PSS")
        running = result["job_running_mib"]
        if running:
            lines.append(f"  with a job running (the largest of {result['job_running_readings']} "
                         f"of {result['readings']} readings that caught a work-horse):")
            lines += [f"    {name:<20} {mib['pss']:7.1f} MiB PSS  {mib['private']:7.1f} private"
                      for name, mib in running.items()
                      if name.startswith("rq worker")]
            lines.append(f"  {'total, job running':<22} {result['job_running_total_mib']:7.1f} "
                         "MiB PSS")
        else:
            lines.append(f"  no reading of {result['readings']} caught a job running")
        lines.append(f"  target at most {TARGET_MIB} MiB, at rest and with a job running: "
                     f"{'met' if result['met'] else 'NOT met'}")
        for split, counts in result["guesses"].items():
            wrong = ", ".join(f"{pair} {n}" for pair, n in counts["wrong_guesses"].items())
            lines.append(f"  language guesses on {split}: {counts['right']} right, "
                         f"{counts['wrong']} wrong ({wrong or 'none'}), {counts['none']} none; "
                         f"{counts['microseconds_per_guess']:.0f} µs per guess")
        lines.append("")
    (RESULTS / "memory.txt").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
