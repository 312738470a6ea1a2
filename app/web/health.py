"""`GET /healthz`: can this instance answer survivors, and are its helpers reachable?

It answers 200 while the database is reachable, because SMS replies are made inside the
request and need nothing else; Redis or the worker being down makes the status "degraded"
(escalation alerts wait) but does not take the web tier out of a load balancer. It reveals no
versions, URLs or secrets.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, jsonify
from rq import Worker
from sqlalchemy import text

from app.services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

WORKER_SEEN_WITHIN = timedelta(seconds=90)


def database_ok() -> bool:
    try:
        with services().database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 -- any failure means "unreachable" here
        return False
    return True


def redis_ok() -> bool:
    try:
        return bool(services().redis.ping())
    except Exception:  # noqa: BLE001
        return False


def worker_seen() -> bool:
    try:
        workers = Worker.all(connection=services().redis)
    except Exception:  # noqa: BLE001
        return False
    now = datetime.now(UTC)
    for worker in workers:
        beat = worker.last_heartbeat
        if beat is None:
            continue
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        if now - beat <= WORKER_SEEN_WITHIN:
            return True
    return False


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {"database": database_ok(), "redis": redis_ok()}
    checks["worker"] = checks["redis"] and worker_seen()
    status = "ok" if all(checks.values()) else "degraded"
    code = 200 if checks["database"] else 503
    if status != "ok":
        log.warning("event=health.degraded %s",
                    " ".join(f"{name}={ok}" for name, ok in checks.items()))
    response = jsonify({
        "status": status,
        "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
    })
    response.headers["Cache-Control"] = "no-store"
    return response, code
