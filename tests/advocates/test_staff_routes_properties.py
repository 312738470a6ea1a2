"""Property test (issue 22, item 2): anything sent to any staff route, by a signed-in member of
staff with a valid CSRF token, gets an answer, never a 5xx or a stack trace; a refused request
(4xx) stores nothing.

The routes are read from the app's own URL map, so a staff page added later is fuzzed without
anyone remembering to list it. The forms use the field names the staff templates use (read
from app/templates/advocates/) plus arbitrary ones, with anything in them; path ids are real
ones, absurd ones and ones no column can hold. Each role (advocate, supervisor, admin) is tried,
because the role decides which code runs. `QUIETLINE_FUZZ_EXAMPLES` raises the number of
examples for a longer run (`make soak`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from app import advocates, create_app
from app.config import load_settings
from app.services import services
from app.storage.models import Base
from tests.conftest import TUESDAY_10AM, MovableClock
from tests.support.staff import csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

EXAMPLES = settings(max_examples=int(os.environ.get("QUIETLINE_FUZZ_EXAMPLES", "10")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
ROLES = ["advocate", "supervisor", "admin"]
TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates" / "advocates"
# Rows these may gain on a refused request, by design: the audit trail records refusals, and
# sign-in counters and sessions are the sign-in's own bookkeeping.
BOOKKEEPING = {"audit_events", "staff_sessions", "login_throttles"}
SURVIVOR = "+447700900123"


def staff_rules() -> list[Rule]:
    """Every staff route but its static files, from an app built only to read its URL map."""
    app = Flask(__name__)
    advocates.init_app(app)  # the staff pages alone: no settings or services needed
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("advocates.")
                   and rule.endpoint != "advocates.static"), key=lambda rule: rule.rule)


RULES = staff_rules()
FIELDS = sorted({name for page in TEMPLATES.rglob("*.html")
                 for name in re.findall(r'name="([a-z_]+)"', page.read_text(encoding="utf-8"))
                 if name not in ("csrf_token", "viewport", "referrer")})

form_text = st.text(max_size=120)
values = (form_text | st.integers(-2**40, 2**40).map(str)
          | st.sampled_from(["", "1", "0", "-1", "en", "ar", "xx", "2026-12-01", "9" * 30,
                             "advocate", "supervisor", "admin", "yes", "no", "on"]))
forms = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), values, max_size=6)
ids = st.sampled_from([1, 2, 0, 99_999, 2**31 + 5, 2**63]) | st.integers(0, 2**64)
queries = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=3)


@dataclass
class Desk:
    app: Flask
    client: FlaskClient
    role: str
    signed_in_as: int = 0

    def sign_in_again_if_needed(self) -> None:
        """A fuzzed request may sign this session out (logout, end-all, end its own id) or
        disable the account; then another member of the same role signs in."""
        if self.client.get("/advocates/queue").status_code == 200:
            return
        self.signed_in_as += 1
        member = make_advocate(self.app, f"fuzz{self.signed_in_as}@example.org", self.role)
        self.client = self.app.test_client()
        assert sign_in(self.client, member).status_code == 302


@pytest.fixture(params=ROLES)
def desk(request: pytest.FixtureRequest, environ: dict[str, str],
         clock: MovableClock) -> Iterator[Desk]:
    clock.set(TUESDAY_10AM)
    app = create_app(load_settings(environ), clock)
    app.config["TESTING"] = True
    role: str = request.param
    # A case to act on (case 1), from a survivor asking for a person.
    signer = TwilioSigner(app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    assert signer.sms("person", sender=SURVIVOR).status_code == 200
    client = app.test_client()
    assert sign_in(client, make_advocate(app, "fuzz0@example.org", role)).status_code == 302
    yield Desk(app, client, role)
    with app.app_context():
        services().close()


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context(), services().database.engine.connect() as connection:
        return {name: int(connection.execute(select(func.count()).select_from(table))
                          .scalar_one())
                for name, table in Base.metadata.tables.items() if name not in BOOKKEEPING}


def url_for_rule(rule: Rule, case_id: int) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{argument}>", str(case_id), path)
    return path


def assert_answered_safely(response: TestResponse) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    assert "Traceback" not in body
    assert 'File "' not in body


def send(desk: Desk, rule: Rule, method: str, path: str, form: dict[str, str],
         query: dict[str, str], with_csrf: bool) -> TestResponse:
    data: dict[str, Any] = dict(form)
    if with_csrf:
        data["csrf_token"] = csrf_from(desk.client, "/advocates/queue")
    if method == "GET":
        return desk.client.get(path, query_string={**query, **form})
    return desk.client.open(path, method=method, data=data, query_string=query)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.endpoint)
@EXAMPLES
@given(form=forms, query=queries, case_id=ids, with_csrf=st.booleans())
def test_any_form_at_any_staff_route_is_answered_without_a_server_error(
    desk: Desk, rule: Rule, form: dict[str, str], query: dict[str, str], case_id: int,
    with_csrf: bool
) -> None:
    desk.sign_in_again_if_needed()
    path = url_for_rule(rule, case_id)
    for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
        before = row_counts(desk.app)
        response = send(desk, rule, method, path, form, query, with_csrf)
        assert_answered_safely(response)
        if method != "GET" and response.status_code >= 400:
            assert row_counts(desk.app) == before, (method, path, response.status_code)
        if method != "GET" and not with_csrf and rule.endpoint != "advocates.login":
            assert response.status_code in (400, 403, 404), (method, path)


content_types = st.sampled_from([
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data",
    "text/plain; charset=utf-16", "application/x-www-form-urlencoded; charset=latin-1", ""])
raw_bodies = st.binary(max_size=400) | st.text(max_size=200).map(
    lambda text: text.encode("utf-8", "surrogatepass"))


# One role here: what is fuzzed is the parsing in front of the views, the same for every role.
@pytest.mark.parametrize("desk", ["supervisor"], indirect=True)
@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.endpoint)
@EXAMPLES
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]), body=raw_bodies,
       content_type=content_types, case_id=ids,
       headers=st.dictionaries(st.sampled_from(["Accept", "Accept-Language", "X-CSRF-Token",
                                                "If-None-Match", "Range", "Origin"]),
                               st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                       max_size=60), max_size=3))
def test_any_method_body_and_headers_at_any_staff_route_get_no_server_error(
    desk: Desk, rule: Rule, method: str, body: bytes, content_type: str, case_id: int,
    headers: dict[str, str]
) -> None:
    desk.sign_in_again_if_needed()
    before = row_counts(desk.app)
    response = desk.client.open(url_for_rule(rule, case_id), method=method, data=body,
                                content_type=content_type, headers=headers)
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert row_counts(desk.app) == before
