"""The advocates' workspace: sign-in, the queue, cases and replies. Deny by default.

docs/threat-model.md, A3: every route here needs a signed-in advocate whose role allows it,
except the short allowlist below; every state change is a POST with a CSRF token; pages carry
a strict CSP with no inline script, so survivor text that an advocate reads (always escaped
by Jinja) cannot run. The staff cookie is scoped to /advocates, so the survivor-facing pages
never receive or set it.

An edge: views parse the request, call one service (`app.casework`, `app.staff`, `app.audit`,
`app.reporting` through `app.services`) and render; `answers` turns the services' named
exceptions into pages. May import `app.services` and everything below it; never another edge.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import staff_session
from app.services import services
from app.storage.times import utc

log = logging.getLogger(__name__)
bp = Blueprint("advocates", __name__, url_prefix="/advocates", static_folder="static")

# The only views reachable without a signed-in advocate.
PUBLIC_ENDPOINTS = frozenset({"advocates.login", "advocates.static"})
# Requests a page makes on its own (the queue's polling): they need a live session but do
# not keep it alive, so an open page still signs out when nobody is using it.
PASSIVE_ENDPOINTS = frozenset({"advocates.queue_json", "advocates.case_live"})
CSP = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
))


# The largest id an `Integer` column holds on both databases (PostgreSQL's integer is 32-bit,
# SQLite's 64-bit). A larger number in a URL made the driver raise instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


@bp.url_value_preprocessor
def refuse_impossible_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no row can have is an unknown case: the same 404 as any other, never a 500."""
    if values and any(isinstance(value, int) and value > MAX_ROW_ID
                      for value in values.values()):
        abort(404)


def _holds_nul() -> bool:
    """A NUL character anywhere in the query string or the form. PostgreSQL's text cannot
    hold one (its driver raises before the query runs), so a NUL that reached a look-up or an
    insert (the sign-in e-mail, an audit filter, a canned reply) was a 500 there; nobody types
    one, so the whole request is refused, before anything is read or stored."""
    return any("\x00" in text for values in (request.args, request.form)
               for key, value in values.items(multi=True) for text in (key, value))


@bp.before_request
def require_sign_in() -> BaseResponse | None:
    if _holds_nul():
        log.warning("event=advocates.nul_refused request_id=%s", g.request_id)
        return Response(render_template("advocates/message.html", title="That was not sent",
                                        text="It held a character that cannot be saved. "
                                             "Go back, retype it and try again."), status=400)
    if request.method == "POST" and not staff_session.csrf_ok():
        log.warning("event=advocates.csrf_refused request_id=%s", g.request_id)
        return Response(render_template("advocates/message.html", title="This form has expired",
                                        text="Reload the page and try again."), status=400)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    member = staff_session.current(action=request.endpoint not in PASSIVE_ENDPOINTS)
    if member is None:
        if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
            return Response('{"error": "signed_out"}', status=401, mimetype="application/json")
        return redirect(url_for("advocates.login"))
    g.staff = member
    return None


def staff_headers(response: Response) -> Response:
    """On every answer under /advocates, including a 404 or 405 that matched no route (a
    blueprint's own after_request would miss those)."""
    if not request.path.startswith(bp.url_prefix or "/advocates"):
        return response
    if not services().settings.serves_staff_pages(request.host):
        return response  # the survivor's host: a plain 404 with app.web.hosts' headers
    response.headers["Content-Security-Policy"] = CSP
    # Staff pages show survivors' words: never cached, by the browser or anything between.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def init_app(app: Flask) -> None:
    # Imported for their routes and error handlers on `bp`.
    from app.advocates import (  # noqa: F401, PLC0415
        answers,
        audit_views,
        auth,
        call_views,
        canned_views,
        case_views,
        handover_views,
        held_views,
        kept_views,
        queue_views,
        records_views,
        report_views,
        search_views,
        session_views,
        sla_views,
        staff_views,
    )

    app.register_blueprint(bp)
    app.after_request(staff_headers)
    app.jinja_env.globals["csrf_token"] = staff_session.csrf_token
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.globals["call_panel"] = call_views.call_panel


def local_time(moment: datetime | None, pattern: str = "%a %d %b %H:%M") -> str:
    """A stored (UTC) time as the partnership's wall-clock time, which is what advocates and
    the survivors' safe windows mean by a time."""
    if moment is None:
        return ""
    zone = ZoneInfo(services().settings.deployment.opening_hours.timezone)
    return utc(moment).astimezone(zone).strftime(pattern)
