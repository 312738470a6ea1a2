"""The web chat's server side: no trace in headers, tokens in memory only, same core as SMS."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.services import Services
from app.storage.models import Conversation, Escalation, Message
from tests.conftest import MovableClock
from tests.support.sms import count

CHAT_ROUTES = [("get", "/"), ("get", "/?lang=ar"), ("get", "/notes"), ("post", "/chat/start"),
               ("post", "/chat/send"), ("post", "/chat/exit")]
SERVICE_WORDS = ("quietline", "abuse", "domestic", "refuge", "helpline", "police", "chat")


def send(client: FlaskClient, token: str, text: str, message_id: str = "",
         **extra: Any) -> TestResponse:
    body = {"token": token, "id": message_id or next_id(), "text": text, **extra}
    return client.post("/chat/send", json=body)


_ids = iter(f"{n:032x}" for n in range(1, 10**6))


def next_id() -> str:
    return next(_ids)


def start(client: FlaskClient) -> str:
    token = client.post("/chat/start").get_json()["token"]
    assert isinstance(token, str)
    return token


@pytest.mark.parametrize(("method", "path"), CHAT_ROUTES)
def test_every_chat_route_sends_the_no_trace_headers(
    client: FlaskClient, method: str, path: str
) -> None:
    response = getattr(client, method)(path)
    headers = response.headers
    assert headers["Cache-Control"].startswith("no-store")
    assert "ETag" not in headers
    assert "Last-Modified" not in headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "Set-Cookie" not in headers


def test_the_cover_page_names_nothing_in_its_title_and_loads_nothing_from_elsewhere(
    client: FlaskClient,
) -> None:
    html = client.get("/").get_data(as_text=True)
    title = html.split("<title>")[1].split("</title>")[0].casefold()
    assert not any(word in title for word in SERVICE_WORDS)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html.replace("https://www.bbc.co.uk/weather", "")
    assert 'id="open-chat" href="#ask"' in html


def test_the_inline_script_and_styles_match_the_hashes_in_the_csp(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    script = html.split("<script>")[1].split("</script>")[0]
    style = html.split("<style>")[1].split("</style>")[0]
    for text in (script, style):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_the_emergency_numbers_are_in_the_page_without_javascript(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    emergency = html.split('id="emergency">')[1].split("</p>")[0]
    # The helpline number is in <bdi dir="ltr">, its groups joined by no-break spaces.
    assert '<bdi dir="ltr">0808\u00a02000\u00a0247</bdi>' in emergency
    emergency = emergency.replace("\u00a0", " ")
    for number in ("999", "55", "0808 2000 247"):
        assert number in emergency


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_in_arabic_and_urdu_the_chat_is_right_to_left_and_the_cover_stays_as_it_is(
        client: FlaskClient, language: str) -> None:
    # Issue 19: the cover is an English site whatever the survivor reads the chat in
    # (before, `?lang=ar` laid its English out right to left); the panel takes theirs.
    cover = client.get(f"/?lang={language}").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in cover
    assert f'<section id="chat" lang="{language}" dir="rtl"' in cover
    safety = client.get(f"/notes?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}" dir="rtl">' in safety
    assert '<html lang="en" dir="ltr">' in client.get("/?lang=xx").get_data(as_text=True)


def test_a_chat_message_gets_the_flow_reply_and_is_stored_sealed(
    client: FlaskClient, built: Services
) -> None:
    token = start(client)
    reply = send(client, token, "hello from the chat").get_json()
    assert reply["token"] == token
    assert reply["notice"] is None
    assert "Reply with a number" in reply["replies"][0]
    with built.database.session() as session:
        conversation = session.scalars(select(Conversation)).one()
        bodies = list(session.scalars(select(Message.body_sealed)))
    assert conversation.channel == "web"
    assert conversation.contact_sealed is None  # nothing to reply to: the page polls
    assert all(b"hello from the chat" not in body for body in bodies)


def test_asking_for_a_person_in_the_chat_opens_the_same_escalation(
    client: FlaskClient, built: Services
) -> None:
    token = start(client)
    send(client, token, "hello")
    assert "Someone from our team" in send(client, token, "3").get_json()["replies"][0]
    with built.database.session() as session:
        case = session.scalars(select(Escalation)).one()
    assert (case.channel, case.reasons) == ("web", ["asked_for_person"])


def test_the_page_language_is_the_conversations_language(client: FlaskClient) -> None:
    token = start(client)
    reply = send(client, token, "hi", language="pl").get_json()["replies"][0]
    assert reply != send(client, start(client), "hi").get_json()["replies"][0]


def test_a_retried_message_id_is_stored_once_and_answered_the_same(
    client: FlaskClient, built: Services
) -> None:
    token = start(client)
    message_id = next_id()
    first = send(client, token, "hello", message_id).get_json()
    second = send(client, token, "hello", message_id).get_json()
    assert first["replies"] == second["replies"]
    assert count(built, Message) == 2


def test_exit_ends_the_conversation_and_clears_site_data(
    client: FlaskClient, built: Services
) -> None:
    token = start(client)
    send(client, token, "hello")
    response = client.post("/chat/exit", data=token, content_type="text/plain")
    assert response.status_code == 204
    for part in ('"cache"', '"cookies"', '"storage"'):
        assert part in response.headers["Clear-Site-Data"]
    with built.database.session() as session:
        assert session.scalars(select(Conversation.closed_at)).one() is not None
    after = send(client, token, "what did I say").get_json()
    assert after["token"] != token
    assert after["notice"] == "A new conversation has started."
    assert "Reply with a number" in after["replies"][0]


@pytest.mark.parametrize("token", ["", "bogus", "a" * 43 + "." + "b" * 22, None, 42])
def test_an_invalid_token_starts_a_fresh_conversation_with_a_notice(
    client: FlaskClient, token: object
) -> None:
    reply = client.post("/chat/send", json={"token": token, "id": next_id(), "text": "hi"})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["notice"] == "A new conversation has started."
    assert body["token"] != token


def test_an_idle_conversation_is_closed_and_a_fresh_one_started(
    client: FlaskClient, built: Services
) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    built.conversations.clock = clock
    token = start(client)
    send(client, token, "hello")
    clock.advance(timedelta(minutes=built.settings.deployment.conversation_idle_minutes + 1))
    body = send(client, token, "2").get_json()
    assert body["token"] != token
    assert body["notice"] == "A new conversation has started."
    assert count(built, Conversation) == 2


@pytest.mark.parametrize(("text", "status", "error"), [
    ("", 400, "empty"), ("   ", 400, "empty"), ("x" * 10240, 413, "too_long"),
    (None, 400, "empty"), (["list"], 400, "empty"),
])
def test_bad_messages_get_a_clear_json_answer_and_store_nothing(
    client: FlaskClient, built: Services, text: object, status: int, error: str
) -> None:
    response = client.post("/chat/send", json={"token": start(client), "id": next_id(),
                                               "text": text})
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == error
    assert body["message"]
    assert count(built, Message) == 0


def test_a_body_that_is_not_json_gets_a_clear_answer(client: FlaskClient) -> None:
    response = client.post("/chat/send", data=b"\xff\xfe not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "empty"


def test_two_tabs_get_two_separate_conversations(
    client: FlaskClient, built: Services
) -> None:
    first, second = start(client), start(client)
    assert first != second
    send(client, first, "hello")
    send(client, second, "hello")
    assert count(built, Conversation) == 2


def test_a_failure_inside_still_answers_with_the_emergency_numbers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr("app.conversation.service.ConversationService.handle_inbound", broken)
    response = send(client, start(client), "hello")
    assert response.status_code == 503
    assert "999" in response.get_json()["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_chat_page_is_small(client: FlaskClient) -> None:
    assert len(client.get("/").get_data()) < 50 * 1024


def test_a_body_over_the_request_limit_gets_the_same_json_answer(client: FlaskClient) -> None:
    response = client.post("/chat/send", data=b"{" + b" " * (300 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_long"


def test_the_erase_button_destroys_the_conversation_at_once(client: FlaskClient,
                                                           built: Services) -> None:
    token = client.post("/chat/start").get_json()["token"]
    client.post("/chat/send", json={"token": token, "id": "e" * 32, "text": "hello there"})
    answer = client.post("/chat/erase", json={"token": token, "language": "en"})
    assert answer.status_code == 200
    assert answer.get_json() == {"erased": True,
                                 "message": "This conversation has been deleted."}
    with built.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0
    assert answer.headers["Cache-Control"].startswith("no-store")


def test_erase_also_destroys_the_conversation_this_page_left_idle(
    client: FlaskClient, built: Services
) -> None:
    """Left idle, a page's next message starts a new conversation under a new token, but the
    page still shows the earlier messages: erasing with the page's earlier tokens destroys
    them too, open or ended. Forged or repeated tokens among them change nothing."""
    clock = MovableClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    built.conversations.clock = clock
    first = start(client)
    send(client, first, "hello")
    clock.advance(timedelta(minutes=built.settings.deployment.conversation_idle_minutes + 1))
    second = send(client, first, "2").get_json()["token"]
    other_page = start(client)
    send(client, other_page, "someone else's chat")
    assert count(built, Conversation) == 3

    answer = client.post("/chat/erase", json={
        "token": second, "earlier": [first, first, "forged", None, 7], "language": "en"})

    assert answer.get_json()["erased"] is True
    assert count(built, Conversation) == 1  # only the other page's conversation is left
    assert send(client, other_page, "still here").get_json()["token"] == other_page


@pytest.mark.parametrize("earlier", ["not a list", {"a": 1}, None])
def test_erase_ignores_earlier_tokens_that_are_not_a_list(
    client: FlaskClient, built: Services, earlier: object
) -> None:
    token = start(client)
    send(client, token, "hello")
    answer = client.post("/chat/erase", json={"token": token, "earlier": earlier})
    assert answer.get_json()["erased"] is True
    assert count(built, Conversation) == 0


@pytest.mark.parametrize("payload", [{}, {"token": "forged"}, {"token": None}, []])
def test_erasing_with_no_or_a_forged_token_erases_nothing_and_says_so(
        client: FlaskClient, payload: object) -> None:
    answer = client.post("/chat/erase", json=payload)
    assert answer.status_code == 200
    assert answer.get_json()["erased"] is False
