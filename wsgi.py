"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import contextlib
import os
from collections.abc import Iterator

from app import create_app
from app.content import written_times
from app.private_files import restrict_new_files
from app.services import services

# Before anything is created: the database, its WAL, instance/ are the owner's only.
restrict_new_files()
app = create_app()
# gunicorn imports this module once in its master (preload_app): the language models and
# Babel's locale data loaded here are shared by every forked worker (bench/memory.py measures it).
with app.app_context():
    guesser = services().conversations.guesser
    if guesser is not None:
        guesser.preload()
    # The triage rules too (loaded on first use elsewhere): shared by the workers, and a
    # broken file stops a production start here rather than at a survivor's message.
    services().conversations.triage_source.load_now()
    # Babel's locale data, shared the same way (a worker would otherwise load its own copy).
    written_times.preload(services().settings.deployment.languages)


class _Forks:
    web_workers = True  # False while the master forks an RQ worker (`forking_rq_worker`)


def _checkpoint_in_each_worker() -> None:
    """In each web worker gunicorn forks: SQLite's WAL checkpoints run in a thread of the
    worker, not inside a survivor's request (app/storage/db.py `checkpoint_in_background`).
    Not in the master: a thread there could be inside SQLite when it forks a worker. Nor in an
    RQ worker it forks, nor (inherited) in that worker's work-horses, for the same reason: the
    sweeper's fork guard (app/worker/sweeper.py) does not cover the thread."""
    if not _Forks.web_workers:
        return
    with app.app_context():
        services().database.checkpoint_in_background()


@contextlib.contextmanager
def forking_rq_worker() -> Iterator[None]:
    """Fork an RQ worker inside this (gunicorn.conf.py): it starts no checkpoint thread."""
    _Forks.web_workers = False
    try:
        yield
    finally:
        _Forks.web_workers = True


os.register_at_fork(after_in_child=_checkpoint_in_each_worker)
