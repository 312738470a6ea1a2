"""The composition root: the services one app instance uses, built once from its settings.

Views and commands reach them through `services()`, never through module globals, so two apps
(e.g. in tests) never share a database engine, a keyring or a Redis connection.

`wiring` builds every service with what it needs (`Services`, `build_services`); `start_up`
reads the partnership's files and refuses a production start that would fail survivors;
`redis_client` connects to Redis. Callers import these names from `app.services`.

May import: every concern (conversation, casework, lifecycle, reporting, staff, outbound,
audit, content, storage, flows) and the foundation; never an edge (channels, advocates,
worker, cli, web) or the factory, which import it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from app.config import Settings
from app.services.redis_client import connect_redis
from app.services.start_up import (
    load_catalogues,
    load_conversation_flow,
    load_referral_agencies,
    load_risk_checklist,
    load_second_opinion,
    load_triage,
    refuse_unchecked_content,
    refuse_unlisted_contact_keys,
    refuse_unwritable_instance,
)
from app.services.wiring import Services, build_services, utc_now

EXTENSION = "quietline"

__all__ = [
    "EXTENSION",
    "Services",
    "build_services",
    "connect_redis",
    "init_app",
    "load_catalogues",
    "load_conversation_flow",
    "load_referral_agencies",
    "load_risk_checklist",
    "load_second_opinion",
    "load_triage",
    "refuse_unchecked_content",
    "refuse_unlisted_contact_keys",
    "refuse_unwritable_instance",
    "services",
    "utc_now",
]


def init_app(app: Flask, settings: Settings,
             clock: Callable[[], datetime] = utc_now) -> Services:
    built = build_services(settings, clock)
    app.extensions[EXTENSION] = built
    return built


def services() -> Services:
    built: Services = current_app.extensions[EXTENSION]
    return built
