"""Load in the RQ worker, once, what every work-horse would otherwise load for itself.

RQ runs each job in a process forked from the worker (the work-horse) and throws it away
after the job. A fork shares the worker's memory until a page is written, so what the
worker has loaded before it forks costs the stack once; what a horse loads, imports or
builds for its job lands in pages of its own, and is paid again by every horse (issue 22,
item 6: the `make run` stack in 300 MiB, measured by bench/memory.py with a job running).
Measured there, each horse imported the jobs module and Twilio's REST resources (about 90
modules) on its first text, and held about 8 MiB more than a horse forked after the worker
had them.

Nothing here reads or writes data, or connects to the database, Redis or Twilio: the warm-up
is the same whether or not they are up, and leaves no pooled connection to cross a fork.
"""

from __future__ import annotations

import importlib
import logging

from sqlalchemy.orm import configure_mappers

from app.dispatch import JOB_PATHS
from app.services import Services

log = logging.getLogger(__name__)


def warm_for_jobs(built: Services) -> None:
    """Import the jobs and the Twilio resources they send with, configure the ORM's mappers,
    and empty the engine's pool. Call it before the worker freezes its objects and forks."""
    for module in sorted({path.rsplit(".", 1)[0] for path in JOB_PATHS}):
        importlib.import_module(module)  # RQ imports each job by its path, in the horse
    configure_mappers()  # otherwise done on the first query of each horse
    built.sender().load_resources()
    # The warm-up opens none, but a connection made while the app was built (a production
    # start-up check) must not be inherited: each horse opens its own (app/storage/db.py).
    built.database.engine.dispose()
    log.info("event=worker.warmed")
