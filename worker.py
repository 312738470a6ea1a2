"""Run an RQ worker for Quietline's queues: `python worker.py`.

The worker holds one app (and so one set of services) for its lifetime; jobs take ids and open
their own database sessions from it. Beside it runs the sweeper (app/worker/sweeper.py), which
re-enqueues whatever the database says is unfinished, so a job lost with a killed worker is
done by the next one.
"""

from __future__ import annotations

import logging
import sys

from rq import Worker

from app import create_app
from app.config import ConfigError
from app.dispatch import QUEUE_NAMES
from app.services import services
from app.worker.sweeper import Sweeper


def main() -> int:
    try:
        app = create_app()
    except ConfigError as error:
        print(f"worker: {error}", file=sys.stderr)  # noqa: T201 -- the operator must see why
        return 2
    with app.app_context():
        sweeper = Sweeper(app)
        sweeper.start()
        worker = Worker(list(QUEUE_NAMES), connection=services().redis)
        logging.getLogger(__name__).info("event=worker.start queues=%s", ",".join(QUEUE_NAMES))
        try:
            worker.work(with_scheduler=True, logging_level="INFO")
        finally:
            sweeper.stop()
            services().close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
