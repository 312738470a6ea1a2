"""The live case page's updates (issue 20, item 1): new messages and reply states without a
reload; one audit row per viewing session, none per poll; the same rules as the page on every
poll, so nothing reaches a member of staff the page itself would refuse."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.staff import csrf, csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")

SENDER = "+447700900123"
CANARY = "canary-5c1e he took my keys again"


def viewed_rows(app: Flask) -> list[AuditEvent]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "transcript.viewed")))


def live(client: FlaskClient, case_id: int, after: int, *, seen: bool = True,
         purpose: str = "") -> tuple[int, dict[str, object]]:
    query = f"after={after}&seen={int(seen)}" + (f"&purpose={purpose}" if purpose else "")
    response = client.get(f"/advocates/cases/{case_id}/live.json?{query}",
                          headers={"X-Requested-With": "fetch", "Accept": "application/json"})
    return response.status_code, response.get_json()


def count_on_page(client: FlaskClient, case_id: int) -> int:
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    marker = 'data-count="'
    start = page.index(marker) + len(marker)
    return int(page[start:page.index('"', start)])


@pytest.fixture
def held(app: Flask, client: FlaskClient, twilio: TwilioSigner) -> int:
    """A case the advocate signed in on `client` holds and has open."""
    case_id = open_case(twilio, SENDER)
    sign_in(client, make_advocate(app, "ana@example.org"))
    claim(client, case_id)
    assert client.get(f"/advocates/cases/{case_id}").status_code == 200
    return case_id


def test_a_new_survivor_message_comes_through_the_poll_without_another_audit_row(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, held: int) -> None:
    shown = count_on_page(client, held)
    assert len(viewed_rows(app)) == 1
    status, nothing = live(client, held, shown)
    assert status == 200
    assert nothing["messages"] == []
    assert nothing["count"] == shown

    twilio.sms(CANARY, sender=SENDER)
    status, data = live(client, held, shown)
    assert status == 200
    messages = data["messages"]
    assert isinstance(messages, list)
    survivor = [m for m in messages if m["kind"] == "survivor"]
    assert [m["body"] for m in survivor] == [CANARY]
    assert survivor[0]["who"] == "Survivor"
    assert data["count"] == shown + len(messages)
    assert SENDER not in str(data)
    assert len(viewed_rows(app)) == 1  # the viewing's row covers the poll


def test_automated_replies_come_with_their_one_line_summary(
        client: FlaskClient, held: int) -> None:
    _status, data = live(client, held, 0)
    messages = data["messages"]
    assert isinstance(messages, list)
    automated = [m for m in messages if m["kind"] == "automated"]
    assert automated
    assert all(m["summary"] and "." not in m["summary"].split(":")[0] for m in automated)
    assert any("request for a person confirmed" in m["summary"] for m in automated), [
        m["summary"] for m in automated]


def test_a_session_that_has_not_loaded_the_page_must_load_it_before_polling(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, held: int,
        clock: MovableClock) -> None:
    """The case given to a colleague: their poll is refused until their page is loaded,
    which writes their viewing's audit row."""
    twilio.sms(CANARY, sender=SENDER)
    clock.advance(timedelta(seconds=60))  # a fresh authenticator code for the second sign-in
    with app.app_context():
        ana = services().accounts.find("ana@example.org")
    assert ana is not None
    other = app.test_client()
    sign_in(other, make_advocate(app, "bo@example.org"))
    rows = len(viewed_rows(app))
    with app.app_context():
        services().casework.release(held, ana)
    claim(other, held)
    status, data = live(other, held, 0)
    assert status == 409
    assert CANARY not in str(data)
    assert len(viewed_rows(app)) == rows
    assert count_on_page(other, held) > 0
    assert len(viewed_rows(app)) == rows + 1
    status, data = live(other, held, 0)
    assert status == 200
    assert CANARY in str(data)


