"""Coming back to the web chat later with a code of three words (issue 19, item 4).

The chat never offers a way of contact it cannot make: instead of "text me" or "call me" it
offers "come back here later", shows a code once, and the code typed into the chat within
`[webchat] resume_hours` reopens the conversation with the advocate's replies waiting.
"""

from __future__ import annotations

from datetime import timedelta

import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select

from app.content.code_words import code_words
from app.services import Services, services
from app.storage import transcripts, vault
from app.storage.models import ReturnCode
from app.worker.sweeper import sweep
from tests.conversation.test_floods import closed_port
from tests.support.cases import claim, reply_rows, send_reply
from tests.support.return_codes import chat, come_back_later, resume


def test_the_web_chat_offers_coming_back_and_texting_only_at_a_safe_number(app: Flask) -> None:
    # Texting and calling only at a safe number the chat then asks for (app/conversation/
    # safe_numbers.py); tests/flows/test_web_texts_steps.py: not at all without a number to
    # text from.
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    chat(survivor, token, "person")
    replies = chat(survivor, token, "1")["replies"]
    assert isinstance(replies, list)
    (how,) = replies
    assert "Come back here later" in how
    assert "Text me at a safe number" in how
    assert "Call me at a safe time" not in how  # the SMS wording: there is no number here


def test_sms_still_offers_a_call_or_text_at_a_safe_time(built: Services) -> None:
    # The SMS flow is unchanged: person.how is its own text.
    assert "Call me at a safe time" in built.catalogues.text("en", "person.how")
    assert built.flow is not None
    assert built.flow.steps["person_safe_now"].say[0].id == "person.how"


def test_the_code_is_three_list_words_shown_once_and_stored_only_as_a_keyed_value(
        app: Flask, built: Services) -> None:
    came = come_back_later(app)
    words = came.code.split(" ")
    assert len(words) == 3
    assert all(w in code_words() for w in words)
    assert all(came.code not in reply for reply in came.replies)
    with built.database.transaction() as connection:
        (row,) = connection.execute(select(ReturnCode)).all()
        conversation_id = vault.open_conversation_id(
            connection, channel="web", contact_hash=built.conversations.contact_hash(
                "web", came.token))
        transcript = transcripts.transcript(connection, built.keyring, row.conversation_id)
    assert row.conversation_id == conversation_id
    assert came.code not in row.code_hash
    assert len(row.code_hash) == 64
    assert all(came.code not in message.body for message in transcript)
    # Nothing later repeats it: the next message's answer has no code.
    assert "code" not in chat(came.survivor, came.token, "thank you")


def test_after_quick_exit_the_code_reopens_the_conversation_with_the_reply_waiting(
        app: Flask, advocate: FlaskClient) -> None:
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    claim(advocate, came.case_id)
    assert send_reply(advocate, came.case_id, "Hello, this is Sam.").status_code == 302
    (waiting,) = reply_rows(app)
    assert (waiting.status, waiting.hold_reason) == ("held", "awaiting_return")

    later = app.test_client()  # a new tab, days later: nothing carried over
    status, answer = resume(later, "  " + came.code.upper().replace(" ", "-") + ". ")
    assert status == 200
    assert answer["replies"] == ["Hello, this is Sam."]
    assert answer["from"] == "person"
    (sent,) = reply_rows(app)
    assert sent.status == "sent"  # delivered, once
    token = answer["token"]
    assert later.post("/chat/poll", json={"token": token}).get_json()["replies"] == []
    # The reopened conversation goes on under the new token; the old one reaches nothing.
    chat(later, str(token), "thank you")
    with app.app_context():
        built = services()
        with built.database.transaction() as connection:
            reopened = vault.open_conversation_id(
                connection, channel="web",
                contact_hash=built.conversations.contact_hash("web", str(token)))
            old = vault.open_conversation_id(
                connection, channel="web",
                contact_hash=built.conversations.contact_hash("web", came.token))
    assert reopened == sent.conversation_id
    assert old is None


def test_a_reply_written_before_the_exit_also_waits(app: Flask, advocate: FlaskClient) -> None:
    came = come_back_later(app)
    claim(advocate, came.case_id)
    send_reply(advocate, came.case_id, "We are here.")
    came.survivor.post("/chat/exit", data=came.token)
    sweep_in(app)
    (row,) = reply_rows(app)
    assert row.status in ("queued", "held")
    assert row.status != "cancelled"
    status, answer = resume(app.test_client(), came.code)
    assert status == 200
    assert answer["replies"] == ["We are here."]


