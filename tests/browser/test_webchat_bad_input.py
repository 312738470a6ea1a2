"""Bad input to the chat gets a clear JSON answer, never a stack trace (issue 12).

Contract: `POST /chat/start` -> `{"token": ...}`. `POST /chat/send` with JSON `{"token", "id"
(32 hex characters), "text"}` -> 200 `{"token", "replies", "notice"}`; an unknown or ended token
gets a fresh conversation (a new token and a notice); empty text -> 400 `{"error": "empty",
"message"}`; more than 2,000 characters -> 413 `{"error": "too_long", "message"}`. A second tab
gets its own token and its own conversation.

The quick-exit beacon's body is the bare token as text/plain (as app/web_assets/chat.js sends
it); the contract names the endpoint but not the body, so this follows the page.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import APIRequestContext, APIResponse

from tests.browser.chat import PERSON_MARK, WELCOME_MARK, ChatPage
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

MAX_CHARS = 2_000


def _json_answer(response: APIResponse, status: int) -> dict[str, Any]:
    """The response is `status`, JSON, and carries no trace of the server's insides."""
    text = response.text()
    assert "Traceback" not in text, text
    assert 'File "' not in text, text
    assert response.status == status, f"{response.status}: {text[:300]}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = json.loads(text)
    return body


def _error(response: APIResponse, status: int, code: str | None = None) -> str:
    body = _json_answer(response, status)
    if code is not None:
        assert body.get("error") == code, body
    assert isinstance(body.get("message"), str), body
    assert body["message"].strip(), body
    return str(body["message"])


def _start(api: APIRequestContext) -> str:
    body = _json_answer(api.post("/chat/start", data={}), 200)
    token = body["token"]
    assert isinstance(token, str), body
    assert len(token) >= 43, "tokens are long random values"
    return token


def _send(api: APIRequestContext, token: object, text: object,
          message_id: object = None) -> APIResponse:
    return api.post("/chat/send", data={
        "token": token, "id": uuid4().hex if message_id is None else message_id, "text": text})


def _assert_fresh_conversation(body: dict[str, Any], old_token: object) -> None:
    assert isinstance(body["token"], str), body
    assert body["token"] != old_token, body
    assert isinstance(body["notice"], str), body
    assert body["notice"].strip(), body
    assert any(WELCOME_MARK in reply for reply in body["replies"]), body


@pytest.mark.parametrize("text", ["", "   \n\t "], ids=["empty", "whitespace"])
def test_an_empty_message_is_refused_with_a_clear_message(api: APIRequestContext,
                                                          text: str) -> None:
    token = _start(api)
    _error(_send(api, token, text), 400, "empty")


def test_ten_kilobytes_is_refused_as_too_long(api: APIRequestContext) -> None:
    token = _start(api)
    _error(_send(api, token, "a" * 10_240), 413, "too_long")


def test_the_limit_is_two_thousand_characters(api: APIRequestContext) -> None:
    token = _start(api)
    _json_answer(_send(api, token, "a" * MAX_CHARS), 200)
    _error(_send(api, token, "a" * (MAX_CHARS + 1)), 413, "too_long")


@pytest.mark.parametrize("token", [
    "not-a-token",
    "A" * 43 + "." + "B" * 22,  # the shape of a real token, not one the server issued
    "",
    None,
    12345,
], ids=["garbage", "forged", "empty", "missing", "number"])
def test_an_unknown_token_starts_a_fresh_conversation(api: APIRequestContext,
                                                      token: object) -> None:
    body = _json_answer(_send(api, token, "hello"), 200)
    _assert_fresh_conversation(body, token)


def test_an_ended_conversation_is_not_reopened(api: APIRequestContext) -> None:
    token = _start(api)
    first = _json_answer(_send(api, token, "hello"), 200)
    assert first["notice"] is None, first
    assert _json_answer(_send(api, first["token"], "3"), 200)["token"] == first["token"]

    exit_response = api.post("/chat/exit", data=first["token"],
                             headers={"Content-Type": "text/plain"})
    assert exit_response.status == 204
    body = _json_answer(_send(api, first["token"], "hello again"), 200)

    _assert_fresh_conversation(body, first["token"])
    assert not any(PERSON_MARK in reply for reply in body["replies"]), body


@pytest.mark.parametrize(("payload", "content_type"), [
    ("this is not json", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ('{"token": "x", "text": "hello"}', "application/json"),  # no message id
    ('{"token": "x", "id": "not-hex", "text": "hello"}', "application/json"),
    ('{"token": "x", "id": "0123456789abcdef0123456789abcdef", "text": 5}', "application/json"),
    ("text=hello", "application/x-www-form-urlencoded"),
], ids=["not-json", "list", "no-id", "bad-id", "text-not-a-string", "form"])
def test_malformed_requests_get_a_json_error(api: APIRequestContext, payload: str,
                                             content_type: str) -> None:
    response = api.post("/chat/send", data=payload, headers={"Content-Type": content_type})
    _error(response, 400)


def test_exit_with_a_bad_token_still_answers_quietly(api: APIRequestContext) -> None:
    for body in ("", "not-a-token", "x" * 5_000):
        response = api.post("/chat/exit", data=body, headers={"Content-Type": "text/plain"})
        assert response.status == 204, (body[:20], response.status, response.text()[:200])


def test_a_second_tab_has_its_own_conversation(live_server: LiveServer,
                                               browsers: Browsers) -> None:
    context = browsers.launch()
    first = ChatPage(context.pages[0], live_server)
    first.open_cover()
    first.open_chat()
    first.send("hello")
    person = first.send("3")
    assert any(PERSON_MARK in reply for reply in person), person

    second = ChatPage(context.new_page(), live_server)
    second.open_cover()
    second.open_chat()
    replies = second.send("hello")

    assert any(WELCOME_MARK in reply for reply in replies), replies
    assert not any(PERSON_MARK in reply for reply in second.service_messages())
    assert len(first.tokens) == 1, first.tokens
    assert len(second.tokens) == 1, second.tokens
    assert first.tokens != second.tokens, "both tabs share one conversation"
    # The first tab's conversation carries on: same token, not restarted by the second tab.
    first.send("1")
    assert len(first.tokens) == 1, first.tokens