@pytest.mark.parametrize("role", ["advocate", "supervisor", "admin"])
def test_a_poll_by_someone_who_does_not_hold_the_case_is_refused_without_content(
        app: Flask, twilio: TwilioSigner, held: int, clock: MovableClock, role: str) -> None:
    twilio.sms(CANARY, sender=SENDER)
    clock.advance(timedelta(seconds=60))
    other = app.test_client()
    sign_in(other, make_advocate(app, f"{role}@example.org", role))
    status, data = live(other, held, 0)
    assert status == 403
    assert CANARY not in str(data)


def test_a_released_case_stops_updating_at_once(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, held: int) -> None:
    token = csrf_from(client, f"/advocates/cases/{held}")
    assert client.post(f"/advocates/cases/{held}/release",
                       data={"csrf_token": token}).status_code == 302
    twilio.sms(CANARY, sender=SENDER)
    status, data = live(client, held, 0)
    assert status == 403
    assert CANARY not in str(data)


@pytest.mark.parametrize("headers", [{}, {"Accept": "text/html"}])
def test_the_live_address_answers_its_refusals_in_json_whoever_asks(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, held: int,
        headers: dict[str, str]) -> None:
    """staff6: without the page script's header, live.json answered 403/410 as HTML pages,
    which the desk's script cannot read; now the same status, as JSON, saying what happened."""
    with app.app_context():
        ana = services().accounts.find("ana@example.org")
        assert ana is not None
        services().casework.release(held, ana)
    taken = client.get(f"/advocates/cases/{held}/live.json?after=0", headers=headers)
    assert (taken.status_code, taken.mimetype) == (403, "application/json")
    assert "no longer yours" in taken.get_json()["error"]
    twilio.sms("delete", sender=SENDER)
    twilio.sms("1", sender=SENDER)
    erased = client.get(f"/advocates/cases/{held}/live.json?after=0", headers=headers)
    assert (erased.status_code, erased.mimetype) == (410, "application/json")
    assert "deleted the conversation" in erased.get_json()["error"]


def test_a_supervisor_polls_only_with_the_purpose_they_opened_the_case_with(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, held: int,
        clock: MovableClock) -> None:
    twilio.sms(CANARY, sender=SENDER)
    clock.advance(timedelta(seconds=60))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "sue@example.org", "supervisor"))
    assert live(supervisor, held, 0, purpose="safeguarding")[0] == 409
    assert live(supervisor, held, 0)[0] == 403  # no purpose: refused like the page
    page = supervisor.get(f"/advocates/cases/{held}?purpose=safeguarding")
    assert 'purpose=safeguarding' in page.get_data(as_text=True)  # the page polls with it
    status, data = live(supervisor, held, 0, purpose="safeguarding")
    assert status == 200
    assert CANARY in str(data)
    assert live(supervisor, held, 0, purpose="supervision")[0] == 409
    assert [r.purpose for r in viewed_rows(app)] == [None, "safeguarding"]


def test_reply_states_come_through_the_poll(
        app: Flask, client: FlaskClient, held: int) -> None:
    page = client.get(f"/advocates/cases/{held}").get_data(as_text=True)
    client.post(f"/advocates/cases/{held}/reply",
                data={"csrf_token": csrf(page), "text": "Hello, is now a good time?"})
    _status, data = live(client, held, 0)
    deliveries = data["deliveries"]
    assert isinstance(deliveries, dict)
    assert len(deliveries) == 1
    (words,) = deliveries.values()
    assert words.startswith(("waiting to go", "held", "sending", "sent"))
    messages = data["messages"]
    assert isinstance(messages, list)
    (mine,) = [m for m in messages if m["kind"] == "advocate"]
    assert mine["who"] == "ana@example.org"
    assert mine["delivery"] == words


def test_the_live_updates_put_no_message_or_number_in_the_logs(
        client: FlaskClient, twilio: TwilioSigner, held: int,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    twilio.sms(CANARY, sender=SENDER)
    status, data = live(client, held, 0)
    assert status == 200
    assert CANARY in str(data)
    assert CANARY not in caplog.text
    assert SENDER not in caplog.text
    assert SENDER[1:] not in caplog.text
