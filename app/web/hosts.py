"""Which host answers what: the advocates' host, and the survivor's host that shows the cover.

Threat (docs/threat-model.md, A1): the abuser has the survivor's browser and sees the cover
site's address in its history. Typing `/advocates/login` after it, or opening the webhook
fallback, must not show "Quietline advocates" or the helpline text. With QUIETLINE_STAFF_HOST
set, every host except that one is the survivor's: the staff pages there, and anything but a
POST to the webhooks, are the same plain 404 as an address that does not exist, byte for byte;
so is `/healthz` when asked by name rather than by IP address (how probes call it).
Twilio's POSTs are still answered on every host (the signature, checked against
PUBLIC_BASE_URL, decides; the fallback answers any POST), so a console set to either host
never leaves a survivor without a reply.

Every answer that is not a staff page, errors included, is never cached, sends no referrer
and carries a strict Content-Security-Policy: a 404 or 500 page must leave no more trace in
the survivor's browser than the chat does. Without the setting (development) one host serves
everything, as before, and only the headers apply.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, request
from werkzeug.exceptions import NotFound

from app.config import Settings, split_host
from app.web.errors import http_error

STAFF_PREFIX = "/advocates"
HEALTH_PATH = "/healthz"
WEBHOOK_PREFIX = "/webhooks/"
# For answers that set no policy of their own (errors, TwiML, JSON): nothing may load or run.
STRICT_CSP = "; ".join((
    "default-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
))


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def names_an_address(host: str) -> bool:
    """Whether a Host header is an IP address (with or without a port), not a name.

    Load balancers and process managers probe `/healthz` by address; a person in a browser
    reaches the service by the cover site's name.
    """
    name, _port = split_host(host)
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return name == "localhost"
    return True


def init_app(app: Flask, settings: Settings) -> None:
    """Install the host rule (after the request id is assigned) and the survivor headers."""

    @app.before_request
    def hide_from_the_survivor_host() -> Response | None:
        if settings.serves_staff_pages(request.host):
            return None
        path = request.path
        staff = is_staff_path(path) or request.blueprint == "advocates"
        webhook_read = path.startswith(WEBHOOK_PREFIX) and request.method != "POST"
        # The health JSON names parts ("database", "worker"), not the service, but on the
        # cover site's name it would still show that something other than a hobby site runs
        # there: it answers by address (how probes call it) and on the staff host only.
        health_by_name = path == HEALTH_PATH and not names_an_address(request.host)
        if staff or webhook_read or health_by_name:
            # Answered here, by the handler an unknown address gets, rather than raised: a
            # blueprint's own error handler (the SMS one answers every error with TwiML)
            # would otherwise make the answer differ.
            return http_error(NotFound())
        return None

    @app.after_request
    def survivor_headers(response: Response) -> Response:
        if is_staff_path(request.path) and settings.serves_staff_pages(request.host):
            return response  # a staff page: app.advocates.staff_headers sets its own
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
        response.headers["Referrer-Policy"] = "no-referrer"
        # The chat's pages set their own policy (their script and styles by hash).
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        return response
