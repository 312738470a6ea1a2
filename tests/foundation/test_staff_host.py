"""The staff host (issue 23, item 3; app/web/hosts.py, QUIETLINE_STAFF_HOST in app/config.py).

docs/threat-model.md, A1: the abuser has the survivor's browser and the cover site's address
in its history. On that host `/advocates/login` said "Quietline advocates" and a GET on the
webhook fallback showed the helpline text. With a staff host set, both are the plain 404 of an
unknown address, byte for byte; every survivor-side answer, errors included, is uncached, sends
no referrer and has a strict CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.config import ConfigError, Settings, load_settings
from app.crypto import generate_key_token
from app.web.hosts import STRICT_CSP
from tests.support.twilio_signing import PUBLIC_BASE_URL, TwilioSigner

STAFF = "staff.example.org"
SURVIVOR = PUBLIC_BASE_URL.removeprefix("https://")  # the host Twilio calls (docs/deploy.md)
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    environ["QUIETLINE_STAFF_HOST"] = STAFF
    return load_settings(environ)


def fetch(client: FlaskClient, host: str, method: str, path: str, **kwargs: Any
          ) -> TestResponse:
    return client.open(path, method=method, base_url=f"https://{host}", **kwargs)


def unknown_address(client: FlaskClient, host: str = SURVIVOR) -> TestResponse:
    return fetch(client, host, "GET", "/no-such-page")


# --- the table: (host, method, path) -> status -----------------------------------------------

HIDDEN = [
    (SURVIVOR, "GET", "/advocates/login"),
    (SURVIVOR, "POST", "/advocates/login"),
    (SURVIVOR, "HEAD", "/advocates/login"),
    (SURVIVOR, "OPTIONS", "/advocates/login"),
    (SURVIVOR, "PUT", "/advocates/login"),
    (SURVIVOR, "GET", "/advocates"),
    (SURVIVOR, "GET", "/advocates/"),
    (SURVIVOR, "GET", "/advocates/queue"),
    (SURVIVOR, "GET", "/advocates/queue.json"),
    (SURVIVOR, "GET", "/advocates/cases/1"),
    (SURVIVOR, "POST", "/advocates/cases/1/claim"),
    (SURVIVOR, "GET", "/advocates/report"),
    (SURVIVOR, "GET", "/advocates/static/staff.css"),
    (SURVIVOR, "GET", "/advocates/no-such-page"),
    (SURVIVOR, "GET", "/%61dvocates/login"),
    (SURVIVOR, "GET", "/webhooks/twilio/fallback"),
    (SURVIVOR, "HEAD", "/webhooks/twilio/fallback"),
    (SURVIVOR, "GET", "/webhooks/twilio/sms"),
    (SURVIVOR, "GET", "/webhooks/twilio/status"),
    (SURVIVOR, "PUT", "/webhooks/twilio/sms"),
    (SURVIVOR, "GET", "/webhooks/no-such-hook"),
    (SURVIVOR, "GET", "/no-such-page"),
    ("203.0.113.7:8000", "GET", "/advocates/login"),
    ("203.0.113.7:8000", "GET", "/webhooks/twilio/fallback"),
    ("staff.example.org.evil.test", "GET", "/advocates/login"),
    ("notstaff.example.org", "GET", "/advocates/login"),
    ("example.org", "GET", "/advocates/login"),
    (SURVIVOR, "GET", "/healthz"),  # typed after the cover site's name: nothing there
    ("staff.example.org.evil.test", "GET", "/healthz"),
]

ANSWERED = [
    (SURVIVOR, "GET", "/", 200),
    (SURVIVOR, "GET", "/notes", 200),
    (SURVIVOR, "POST", "/chat/start", 200),
    (SURVIVOR, "GET", "/chat/send", 405),
    (SURVIVOR, "POST", "/webhooks/twilio/fallback", 200),
    (SURVIVOR, "POST", "/webhooks/twilio/sms", 403),  # unsigned: refused, nothing stored
    (STAFF, "GET", "/advocates/login", 200),
    (STAFF, "POST", "/advocates/login", 400),  # no CSRF token
    (STAFF, "GET", "/advocates/queue", 302),  # to the sign-in page
    (STAFF, "GET", "/advocates/static/staff.css", 200),
    (STAFF, "GET", "/advocates/no-such-page", 404),
    ("STAFF.Example.ORG", "GET", "/advocates/login", 200),
    (STAFF + ".", "GET", "/advocates/login", 200),
    (STAFF + ":8443", "GET", "/advocates/login", 200),  # no port set: the name decides
    (STAFF, "GET", "/webhooks/twilio/fallback", 200),
    (STAFF, "GET", "/webhooks/twilio/sms", 405),
    (STAFF, "POST", "/webhooks/twilio/fallback", 200),
    # Probes call by address; the staff host may be checked by name.
    ("203.0.113.7:8000", "GET", "/healthz", 200),
    ("127.0.0.1:8000", "GET", "/healthz", 200),
    ("[::1]:8000", "GET", "/healthz", 200),
    ("localhost:8000", "GET", "/healthz", 200),
    (STAFF, "GET", "/healthz", 200),
]


@pytest.mark.parametrize(("host", "method", "path"), HIDDEN)
def test_hidden_routes_answer_exactly_as_an_unknown_address(
        client: FlaskClient, host: str, method: str, path: str) -> None:
    expected = unknown_address(client, host)
    response = fetch(client, host, method, path)
    assert response.status_code == 404
    assert response.get_data() == (b"" if method == "HEAD" else expected.get_data())
    assert sorted(response.headers.items()) == sorted(expected.headers.items())
    assert b"Quietline" not in response.get_data()


@pytest.mark.parametrize(("host", "method", "path", "status"), ANSWERED)
def test_the_other_routes_answer_as_before(client: FlaskClient, host: str, method: str,
                                          path: str, status: int) -> None:
    with fetch(client, host, method, path) as response:  # a static file must be closed
        assert response.status_code == status


def test_the_staff_sign_in_page_is_served_on_the_staff_host(client: FlaskClient) -> None:
    page = fetch(client, STAFF, "GET", "/advocates/login")
    assert b"Quietline advocates" in page.get_data()
    assert page.headers["Content-Security-Policy"] != STRICT_CSP  # the staff pages' own


def test_a_signed_sms_is_answered_on_the_survivor_host(twilio: TwilioSigner) -> None:
    params = twilio.sms_params("hello")
    reply = twilio.post("/webhooks/twilio/sms", params, base_url=f"https://{SURVIVOR}")
    assert reply.status_code == 200
    assert b"<Message>" in reply.get_data()


def test_the_fallback_answers_twilio_s_post_on_the_survivor_host(client: FlaskClient) -> None:
    reply = fetch(client, SURVIVOR, "POST", "/webhooks/twilio/fallback",
                  data={"MessageSid": "SM" + "0" * 32})
    assert reply.status_code == 200
    assert b"999" in reply.get_data()


def test_a_port_in_the_setting_must_match(environ: dict[str, str]) -> None:
    environ["QUIETLINE_STAFF_HOST"] = "localhost:5001"
    settings = load_settings(environ)
    assert settings.serves_staff_pages("localhost:5001")
    assert not settings.serves_staff_pages("localhost:5000")
    assert not settings.serves_staff_pages("localhost")
    assert not settings.serves_staff_pages("127.0.0.1:5001")


# --- headers on every survivor-side answer, errors included -----------------------------------

def failing_page(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the cover page broke")


def too_large() -> dict[str, object]:
    return {"json": {"token": "x", "id": "1", "text": "x" * (300 * 1024)}}


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        pytest.param("GET", "/no-such-page", {}, 404, id="404-unknown"),
        pytest.param("GET", "/advocates/login", {}, 404, id="404-staff-page"),
        pytest.param("GET", "/webhooks/twilio/fallback", {}, 404, id="404-webhook-get"),
        pytest.param("GET", "/chat/send", {}, 405, id="405"),
        pytest.param("POST", "/", {}, 405, id="405-cover-page"),
        pytest.param("POST", "/chat/send", too_large(), 413, id="413"),
        pytest.param("POST", "/webhooks/twilio/sms", {}, 403, id="403-unsigned-webhook"),
        pytest.param("GET", "/", {"fail": True}, 500, id="500"),
        pytest.param("POST", "/webhooks/twilio/fallback", {}, 200, id="200-twiml"),
        pytest.param("GET", "/", {}, 200, id="200-cover-page"),
    ],
)
def test_every_survivor_host_answer_is_uncached_refererless_and_locked_down(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
        method: str, path: str, extra: dict[str, object], status: int) -> None:
    extra = dict(extra)
    if extra.pop("fail", False):
        monkeypatch.setattr("app.channels.webchat._page", failing_page)
    response = fetch(client, SURVIVOR, method, path, **extra)
    assert response.status_code == status
    headers = response.headers
    assert headers["Cache-Control"].split(",")[0] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "ETag" not in headers
    assert "Last-Modified" not in headers
    assert "Set-Cookie" not in headers
    assert "Server" not in headers
    assert b"Quietline" not in response.get_data()


# --- without the setting (development) nothing is hidden ---------------------------------------

def test_without_a_staff_host_one_host_serves_everything_as_before(
        environ: dict[str, str]) -> None:
    environ.pop("QUIETLINE_STAFF_HOST", None)
    from app import create_app  # noqa: PLC0415 -- a second app, built without the setting
    from app.services import services  # noqa: PLC0415

    app = create_app(load_settings(environ))
    client = app.test_client()
    try:
        assert fetch(client, SURVIVOR, "GET", "/advocates/login").status_code == 200
        fallback = fetch(client, SURVIVOR, "GET", "/webhooks/twilio/fallback")
        assert fallback.status_code == 200
        assert b"999" in fallback.get_data()
        assert fetch(client, SURVIVOR, "GET", "/webhooks/twilio/sms").status_code == 405
        missing = unknown_address(client)
        assert missing.status_code == 404
        assert missing.headers["Cache-Control"] == "no-store"
        assert missing.headers["Content-Security-Policy"] == STRICT_CSP
    finally:
        with app.app_context():
            services().close()


# --- the setting --------------------------------------------------------------------------------

def production_environ(tmp_path: Path) -> dict[str, str]:
    return {
        "QUIETLINE_ENV": "production",
        "QUIETLINE_CONFIG": str(ROOT / "config" / "demo.toml"),
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": generate_key_token(),
        "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "TWILIO_AUTH_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "TWILIO_ACCOUNT_SID": "AC" + "1f" * 16,
        "PUBLIC_BASE_URL": "https://help.example.org",
    }


def test_production_refuses_to_start_without_a_staff_host(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIETLINE_STAFF_HOST is not set"):
        load_settings(production_environ(tmp_path))


def test_production_starts_with_a_staff_host(tmp_path: Path) -> None:
    environ = production_environ(tmp_path) | {"QUIETLINE_STAFF_HOST": "staff.example.org"}
    assert load_settings(environ).staff_host == "staff.example.org"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("staff.example.org", "staff.example.org"),
        ("  Staff.Example.ORG  ", "staff.example.org"),
        ("staff.example.org.", "staff.example.org"),
        ("localhost:5001", "localhost:5001"),
        ("[::1]:5001", "[::1]:5001"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_the_staff_host_is_read_in_one_form(tmp_path: Path, raw: str, stored: str) -> None:
    environ = production_environ(tmp_path) | {"QUIETLINE_STAFF_HOST": raw}
    assert load_settings(environ).staff_host == stored


@pytest.mark.parametrize(
    "raw",
    ["https://staff.example.org", "staff.example.org/advocates", "staff example.org",
     "staff.example.org:0", "staff.example.org:70000", "staff.example.org:port", "-staff.org",
     "staff_host.example.org", "*.example.org"],
)
def test_a_staff_host_that_is_not_a_host_name_is_refused(tmp_path: Path, raw: str) -> None:
    environ = production_environ(tmp_path) | {"QUIETLINE_STAFF_HOST": raw}
    with pytest.raises(ConfigError, match="QUIETLINE_STAFF_HOST must be a host name"):
        load_settings(environ)