def sweep_in(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sweep()


def test_the_code_stops_working_after_resume_hours_and_the_sweeper_deletes_it(
        app: Flask, advocate: FlaskClient, built: Services) -> None:
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    claim(advocate, came.case_id)
    send_reply(advocate, came.case_id, "Hello.")
    built.clock.advance(timedelta(hours=48, minutes=1))  # type: ignore[attr-defined]  # MovableClock
    status, answer = resume(app.test_client(), came.code)
    assert status == 400
    assert answer["error"] == "wrong"
    assert "999" in str(answer["message"])
    counts = sweep_in(app)
    assert counts["codes"] == 1
    with built.database.transaction() as connection:
        assert connection.execute(select(ReturnCode)).all() == []
    (row,) = reply_rows(app)
    assert row.status == "cancelled"  # it can never reach them now


def test_delete_destroys_the_conversation_and_the_code(app: Flask, built: Services) -> None:
    came = come_back_later(app)
    erased = came.survivor.post("/chat/erase", json={"token": came.token}).get_json()
    assert erased["erased"] is True
    with built.database.transaction() as connection:
        assert connection.execute(select(ReturnCode)).all() == []
    status, _answer = resume(app.test_client(), came.code)
    assert status == 400


def test_choosing_again_gives_a_new_code_and_the_old_one_stops(app: Flask) -> None:
    came = come_back_later(app)
    chat(came.survivor, came.token, "person")
    chat(came.survivor, came.token, "1")
    second = chat(came.survivor, came.token, "2")["code"]
    assert isinstance(second, str)
    assert second != came.code
    came.survivor.post("/chat/exit", data=came.token)
    assert resume(app.test_client(), came.code)[0] == 400
    assert resume(app.test_client(), second)[0] == 200


def test_wrong_codes_are_throttled_per_address_and_the_answer_names_999(app: Flask) -> None:
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    words = code_words()
    guesser = app.test_client()
    for n in range(10):  # [webchat] wrong_codes_per_address
        # Each guess starts with a different word, so only the address limit applies.
        status, answer = resume(guesser, f"{words[n * 7]} {words[n * 3 + 1]} {words[5]}",
                                address="198.51.100.7")
        assert status == 400
        assert "999" in str(answer["message"])
    status, answer = resume(guesser, came.code, address="198.51.100.7")
    assert status == 429
    assert answer["error"] == "busy"
    assert "999" in str(answer["message"])
    # Another address is not held back by this one's guesses.
    assert resume(app.test_client(), came.code, address="198.51.100.8")[0] == 200


def test_wrong_codes_at_one_conversation_from_many_addresses_are_throttled(app: Flask) -> None:
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    first = came.code.split(" ")[0]
    wrong = [w for w in code_words() if w not in came.code.split(" ")][:12]
    for n in range(6):  # [webchat] wrong_codes_per_code, each from its own address
        status, _ = resume(app.test_client(), f"{first} {wrong[n]} {wrong[n + 6]}",
                           address=f"192.0.2.{n + 1}")
        assert status == 400
    # Now even the right code is not checked, from a fresh address: a guesser who found it
    # would otherwise learn so. The survivor is told to wait and given 999.
    status, answer = resume(app.test_client(), came.code, address="192.0.2.99")
    assert status == 429
    assert "999" in str(answer["message"])
    # Codes starting with another word are not held back.
    other = come_back_later(app)
    if other.code.split(" ")[0] != first:
        assert resume(app.test_client(), other.code, address="192.0.2.100")[0] == 200


def test_not_a_code_is_refused_clearly(app: Flask) -> None:
    for typed in ("", "hello", "one two three four", 42, None):
        status, answer = resume(app.test_client(), typed, address="192.0.2.50")  # type: ignore[arg-type]  # hostile input
        assert status == 400
        assert answer["error"] == "wrong"


def test_redis_down_refuses_to_check_codes_and_still_names_999(
        app: Flask, built: Services) -> None:
    came = come_back_later(app)
    dead = redis.Redis(port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    codes = built.conversations.return_codes
    assert codes is not None
    codes.redis = dead
    status, answer = resume(app.test_client(), came.code)
    assert status == 503
    assert "999" in str(answer["message"])
