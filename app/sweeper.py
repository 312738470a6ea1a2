"""The sweeper thread that worker.py runs beside the RQ worker.

Every `sweep_seconds` it takes a short Redis lock (so with several workers one sweeps per
interval) and runs `tasks.sweep()`, which enqueues whatever the database says is unfinished:
notifications not yet done, replies due, leases that expired because a worker died. If Redis
is down it waits and tries again; it never stops the worker.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from app.logs import exception_summary
from app.services import services

log = logging.getLogger(__name__)
LOCK = "quietline:sweeper-lock"


class Sweeper:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quietline-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from app import tasks  # noqa: PLC0415 -- jobs import services; keep worker start light

        with self.app.app_context():
            interval = services().settings.sweep_seconds
            while not self._stop.is_set():
                try:
                    # The lock expires a little before the next interval, so one of several
                    # workers sweeps each time and a dead sweeper never blocks the others.
                    if services().redis.set(LOCK, "1", nx=True, px=int(interval * 900)):
                        tasks.sweep()
                        tasks.schedule_daily_purge()
                except Exception as error:  # noqa: BLE001 -- keep sweeping whatever failed
                    log.warning("event=sweep.failed %s", exception_summary(error))
                self._stop.wait(interval)
