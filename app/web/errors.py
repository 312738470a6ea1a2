"""Plain, safe answers for errors outside a view's own handling: never a stack trace.

The SMS blueprint has its own handler that answers with the fail-safe TwiML; this is for
everything else (unknown routes, wrong methods, the health check).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from app.logs import exception_summary

log = logging.getLogger(__name__)

_MESSAGES = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request too large.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def http_error(error: HTTPException) -> Response:
    code = error.code or 500
    text = _MESSAGES.get(code, "Something went wrong.")
    if code == 405 and request.path.startswith("/webhooks/"):
        # The likeliest cause is a Twilio console set to GET; say how to fix it.
        text += " Twilio must call this address with HTTP POST."
    response = Response(text + "\n", status=code, mimetype="text/plain")
    for name, value in error.get_headers():
        if name == "Allow":
            response.headers[name] = value
    return response


def unexpected_error(error: Exception) -> Response:
    log.error("event=http.error request_id=%s %s", g.get("request_id", "-"),
              exception_summary(error))
    text = "Something went wrong. If you are in danger, call 999.\n"
    return Response(text, status=500, mimetype="text/plain")
