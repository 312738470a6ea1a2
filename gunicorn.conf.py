"""gunicorn settings read automatically from the project root (`gunicorn wsgi:app`).

The access log leaves out the client's address and the query string: no IP addresses are kept
about anyone who uses the service (docs/threat-model.md, "What we do not do"), and our URLs carry
no content, but a misconfigured client's might.
"""

import contextlib
import ctypes
import gc
from collections.abc import Iterator
from typing import Any

access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# A survivor's reply is made inside the request; a request that takes longer than this is
# stuck, and Twilio will have used the Fallback URL already.
timeout = 30
forwarded_allow_ips = "127.0.0.1"
# Build the app once in the master and fork the workers from it, so the language models
# (app/content/language.py, 160-290 MiB) are loaded once and shared. The app opens no database or
# Redis connection while it is built, so no connection crosses the fork.
preload_app = True
# Browsers (the web chat) open connections they leave idle; a sync worker would sit on one
# until `timeout`. Threads keep the other requests moving. Behind a buffering proxy (nginx)
# in production this matters less, but `make run` serves browsers directly.
worker_class = "gthread"
threads = 8
# Files and sockets gunicorn itself creates are its owner's only, like the app's (wsgi.py).
umask = 0o077
# gunicorn 24 and later open a control socket by default, at one path per user
# ($HOME/.gunicorn/gunicorn.ctl) whatever the instance, served by a thread in the master.
# Nothing here uses it: it would be one more way to reload or stop the service, two
# instances on one host would take each other's socket, and the master forks the RQ worker
# (app/worker/beside_web.py) where no thread of its own should be running.
control_socket_disable = True
# How long a forked RQ worker may take to finish its job when the master stops (when_ready).
RQ_STOP_SECONDS = 110


def pre_fork(server: object, worker: object) -> None:
    """Freeze the preloaded app's objects before each worker is forked (gc.freeze), so the
    workers keep sharing their pages with the master.

    A fork shares the master's memory until a page is written. CPython's cycle collector
    writes into every object it examines, so the first full collection in a worker used to
    copy nearly all of the app (about 60 MiB per worker, bench/memory.py). Frozen objects are
    never examined; they live as long as the app does anyway.

    Then the C allocator gives back what it holds free: loading the accurate language
    models leaves 30-70 MiB of freed heap behind (lingua loads them on several threads), which
    every worker would otherwise inherit.
    """
    gc.collect()
    gc.freeze()
    give_back_free_memory()


def when_ready(server: Any) -> None:
    """Fork the RQ workers QUIETLINE_WEB_RQ_WORKERS asks for from the app built here, and
    keep them running while the master runs (app/worker/beside_web.py): on one small server
    they share this app's pages with the web workers instead of building their own copy.
    Before the web workers are forked, and before gunicorn starts its control socket's thread."""
    import wsgi  # noqa: PLC0415 -- the preloaded app (imported already)
    from app.services import services  # noqa: PLC0415
    from app.worker.beside_web import ForkedWorkers, leave_master  # noqa: PLC0415

    with wsgi.app.app_context():
        count = services().settings.web_rq_workers
    if not count:
        return

    @contextlib.contextmanager
    def around_fork() -> Iterator[None]:
        gc.collect()
        gc.freeze()  # as pre_fork, for the same reason
        give_back_free_memory()
        with wsgi.forking_rq_worker():
            yield

    def in_child() -> None:
        leave_master(server.SIGNALS, [listener.fileno() for listener in server.LISTENERS])

    def run() -> int:
        import worker  # noqa: PLC0415 -- the entry point, imported in the child only

        return worker.main(wsgi.app)

    workers = ForkedWorkers(count, run, around_fork=around_fork, in_child=in_child)
    workers.keep_running()
    # The master calls manage_workers about once a second, and after each signal.
    manage_workers = server.manage_workers

    def manage_all() -> None:
        manage_workers()
        workers.keep_running()

    server.manage_workers = manage_all
    server.quietline_rq_workers = workers


def on_exit(server: Any) -> None:
    """Stop the forked RQ workers (SIGTERM: each finishes its job) once the web workers have
    stopped, waiting as long as systemd gives a worker unit (TimeoutStopSec)."""
    workers = getattr(server, "quietline_rq_workers", None)
    if workers is not None:
        workers.stop(timeout=RQ_STOP_SECONDS)


def give_back_free_memory() -> None:
    """glibc's malloc_trim(0): free heap pages go back to the system. Elsewhere a no-op."""
    malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)


def on_starting(server: object) -> None:
    """Send no `Server` header: it would name the software behind the cover site.

    gunicorn writes "Server: gunicorn" into every HTTP/1 answer and has no setting to turn it
    off, so the line is filtered out of its default headers here, in the master, before any
    worker is forked (tests/foundation/test_staff_host_server.py checks a real gunicorn).
    Behind nginx its own header replaces this one (`server_tokens off`, docs/deploy.md).
    """
    from gunicorn.http import wsgi  # noqa: PLC0415 -- only gunicorn's process has it loaded

    default_headers = wsgi.Response.default_headers
    if getattr(default_headers, "quietline_without_server", False):
        return

    def without_server(self: wsgi.Response) -> list[str]:
        return [line for line in default_headers(self)
                if not line.lower().startswith("server:")]

    without_server.quietline_without_server = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = without_server  # type: ignore[method-assign]
