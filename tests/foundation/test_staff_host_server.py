"""The staff host rule and the survivor-side headers under a real gunicorn (issue 23, item 3).

The Flask test client sends no `Server` header at all, so only a real server shows what goes on
the wire: gunicorn writes "Server: gunicorn" into every answer unless gunicorn.conf.py stops it,
and that names the software behind the cover site.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
STAFF = "staff.example.org"
SURVIVOR = "help.example.org"
SOFTWARE = ("gunicorn", "werkzeug", "python", "flask", "quietline")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[0] if found else None


class Gunicorn:
    """gunicorn serving wsgi:app with the project's gunicorn.conf.py, on a free port."""

    def __init__(self, environ: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.environ = environ
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                 f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "2", "wsgi:app"],
                cwd=ROOT, env=self.environ, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=90, what="gunicorn")
        return self

    def answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.log.read_text(errors='replace')}")
        try:
            return self.request(SURVIVOR, "GET", "/").status == 200
        except OSError:
            return False

    def request(self, host: str, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True)
            connection.putheader("Host", host)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def server(environ: dict[str, str], tmp_path: Path) -> Iterator[Gunicorn]:
    environ.update(QUIETLINE_STAFF_HOST=STAFF, PUBLIC_BASE_URL=f"https://{SURVIVOR}",
                   PATH=os.environ.get("PATH", ""), LANG="C.UTF-8")
    running = Gunicorn(environ, tmp_path / "gunicorn.log").start()
    yield running
    running.stop()


def chat_send(size: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"token": "x", "id": "1", "text": "x" * size}).encode()
    return body, {"Content-Type": "application/json"}


def test_no_answer_names_the_software_and_survivor_answers_are_locked_down(
        server: Gunicorn) -> None:
    unknown = server.request(SURVIVOR, "GET", "/no-such-page")
    big, json_headers = chat_send(300 * 1024)
    answers = {
        "cover page": (server.request(SURVIVOR, "GET", "/"), 200),
        "unknown address": (unknown, 404),
        "staff page on the survivor host": (
            server.request(SURVIVOR, "GET", "/advocates/login"), 404),
        "webhook GET on the survivor host": (
            server.request(SURVIVOR, "GET", "/webhooks/twilio/fallback"), 404),
        "wrong method": (server.request(SURVIVOR, "GET", "/chat/send"), 405),
        "too large": (server.request(SURVIVOR, "POST", "/chat/send", big, json_headers), 413),
        "unsigned webhook": (server.request(SURVIVOR, "POST", "/webhooks/twilio/sms", b""),
                             403),
        "fallback for Twilio's POST": (
            server.request(SURVIVOR, "POST", "/webhooks/twilio/fallback", b""), 200),
    }
    for what, (answer, status) in answers.items():
        assert answer.status == status, what
        server_header = answer.header("Server")
        assert server_header is None or not any(
            name in server_header.lower() for name in SOFTWARE), (what, server_header)
        assert (answer.header("Cache-Control") or "").startswith("no-store"), what
        assert answer.header("Referrer-Policy") == "no-referrer", what
        assert "default-src 'none'" in (answer.header("Content-Security-Policy") or ""), what
    hidden = answers["staff page on the survivor host"][0]
    assert hidden.body == unknown.body
    without_date = [sorted((k, v) for k, v in a.headers if k.lower() != "date")
                    for a in (hidden, unknown)]
    assert without_date[0] == without_date[1]


def test_the_staff_host_serves_the_sign_in_page_without_naming_the_server(
        server: Gunicorn) -> None:
    page = server.request(STAFF, "GET", "/advocates/login")
    assert page.status == 200
    assert b"Quietline advocates" in page.body
    assert page.header("Server") is None
