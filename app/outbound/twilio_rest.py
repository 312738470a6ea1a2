"""Outbound SMS and calls through Twilio's REST API, with errors that carry no number or text.

Besides the channels (`app.channels.sms`, `app.channels.voice`) this is the only module that
imports `twilio`; the calls are those of safe call-backs (app/casework/callbacks.py). It uses
Twilio's own SDK (`twilio.rest.Client`) so authentication, form encoding and error parsing are
Twilio's, not ours.

Threat model (docs/threat-model.md, A4): the SDK's exceptions echo what we sent. Twilio's error
text names the number ("The 'To' number +44... is not a valid phone number"), the request URL
carries the account and, when listing, the number in its query, and `requests` errors repeat
the URL. An exception that escapes a job lands in RQ's failure record in Redis and in the logs.
So every failure leaves here as a `SendError` that holds only a kind and Twilio's error code,
raised outside the `except` block so that neither `__cause__` nor `__context__` keeps the
original. For the same reason the HTTP client logs nothing: the SDK's own request log prints
the URL and query parameters.

Tests point `api_base_url` at a local fake Twilio (tests/support/fake_twilio.py): every
request the SDK makes to a *.twilio.com host goes to that base instead, with the same path and
query, so the real SDK code path runs against a real HTTP server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

T = TypeVar("T")

# Twilio error codes that mean "this To number cannot receive an SMS from us": not a valid
# number (21211, 21217, 21401), not a mobile (21614), a type or route without SMS (21407,
# 21612), a short code (21265). Retrying cannot help.
INVALID_NUMBER_CODES = frozenset({21211, 21217, 21265, 21401, 21407, 21612, 21614})
# The recipient sent STOP: Twilio refuses until they send START.
OPTED_OUT_CODE = 21610

_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
_CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
# How long Twilio lets the advocate's phone ring before it gives up (Twilio's default is 60):
# long enough to reach a phone in a bag, short enough that a voicemail greeting is unlikely
# to answer first on most networks (the answer step asks for a key press either way).
RING_SECONDS = 25
# The SDK falls back to os.environ for TWILIO_EDGE / TWILIO_REGION when given no (or an empty)
# mapping; settings are read once in app.config, so ambient variables must not reroute us.
_NO_AMBIENT_SETTINGS = {"TWILIO_EDGE": "", "TWILIO_REGION": ""}


class SendError(Exception):
    """A failed Twilio call, described only by kind and code: never the number or the text."""

    KINDS = frozenset({
        "invalid_number", "opted_out", "rate_limited", "provider_error", "timeout",
        "unreachable", "rejected",
    })
    RETRYABLE_KINDS = frozenset({"rate_limited", "provider_error", "timeout", "unreachable"})

    def __init__(self, kind: str, code: str | None = None, status: int | None = None) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown SendError kind {kind!r}")
        super().__init__(kind, code)
        self.kind = kind
        self.code = code
        self.status = status
        self.retryable = kind in self.RETRYABLE_KINDS

    def __str__(self) -> str:
        return f"twilio {self.kind}" + (f" (code {self.code})" if self.code else "")

    def __repr__(self) -> str:
        return f"SendError(kind={self.kind!r}, code={self.code!r})"


def error_for_status(status: int, code: int | None) -> SendError:
    """Map Twilio's HTTP status and error code to a SendError."""
    code_text = str(code) if code else str(status)
    if code in INVALID_NUMBER_CODES:
        kind = "invalid_number"
    elif code == OPTED_OUT_CODE:
        kind = "opted_out"
    elif status == 429:
        kind = "rate_limited"
    elif status >= 500:
        kind = "provider_error"
    else:
        kind = "rejected"
    return SendError(kind, code_text, status)


def _error_from_twilio(exc: TwilioException) -> SendError:
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return error_for_status(int(exc.status), _as_int(exc.code))
    # A list page that is not 200 raises a bare TwilioException("...", response).
    response: Any = exc.args[1] if len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return SendError("provider_error")
    try:
        code = _as_int(json.loads(response.text).get("code"))
    except (ValueError, AttributeError):
        code = None
    return error_for_status(status, code)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RedirectingHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending *.twilio.com requests to `base_url`, and logging nothing."""

    def __init__(self, *, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url) if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, self.redirected(url), *args, **kwargs)

    def redirected(self, url: str) -> str:
        """`url` with a *.twilio.com scheme and host replaced by `base_url`, if set."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if self.base is None or not (host == "twilio.com" or host.endswith(".twilio.com")):
            return url
        path = self.base.path.rstrip("/") + parts.path
        return urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, ""))

    # The SDK's request log prints the URL and query (a number, when listing) at INFO.
    def log_request(self, kwargs: dict[str, Any]) -> None:
        return None

    def log_response(self, status_code: int, response: Any) -> None:
        return None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


