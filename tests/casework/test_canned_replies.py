"""Canned replies supervisors edit (issue 20, item 7): per language, the catalogue's texts as
the defaults, every save a new version, audited without the text, refused exactly as `flows
check` refuses a catalogue text, offered to advocates in the survivor's language."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.content import lint
from app.content.lockscreen import LockScreenRule
from app.content.segments import encoding_of
from app.services import services
from app.storage.models import AuditEvent, CannedReplyVersion
from tests.support.cases import claim, open_case
from tests.support.staff import csrf, csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
EDITED = "Hello, thank you for writing. I am here and I have read it all."


@pytest.fixture
def supervisor(app: Flask, advocate: FlaskClient) -> FlaskClient:
    """A supervisor signed in (after the `advocate` fixture, which sets the clock)."""
    client = app.test_client()
    assert sign_in(client, make_advocate(app, "sue@example.org", "supervisor")).status_code == 302
    return client


def save(client: FlaskClient, key: str, language: str, text: str) -> int:
    page = client.get(f"/advocates/canned/{key}/{language}").get_data(as_text=True)
    return client.post(f"/advocates/canned/{key}/{language}",
                       data={"csrf_token": csrf(page), "text": text}).status_code


def offered(app: Flask, language: str) -> dict[str, str]:
    with app.app_context():
        return dict(services().replies.canned(language))


def test_an_edit_is_what_advocates_are_offered_and_every_version_is_kept(
        app: Flask, supervisor: FlaskClient) -> None:
    assert offered(app, "en")["canned.received"].startswith("Hello, thank you for your message")
    assert save(supervisor, "canned.received", "en", EDITED) == 302
    assert save(supervisor, "canned.received", "en", EDITED + " Take your time.") == 302
    assert offered(app, "en")["canned.received"] == EDITED + " Take your time."
    with app.app_context(), services().database.session() as session:
        kept = [(v.language, v.version, v.text) for v in session.scalars(
            select(CannedReplyVersion).order_by(CannedReplyVersion.version))]
        audit = [(a.action, a.purpose) for a in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "canned_reply.saved"))]
    assert kept == [("en", 1, EDITED), ("en", 2, EDITED + " Take your time.")]
    assert audit == [("canned_reply.saved", "canned.received:en:v1"),
                     ("canned_reply.saved", "canned.received:en:v2")]
    page = supervisor.get("/advocates/canned/canned.received/en").get_data(as_text=True)
    assert "v2" in page
    assert "v1" in page
    assert "edited, v2" in supervisor.get("/advocates/canned").get_data(as_text=True)


@pytest.mark.parametrize(("text", "why"), [
    ("Police can help you tonight, call us back.", "police in the first 40 characters"),
    ("Hello " + "x" * 994, "SMS segments"),
    ("Hello {name}, are you safe?", "unknown placeholders"),
    ("Hello {services", "not a valid text template"),
])
def test_a_text_flows_check_would_refuse_is_refused_with_its_words_and_not_saved(
        app: Flask, supervisor: FlaskClient, text: str, why: str) -> None:
    page = supervisor.get("/advocates/canned/canned.received/en").get_data(as_text=True)
    response = supervisor.post("/advocates/canned/canned.received/en",
                               data={"csrf_token": csrf(page), "text": text})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert why in body
    with app.app_context():
        built = services()
        rule = LockScreenRule.load(built.settings.flows_path / "outbound.yaml",
                                   built.settings.deployment.organisation_name)
    # The same problem, in the same words, as `flows check` says of a catalogue text (an
    # English edit is the English: there is no other English to match its placeholders to).
    for problem in lint.check_text(rule, "en", "canned.received", text, None):
        assert problem.why.replace("'", "&#39;") in body
    assert offered(app, "en")["canned.received"].startswith("Hello, thank you for your message")
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(CannedReplyVersion)).first() is None


def test_the_survivors_language_first_then_the_default_and_the_missing_are_listed(
        app: Flask, supervisor: FlaskClient) -> None:
    assert save(supervisor, "canned.when_safe", "pl", "Dzień dobry, kiedy możemy napisać?") == 302
    page = supervisor.get("/advocates/canned").get_data(as_text=True)
    token = csrf(page)
    assert supervisor.post("/advocates/canned/new", data={
        "csrf_token": token, "label": "Thank you for waiting", "language": "en",
        "text": "Thank you for waiting. I am reading your messages now."}).status_code == 302
    polish = offered(app, "pl")
    assert polish["canned.when_safe"] == "Dzień dobry, kiedy możemy napisać?"
    # Added in English only: a Polish-speaking survivor's advocate is offered the English.
    (local,) = [key for key in polish if key.startswith("local.")]
    assert polish[local] == "Thank you for waiting. I am reading your messages now."
    listing = supervisor.get("/advocates/canned").get_data(as_text=True)
    row = listing[listing.index(f'data-key="{local}"'):]
    row = row[: row.index("</tr>")]
    assert "cy, pl, pa, ur, ar, ro, so" in row


@pytest.mark.parametrize("role", ["advocate", "admin"])
def test_only_supervisors_edit_canned_replies(app: Flask, advocate: FlaskClient,
                                              role: str) -> None:
    client = advocate
    if role == "admin":
        client = app.test_client()
        sign_in(client, make_advocate(app, "root@example.org", "admin"))
    assert client.get("/advocates/canned").status_code == 403
    assert client.get("/advocates/canned/canned.received/en").status_code == 403
    token = csrf_from(client, "/advocates/queue")
    assert client.post("/advocates/canned/canned.received/en",
                       data={"csrf_token": token, "text": EDITED}).status_code == 403
    assert client.post("/advocates/canned/new", data={
        "csrf_token": token, "label": "x", "language": "en", "text": EDITED}).status_code == 403
    assert offered(app, "en")["canned.received"] != EDITED


def test_the_advocate_sends_the_edited_text_from_the_picker(
        app: Flask, advocate: FlaskClient, supervisor: FlaskClient,
        twilio: TwilioSigner) -> None:
    assert save(supervisor, "canned.received", "en", EDITED) == 302
    case_id = open_case(twilio)
    claim(advocate, case_id)
    token = csrf_from(advocate, "/advocates/queue")
    preview = advocate.post(f"/advocates/cases/{case_id}/reply/preview",
                            data={"csrf_token": token, "canned": "canned.received"})
    assert preview.status_code == 200
    assert EDITED in preview.get_data(as_text=True)


def test_a_translation_keeps_the_english_placeholders(
        app: Flask, supervisor: FlaskClient) -> None:
    lead = "Oto kilka numerów, które mogą ci się przydać."  # the catalogue's own first line
    assert save(supervisor, "canned.services", "pl", lead) == 422
    assert save(supervisor, "canned.services", "pl", lead + "\n{services}") == 302


def test_services_that_would_reach_the_lock_screen_are_refused(
        supervisor: FlaskClient) -> None:
    """A short first line lets the services' names into the lock screen's 40 characters:
    "Oto przydatne numery." and then "National Domestic Abuse Helpline"."""
    page = supervisor.get("/advocates/canned/canned.services/pl").get_data(as_text=True)
    refused = supervisor.post("/advocates/canned/canned.services/pl", data={
        "csrf_token": csrf(page), "text": "Oto przydatne numery.\n{services}"})
    assert refused.status_code == 422
    assert ("the whole reply shows domestic in the first 40 characters"
            in refused.get_data(as_text=True))


@pytest.mark.parametrize("language", ["en", "ur", "pl"])
def test_the_editor_previews_useful_numbers_as_the_survivor_receives_them(
        app: Flask, supervisor: FlaskClient, language: str) -> None:
    """The "Useful numbers" preview shows the deployment's services written in, in the reply's
    language, exactly as the picker offers it (and the survivor gets it): not "{services}"."""
    page = supervisor.get(f"/advocates/canned/canned.services/{language}").get_data(
        as_text=True)
    with app.app_context():
        built = services()
        listed = built.conversations.services_text(language)
        as_offered = dict(built.replies.canned(language))["canned.services"]
    shown = page[page.index('id="as-sent"'):]
    shown = html.unescape(shown[shown.index(">") + 1:shown.index("</p>")])
    assert shown == as_offered
    assert listed in shown
    lock_screen = page[page.index('id="lockscreen"'):page.index("</p>", page.index(
        'id="lockscreen"'))]
    assert "{services}" not in lock_screen


@pytest.mark.parametrize("language", ["en", "pl", "ur"])
def test_a_reply_whose_services_make_it_too_long_is_refused_in_every_language(
        app: Flask, supervisor: FlaskClient, language: str) -> None:
    """The template fits, and with {services} written in it does not: the whole reply is what
    the survivor receives, so that is what is measured (as `flows check` measures it)."""
    with app.app_context():
        built = services()
        rule = LockScreenRule.load(built.settings.flows_path / "outbound.yaml",
                                   built.settings.deployment.organisation_name)
        listed = built.conversations.services_text(language)
    head = "Hello, here are some numbers. "
    padding = 0
    while encoding_of(f"{head}{'x' * (padding + 1)}\n{{services}}").segments <= rule.max_segments:
        padding += 1
    text = f"{head}{'x' * padding}\n{{services}}"
    assert encoding_of(text.replace("{services}", listed)).segments > rule.max_segments
    page = supervisor.get(f"/advocates/canned/canned.services/{language}").get_data(
        as_text=True)
    refused = supervisor.post(f"/advocates/canned/canned.services/{language}",
                              data={"csrf_token": csrf(page), "text": text})
    assert refused.status_code == 422
    assert "With the useful numbers written in" in refused.get_data(as_text=True)
    assert "SMS segments" in refused.get_data(as_text=True)
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(CannedReplyVersion)).first() is None
