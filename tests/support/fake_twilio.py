"""A fake of Twilio's Messages and Calls REST API, served over real HTTP on 127.0.0.1 for tests.

Twilio's API cannot run here, and the safety tests need to count deliveries (docs/threat-model.md,
A5: "a pending reply is sent exactly once" after a worker is killed; A4: erasure "saw the
DELETE"). So this is a real HTTP server on a free port that answers the requests Twilio's
Python SDK makes, shaped closely enough for the SDK to parse them: create, list (with To, From
and DateSent filters, by whole days as Twilio does), fetch and delete of Message resources,
with HTTP basic auth; and create of Call resources (safe call-backs: who is rung, from which
number, which TwiML URL). It runs in a thread of the test process, and other processes (an RQ
worker started by a test) reach it through `url`.

The next creates can be told to fail (`fail_next`), to be accepted but never answered until
`release()` (`hold_next`: a worker killed mid-request), or to answer late (`delay_next`: a
client timeout). Error messages echo the To number, as Twilio's do, so canary tests prove the
adapter drops them. Test-only: nothing here is secret-safe.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import sys
import threading
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.servers import wait_for

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
API_VERSION = "2010-04-01"
_ROUTE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages(?:/(?P<sid>[^/]+))?\.json$"
)
_CALLS = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls\.json$")
_CALL = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/(?P<sid>[^/]+)\.json$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    created_at: datetime


@dataclass(frozen=True)
class PlacedCall:
    """A call created through the Calls resource (safe call-backs): where Twilio would fetch
    TwiML when it is answered, and where it would post the final status."""

    sid: str
    to: str
    from_: str
    url: str
    method: str
    status_callback: str | None
    status_callback_events: tuple[str, ...]
    timeout: str | None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    status: int
    query: str = ""


@dataclass(frozen=True)
class _Plan:
    """What the fake does with one coming create: fail, hold or delay."""

    action: str
    status: int = 0
    code: int | None = None
    seconds: float = 0.0


@dataclass
class _Answer:
    status: int
    payload: dict[str, Any] | None = None


class FakeTwilio:
    """The fake server. Use as `with FakeTwilio() as twilio:` or start() ... stop()."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._lock = threading.Lock()
        self._messages: list[SentMessage] = []
        self._deleted: list[str] = []
        self._redacted: list[str] = []
        self._delete_refusals: deque[tuple[int, int]] = deque()
        self._requests: list[RecordedRequest] = []
        self._calls: list[PlacedCall] = []
        self._dialled_legs: list[str] = []
        self._call_failures: deque[tuple[int, int | None]] = deque()
        self._plans: deque[_Plan] = deque()
        self._release = threading.Event()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-twilio", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Answer held and delayed requests, stop serving and wait for every handler."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self.release()
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads (block_on_close)
        self._thread.join(timeout=10)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # -- programmed behaviour for the next creates ---------------------------------------

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        """Answer the next `times` creates with a Twilio error, recording no message."""
        with self._lock:
            self._plans.extend([_Plan("fail", status=status, code=code)] * times)

    def hold_next(self, times: int = 1) -> None:
        """Accept (record) the next `times` creates but answer only after `release()`."""
        with self._lock:
            self._plans.extend([_Plan("hold")] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Accept (record) the next `times` creates and answer `seconds` later."""
        with self._lock:
            self._plans.extend([_Plan("delay", seconds=seconds)] * times)

    def fail_next_call(self, status: int, code: int | None = None) -> None:
        """Answer the next Calls create with a Twilio error, placing no call."""
        with self._lock:
            self._call_failures.append((status, code))

    @property
    def calls(self) -> list[PlacedCall]:
        """Every call created, oldest first."""
        with self._lock:
            return list(self._calls)

    def add_dialled_leg(self, sid: str) -> None:
        """A call Twilio made itself for a <Dial> (the survivor's leg of a call-back), so a
        DELETE of its record can be seen."""
        with self._lock:
            self._dialled_legs.append(sid)

    def add_inbound(self, sid: str, from_: str, to: str, body: str) -> None:
        """A message a survivor sent, as Twilio keeps it (so a DELETE of it can be seen)."""
        with self._lock:
            self._messages.append(SentMessage(sid=sid, to=to, from_=from_, body=body,
                                              status_callback=None,
                                              created_at=datetime.now(UTC)))

    def refuse_delete_next(self, status: int = 400, code: int = 20009, times: int = 1) -> None:
        """Answer the next `times` DELETEs with an error (20009: not final yet)."""
        with self._lock:
            self._delete_refusals.extend([(status, code)] * times)

    @property
    def redacted(self) -> list[str]:
        """SIDs whose body was blanked with POST Body=''."""
        with self._lock:
            return list(self._redacted)

    def body_of(self, sid: str) -> str | None:
        with self._lock:
            found = next((m for m in self._messages if m.sid == sid), None)
            return None if found is None else found.body

    def release(self) -> None:
        """Let every held request answer; later holds wait for the next release()."""
        with self._lock:
            released, self._release = self._release, threading.Event()
        released.set()

    # -- inspection ---------------------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        """Every message accepted, oldest first, including any deleted since."""
        with self._lock:
            return list(self._messages)

    @property
    def deleted(self) -> list[str]:
        with self._lock:
            return list(self._deleted)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def count(self, to: str | None = None, body: str | None = None) -> int:
        return sum(
            1 for message in self.messages
            if (to is None or message.to == to) and (body is None or message.body == body)
        )

    def wait_for(self, count: int, timeout: float = 10.0) -> list[SentMessage]:
        """Poll until at least `count` messages were accepted; return them."""
        wait_for(lambda: len(self.messages) >= count, timeout, f"{count} messages at Twilio")
        return self.messages

    # -- request handling (called on the server's handler threads) ------------------------

    def handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        answer = self._answer(handler, parts.path, parts.query)
        with self._lock:
            self._requests.append(
                RecordedRequest(handler.command, parts.path, answer.status, parts.query)
            )
        handler.send_json(answer.status, answer.payload)

    def _answer(self, handler: _Handler, path: str, query: str) -> _Answer:
        if not self._authenticated(handler.headers.get("Authorization", "")):
            return _error(401, 20003, "Authenticate")
        calls = self._answer_calls(handler, path)
        if calls is not None:
            return calls
        route = _ROUTE.match(path)
        if route is None or route["account"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {path} was not found")
        sid, method = route["sid"], handler.command
        routes: dict[tuple[bool, str], Any] = {
            (False, "POST"): lambda: self._create(handler.form()),
            (False, "GET"): lambda: self._list(parse_qs(query, keep_blank_values=True)),
            (True, "GET"): lambda: self._fetch_or_delete(method, sid, path),
            (True, "DELETE"): lambda: self._fetch_or_delete(method, sid, path),
            (True, "POST"): lambda: self._update(sid, path, handler.form()),
        }
        chosen = routes.get((sid is not None, method))
        return chosen() if chosen else _error(405, 20004, "Method not allowed")

    def _answer_calls(self, handler: _Handler, path: str) -> _Answer | None:
        """The Calls resource: create (POST to the list) and delete (DELETE of one)."""
        one_call = _CALL.match(path)
        if one_call is not None and one_call["account"] == self.account_sid:
            if handler.command != "DELETE":
                return _error(405, 20004, "Method not allowed")
            return self._delete_call(one_call["sid"], path)
        calls = _CALLS.match(path)
        if calls is not None and calls["account"] == self.account_sid:
            if handler.command != "POST":
                return _error(405, 20004, "Method not allowed")
            return self._create_call(handler.form_lists())
        return None

    def _delete_call(self, sid: str, path: str) -> _Answer:
        """A call's record: 404 if unknown or already deleted; the refusals planned with
        `refuse_delete_next` apply here too (Twilio will not delete a call in progress)."""
        with self._lock:
            known = sid in self._dialled_legs or any(c.sid == sid for c in self._calls)
            if not known or sid in self._deleted:
                return _error(404, 20404, f"The requested resource {path} was not found")
            if self._delete_refusals:
                status, code = self._delete_refusals.popleft()
                return _error(status, code, "Cannot delete this resource before it is "
                                            "complete")
            self._deleted.append(sid)
            return _Answer(204)

    def _authenticated(self, header: str) -> bool:
        expected = f"{self.account_sid}:{self.auth_token}".encode()
        scheme, _, encoded = header.partition(" ")
        try:
            given = base64.b64decode(encoded, validate=True)
        except ValueError:
            return False
        return scheme == "Basic" and hmac.compare_digest(given, expected)

    def _create(self, form: dict[str, str]) -> _Answer:
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        with self._lock:
            plan = self._plans.popleft() if self._plans else _Plan("answer")
            release = self._release
        if plan.action == "fail":
            return _error(plan.status, plan.code, f"Error for the 'To' number {to}: {body}")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not from_:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        message = SentMessage(
            sid="SM" + secrets.token_hex(16), to=to, from_=from_, body=body,
            status_callback=form.get("StatusCallback"), created_at=datetime.now(UTC),
        )
        with self._lock:
            self._messages.append(message)
        if plan.action == "hold":
            release.wait()
        elif plan.action == "delay":
            self._stopping.wait(plan.seconds)
        return _Answer(201, self._message_json(message, sent=False))

    def _create_call(self, form: dict[str, list[str]]) -> _Answer:
        def one(name: str) -> str:
            return form.get(name, [""])[0]

        to, from_, url = one("To"), one("From"), one("Url")
        with self._lock:
            failure = self._call_failures.popleft() if self._call_failures else None
        if failure is not None:
            # Twilio's error text names the number, so canary tests see the adapter drop it.
            return _error(failure[0], failure[1], f"The phone number {to} is not valid")
        if not to or not from_ or not url:
            return _error(400, 21205, "To, From and Url are required.")
        call = PlacedCall(sid="CA" + secrets.token_hex(16), to=to, from_=from_, url=url,
                          method=one("Method") or "POST",
                          status_callback=one("StatusCallback") or None,
                          status_callback_events=tuple(form.get("StatusCallbackEvent", [])),
                          timeout=one("Timeout") or None)
        with self._lock:
            self._calls.append(call)
        created = format_datetime(datetime.now(UTC))
        return _Answer(201, {
            "account_sid": self.account_sid, "api_version": API_VERSION, "sid": call.sid,
            "to": call.to, "from": call.from_, "status": "queued", "direction": "outbound-api",
            "date_created": created, "date_updated": created, "start_time": None,
            "end_time": None, "duration": None, "price": None, "price_unit": "USD",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}.json",
        })

    def _list(self, query: dict[str, list[str]]) -> _Answer:
        params = {key: values[0] for key, values in query.items()}
        days: dict[str, date] = {}
        for key in ("DateSent", "DateSent>", "DateSent<"):
            if key in params:
                if not _DAY.match(params[key]):
                    return _error(400, 20001, f"Invalid {key}: use YYYY-MM-DD")
                days[key] = date.fromisoformat(params[key])
        page, size = int(params.get("Page", "0")), int(params.get("PageSize", "50"))
        with self._lock:
            deleted = set(self._deleted)
            found = [
                m for m in reversed(self._messages)  # Twilio lists newest first
                if m.sid not in deleted
                and params.get("To", m.to) == m.to and params.get("From", m.from_) == m.from_
                and days.get("DateSent", m.created_at.date()) == m.created_at.date()
                and days.get("DateSent>", m.created_at.date()) <= m.created_at.date()
                and days.get("DateSent<", m.created_at.date()) >= m.created_at.date()
            ]
        start = page * size
        records = found[start:start + size]
        uri = self._messages_uri()

        def page_uri(number: int) -> str:
            return uri + "?" + urlencode({**params, "Page": number, "PageSize": size})

        return _Answer(200, {
            "messages": [self._message_json(m, sent=True) for m in records],
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if start + size < len(found) else None,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "page": page, "page_size": size, "start": start,
            "end": start + max(len(records) - 1, 0), "uri": page_uri(page),
        })

    def _fetch_or_delete(self, method: str, sid: str, path: str) -> _Answer:
        with self._lock:
            message = next((m for m in self._messages if m.sid == sid), None)
            if message is None or sid in self._deleted:
                return _error(404, 20404, f"The requested resource {path} was not found")
            if method == "DELETE":
                if self._delete_refusals:
                    status, code = self._delete_refusals.popleft()
                    return _error(status, code, "Cannot delete this resource before it is "
                                                "complete")
                self._deleted.append(sid)
                return _Answer(204)
        return _Answer(200, self._message_json(message, sent=True))

    def _update(self, sid: str, path: str, form: dict[str, str]) -> _Answer:
        """Redaction: POST Body='' to the message (Twilio: 30400 unless Body is empty)."""
        if form.get("Body") != "":
            return _error(400, 30400, "Parameters are not valid")
        with self._lock:
            index = next((i for i, m in enumerate(self._messages) if m.sid == sid), None)
            if index is None or sid in self._deleted:
                return _error(404, 20404, f"The requested resource {path} was not found")
            message = replace(self._messages[index], body="")
            self._messages[index] = message
            self._redacted.append(sid)
        return _Answer(200, self._message_json(message, sent=True))

    def _messages_uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def _message_json(self, message: SentMessage, *, sent: bool) -> dict[str, Any]:
        """A Message resource: 'queued' when just created, 'sent' when listed later."""
        created = format_datetime(message.created_at)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": self.account_sid, "api_version": API_VERSION,
            "body": message.body, "date_created": created, "date_updated": created,
            "date_sent": created if sent else None, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": message.from_,
            "messaging_service_sid": None, "num_media": "0",
            "num_segments": str(1 if len(message.body) <= 160 else -(-len(message.body) // 153)),
            "price": None, "price_unit": "USD", "sid": message.sid,
            "status": "sent" if sent else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message.to, "uri": f"{uri}.json",
        }


def _error(status: int, code: int | None, message: str) -> _Answer:
    """Twilio's error body; `more_info` points at its error dictionary."""
    more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    return _Answer(status, {"code": code, "message": message, "more_info": more_info,
                            "status": status})


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a handler thread never idles on keep-alive
    # and stop() can join them all.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        cast(_Server, self.server).fake.handle(self)

    do_POST = do_DELETE = do_GET

    def form_lists(self) -> dict[str, list[str]]:
        """The form with every value of a repeated field (StatusCallbackEvent)."""
        length = int(self.headers.get("Content-Length", "0"))
        return parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)

    def form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length", "0"))
        fields = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        return {key: values[0] for key, values in fields.items()}

    def send_json(self, status: int, payload: dict[str, Any] | None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(), so no handler outlives the test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeTwilio) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has closed its end before a held or delayed answer.
        # Anything else is a bug in the fake and is printed as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