class TwilioSender:
    """Sends SMS from one Twilio number; one instance per worker process, closed at exit."""

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str | None = None, status_callback: str | None = None,
                 timeout: float = 10.0) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._from_number = from_number
        self._status_callback = status_callback
        self._http = RedirectingHttpClient(base_url=api_base_url, timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http,
                              environment=_NO_AMBIENT_SETTINGS)

    def load_resources(self) -> None:
        """Import the SDK's message and call resources now; no request is made.

        The SDK imports its API on first use, and the first `messages` or `calls` brings in
        about 90 modules (every resource of an account). In the RQ worker that first use
        used to happen inside each work-horse, the process RQ forks for one job and throws
        away, so every job that sent a text imported them again into pages of its own: about
        8 MiB more per horse (bench/memory.py). Called in the worker before it forks
        (app/worker/warm_up.py), the horses share the worker's copy."""
        _ = (self._client.messages, self._client.calls)

    def send(self, to: str, body: str) -> str:
        """Create the message; return Twilio's message SID. Raises SendError."""
        options: dict[str, str] = {"to": to, "from_": self._from_number, "body": body}
        if self._status_callback:
            options["status_callback"] = self._status_callback
        sid = self._translated(lambda: self._client.messages.create(**options).sid)
        if not isinstance(sid, str):
            raise SendError("provider_error")
        return sid

    def call(self, to: str, answer_url: str, status_url: str) -> str:
        """Start a voice call to `to` from our number (Calls resource); return its SID.

        When it is answered Twilio fetches `answer_url` for TwiML; when it ends it posts the
        final status to `status_url`. Both URLs carry an id of ours, never a number. Raises
        SendError (which never holds the number)."""
        options: dict[str, Any] = {
            "to": to, "from_": self._from_number, "url": answer_url, "method": "POST",
            "status_callback": status_url, "status_callback_method": "POST",
            "status_callback_event": ["completed"], "timeout": RING_SECONDS,
        }
        sid = self._translated(lambda: self._client.calls.create(**options).sid)
        if not isinstance(sid, str) or not _CALL_SID.match(sid):
            raise SendError("provider_error")
        return sid

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Reconciliation after a crash: the SID of a message already created to `to` from our
        number with exactly this body since `since`, or None (the newest of several). Raises
        SendError. See `sent_matching`."""
        found = self.sent_matching(to, body, since)
        return found[0] if found else None

    def sent_matching(self, to: str, body: str, since: datetime) -> list[str]:
        """The SIDs of every message created to `to` from our number with exactly this body
        since `since`, newest first. Raises SendError.

        Twilio filters DateSent by whole days (UTC), so we ask for `DateSent>=` the day of
        `since` and compare the creation time here, to the second (Twilio's precision). A naive
        `since` is taken as UTC. Twilio lists newest first.
        """
        since_utc = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
        since_utc = since_utc.replace(microsecond=0)

        def matches() -> list[str]:
            messages = self._client.messages.stream(
                to=to, from_=self._from_number, page_size=50,
                # A string is sent as is; a datetime would be sent with a time, which Twilio's
                # documented DateSent filter does not take.
                date_sent_after=since_utc.date().isoformat(),
            )
            return [str(message.sid) for message in messages
                    if message.body == body and message.date_created is not None
                    and message.date_created >= since_utc]

        return self._translated(matches)

    def delete(self, sid: str) -> bool:
        """Delete the provider's copy of a message or a call (Message or Call DELETE, by the
        id's kind); True if deleted or already gone (404).

        Raises SendError for any other failure; False if Twilio answered but did not delete.
        """
        if _CALL_SID.match(sid):
            resource = self._client.calls(sid)
        elif _MESSAGE_SID.match(sid):
            resource = self._client.messages(sid)
        else:
            raise ValueError("not a Twilio message or call SID")
        try:
            return bool(self._translated(resource.delete))
        except SendError as error:
            if error.status == 404:
                return True
            raise

    @staticmethod
    def is_message(sid: str) -> bool:
        """Whether a provider id names a message (which can be redacted) rather than a call."""
        return bool(_MESSAGE_SID.match(sid))

    def redact(self, sid: str) -> bool:
        """Blank the provider's copy of a message's body (POST with an empty Body), for a
        message the provider will not delete yet (error 20009); True if done or gone."""
        if not _MESSAGE_SID.match(sid):
            raise ValueError("not a Twilio message SID")
        try:
            self._translated(lambda: self._client.messages(sid).update(body=""))
        except SendError as error:
            if error.status == 404:
                return True
            raise
        return True

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self._http.close()

    def __enter__(self) -> TwilioSender:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    @staticmethod
    def _translated(call: Callable[[], T]) -> T:
        # The SendError is raised after the except blocks end, so Python attaches neither a
        # cause nor a context: the SDK's exception (URL, number, Twilio's text) is dropped.
        error: SendError
        try:
            return call()
        except TwilioException as exc:
            error = _error_from_twilio(exc)
        except ValueError:
            # A 2xx answer whose body is not the JSON Twilio documents.
            error = SendError("provider_error")
        except requests.Timeout:
            error = SendError("timeout")
        except requests.RequestException:
            error = SendError("unreachable")
        raise error
