"""Property test (issue 23, item 9): arbitrary JSON, text and form data at every public route
never gets a 5xx and never a stack trace.

Survivors, browsers and attackers send whatever they like; each route must answer with a
clear 4xx or a normal answer. The examples are bounded so the suite stays fast; the app (and
its database) is shared by a test's examples, which is closer to real life, not further.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from tests.support.twilio_signing import TwilioSigner

EXAMPLES = settings(max_examples=int(os.environ.get("QUIETLINE_FUZZ_EXAMPLES", "60")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
CHAT_POSTS = ["/chat/start", "/chat/send", "/chat/poll", "/chat/erase", "/chat/erase/scope",
              "/chat/exit", "/chat/resume", "/chat/number"]
WEBHOOKS = ["/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/twilio/fallback"]
PAGES = ["/", "/notes", "/webhooks/twilio/fallback"]

# Any text a browser's JSON can carry, lone surrogates included (half an emoji after a paste).
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20)
# Objects shaped like the page's own, with anything in the fields, so the paths behind the
# parsing are reached too.
chat_objects = st.fixed_dictionaries({}, optional={
    "token": json_values | any_text, "id": json_values | st.from_regex(
        r"\A[0-9a-f]{32}\Z"), "text": json_values | any_text,
    "language": json_values | st.sampled_from(["en", "cy", "ar", "xx"])})
bodies = (chat_objects.map(json.dumps) | json_values.map(json.dumps)
          | st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
          | st.sampled_from([10, 999, 1001, 5000, 60_000]).map(
              lambda depth: '{"text": ' + "[" * depth + "]" * depth + "}"))
DEEP = "[" * 5000 + "]" * 5000
HALF_EMOJI = json.dumps({"id": "0" * 32, "text": "help \ud83d"})
# Form text as it arrives over HTTP: any characters but lone surrogates (Hypothesis's default),
# which cannot be URL-encoded (the web server decodes bytes with replacement, never seeing them).
form_text = st.text(max_size=200)
sids = st.from_regex(r"\A(SM|MM)[0-9a-f]{32}\Z") | form_text
numbers = st.sampled_from(["+447700900123", "+447700900456", ""]) | form_text
twilio_forms = st.fixed_dictionaries(
    {"MessageSid": sids, "From": numbers, "Body": form_text},
    optional={"To": numbers, "SmsSid": sids, "NumMedia": form_text,
              "MessageStatus": st.sampled_from(["delivered", "failed", "sent"]) | form_text,
              "ErrorCode": form_text, "AccountSid": form_text})


def assert_answered_safely(response: TestResponse) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:200]
    assert "Traceback" not in body
    assert 'File "' not in body


@pytest.mark.parametrize("path", CHAT_POSTS)
@EXAMPLES
@given(body=bodies)
@example(body=DEEP)
@example(body=HALF_EMOJI)
def test_the_chat_endpoints_answer_any_json_without_a_server_error(
    client: FlaskClient, path: str, body: str
) -> None:
    # json.dumps escapes everything outside ASCII, so the body is bytes a browser could send.
    assert_answered_safely(client.post(path, data=body.encode("utf-8", "surrogatepass"),
                                       content_type="application/json"))


@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("signed", [True, False])
@EXAMPLES
@given(form=twilio_forms)
def test_the_twilio_webhooks_answer_any_form_signed_or_not_without_a_server_error(
    twilio: TwilioSigner, path: str, form: dict[str, str], signed: bool
) -> None:
    signature = None if signed else "not-a-signature"
    assert_answered_safely(twilio.post(path, form, signature=signature))


@pytest.mark.parametrize("path", WEBHOOKS + CHAT_POSTS)
@EXAMPLES
@given(body=bodies)
def test_form_encoded_bodies_at_the_webhooks_and_the_chat_get_no_server_error(
    client: FlaskClient, path: str, body: str
) -> None:
    headers: dict[str, Any] = {"X-Twilio-Signature": "x"}
    assert_answered_safely(client.post(
        path, data=body.encode("utf-8", "surrogatepass"), headers=headers,
        content_type="application/x-www-form-urlencoded"))


@pytest.mark.parametrize("path", PAGES)
@EXAMPLES
@given(query=st.dictionaries(form_text, form_text, max_size=4))
def test_the_public_pages_answer_any_query_without_a_server_error(
    client: FlaskClient, path: str, query: dict[str, str]
) -> None:
    assert_answered_safely(client.get(path, query_string=query))
