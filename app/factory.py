"""The app factory: `create_app(settings)` only wires things together.

Each register_* function does one job. Reached through `app.create_app`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from app import advocates, cli, services
from app.channels import sms, voice, webchat
from app.config import Settings, settings_from_environment
from app.logs import configure_logging
from app.web import errors, health, hosts

# Twilio's bodies are at most 1,600 characters; anything far larger is not a message.
MAX_REQUEST_BYTES = 256 * 1024


def create_app(settings: Settings | None = None,
               clock: Callable[[], datetime] | None = None) -> Flask:
    """The app for `settings` (from the environment if None); `clock` lets tests move time."""
    settings = settings or settings_from_environment()
    configure_logging()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Sessions signed under an older SECRET_KEY that is still listed stay valid, so a
        # rotation does not sign every advocate out mid-shift.
        SECRET_KEY_FALLBACKS=list(settings.signing_keys[1:]),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # The only cookie Quietline sets is the advocates' session, and only under /advocates:
        # the survivor-facing pages never send or receive it (docs/threat-model.md, A1).
        SESSION_COOKIE_NAME="quietline_staff",
        SESSION_COOKIE_PATH="/advocates",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.production,
    )
    if settings.trusted_proxies:
        # Behind the TLS proxy every request comes from 127.0.0.1; believe the proxy's
        # X-Forwarded-For, or one advocate's wrong passwords would lock every sign-in.
        app.wsgi_app = ProxyFix(app.wsgi_app,  # type: ignore[method-assign]
                                x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies)
    register_services(app, settings, clock or services.utc_now)
    register_request_hooks(app, settings)
    register_blueprints(app, settings)
    register_errors(app)
    register_cli(app)
    return app


def register_services(app: Flask, settings: Settings,
                      clock: Callable[[], datetime]) -> None:
    services.init_app(app, settings, clock)


def register_request_hooks(app: Flask, settings: Settings) -> None:
    @app.before_request
    def assign_request_id() -> None:
        # A random id per request ties log lines together without identifying anyone.
        g.request_id = secrets.token_hex(8)

    # After the request id: the staff host rule, and the headers of every survivor-side answer.
    hosts.init_app(app, settings)

    @app.after_request
    def baseline_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def register_blueprints(app: Flask, settings: Settings) -> None:
    app.register_blueprint(sms.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(health.bp)
    webchat.init_app(app, settings.deployment.cover)
    advocates.init_app(app)


def register_errors(app: Flask) -> None:
    errors.init_app(app)


def register_cli(app: Flask) -> None:
    cli.init_app(app)
