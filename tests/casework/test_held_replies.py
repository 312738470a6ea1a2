"""Replies held for the safe time when the case is closed, released or handed over
(app/casework/held_replies.py; staff6's finding: they went when the window opened, and nothing
said so). A reply written for the survivor still goes; the case page, the manage page and the
close form say how many wait and until when; an advocate can withdraw one (audited, never
sent); closing asks whether they go or are withdrawn. STOP and erasure still hold them."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.casework.desk import CaseConflict
from app.services import services
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import (
    claim,
    close_case,
    close_form_seen,
    latest_case,
    reply_rows,
    send_reply,
)
from tests.support.fake_twilio import FakeTwilio
from tests.support.records import audit_rows, erase_by_sms
from tests.support.staff import csrf, csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
REPLY = "Hello, this is Sam. Text me back whenever suits you."
WINDOW_OPENS = datetime(2026, 12, 1, 18, 1, tzinfo=UTC)  # Tuesday 18:01 in London (GMT)


def sweep(app: Flask) -> None:
    with app.app_context():
        sweeper.sweep()


@pytest.fixture
def held(app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> int:
    """A case whose survivor asked to be texted at a safe time (18:00-20:00, confirmed), with
    one reply written at 10:00, held until 18:00."""
    for text in ("person", "1", "3", "evenings 6-8pm"):
        twilio.sms(text)
    case_id = latest_case(twilio)
    claim(advocate, case_id)
    token = csrf_from(advocate, "/advocates/queue")
    advocate.post(f"/advocates/cases/{case_id}/window",
                  data={"csrf_token": token, "window": "daily 18:00-20:00"})
    assert send_reply(advocate, case_id, REPLY).status_code == 302
    (row,) = reply_rows(app)
    assert (row.status, row.hold_reason) == ("held", "outside_window")
    return case_id


def close(client: FlaskClient, case_id: int, **form: str) -> int:
    return close_case(client, case_id, **form).status_code


def test_the_case_page_and_the_close_form_say_what_is_held_and_until_when(
        advocate: FlaskClient, held: int) -> None:
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "1 reply not sent yet, held until Tue 01 Dec 18:00" in page
    assert "held until Tue 01 Dec 18:00 (outside the safe time)" in page
    assert "Withdraw this reply" in page
    assert "It still goes to the survivor when it is safe" in page  # one reply: "it"
    assert 'id="close-held"' in page
    assert REPLY not in re.sub(r'<ol class="transcript".*?</ol>', "", page, flags=re.S)


def test_two_held_replies_are_spoken_of_as_them(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    assert send_reply(advocate, held, "And one more thing.").status_code == 302
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "2 replies not sent yet" in page
    assert "They still go to the survivor when it is safe" in page


def test_closing_with_replies_held_asks_what_becomes_of_them_first(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    assert close(advocate, held) == 400
    assert audit_rows(app, "case.closed") == []
    assert reply_rows(app)[0].status == "held"


def test_a_reply_kept_on_closing_still_goes_when_the_window_opens(
        app: Flask, advocate: FlaskClient, held: int, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    assert close(advocate, held, held="send") == 302
    clock.set(WINDOW_OPENS)
    sweep(app)
    sweep(app)
    assert [m.body for m in fake_twilio.messages if m.to == SURVIVOR] == [REPLY]


def test_replies_withdrawn_on_closing_never_go_and_the_withdrawal_is_audited(
        app: Flask, advocate: FlaskClient, held: int, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    assert close(advocate, held, held="withdraw") == 302
    (row,) = reply_rows(app)
    assert (row.status, row.hold_reason) == ("cancelled", "withdrawn")
    assert len(audit_rows(app, "reply.withdrawn")) == 1
    assert len(audit_rows(app, "case.closed")) == 1
    clock.set(WINDOW_OPENS)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "will not be sent (withdrawn by an advocate)" in page


def test_the_holder_withdraws_a_held_reply_once_and_others_cannot(
        app: Flask, advocate: FlaskClient, held: int, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    (row,) = reply_rows(app)
    path = f"/advocates/cases/{held}/replies/{row.id}/withdraw"
    clock.advance(timedelta(seconds=60))
    other = app.test_client()
    sign_in(other, make_advocate(app, "b@example.org"))
    assert other.post(path, data={"csrf_token": csrf_from(other, "/advocates/queue")}
                      ).status_code == 403
    token = csrf_from(advocate, f"/advocates/cases/{held}")
    assert advocate.post(path, data={"csrf_token": token}).status_code == 302
    assert advocate.post(path, data={"csrf_token": token}).status_code == 409
    assert len(audit_rows(app, "reply.withdrawn")) == 1
    clock.set(WINDOW_OPENS)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    assert 'id="close-held"' not in advocate.get(f"/advocates/cases/{held}").get_data(
        as_text=True)


def test_after_release_the_manage_page_shows_it_and_a_supervisor_withdraws_it(
        app: Flask, advocate: FlaskClient, held: int, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    token = csrf_from(advocate, f"/advocates/cases/{held}")
    assert advocate.post(f"/advocates/cases/{held}/release",
                         data={"csrf_token": token}).status_code == 302
    clock.advance(timedelta(seconds=60))
    boss = app.test_client()
    sign_in(boss, make_advocate(app, "sue@example.org", "supervisor"))
    page = boss.get(f"/advocates/cases/{held}/manage").get_data(as_text=True)
    assert "1 reply not sent yet, held until Tue 01 Dec 18:00" in page
    assert REPLY not in page  # the manage page reads nothing of the case
    (row,) = reply_rows(app)
    response = boss.post(f"/advocates/cases/{held}/replies/{row.id}/withdraw",
                         data={"csrf_token": csrf(page), "from": "manage"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/advocates/cases/{held}/manage")
    clock.set(WINDOW_OPENS)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0


@pytest.mark.parametrize("survivor_says", [("STOP",), ("delete", "1")])
def test_stop_or_erasure_after_closing_still_hold_a_kept_reply(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, held: int,
        fake_twilio: FakeTwilio, clock: MovableClock, survivor_says: tuple[str, ...]) -> None:
    assert close(advocate, held, held="send") == 302
    if survivor_says == ("delete", "1"):
        erase_by_sms(twilio)
    else:
        twilio.sms("STOP")
    clock.set(WINDOW_OPENS)
    sweep(app)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR, body=REPLY) == 0


def close_page(client: FlaskClient, case_id: int, **form: str) -> str:
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/close",
                       data={"csrf_token": csrf(page), "reason": "supported", **form}
                       ).get_data(as_text=True)


def test_one_held_reply_is_it_in_the_close_form_and_its_refusal(
        advocate: FlaskClient, held: int) -> None:
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    form = page[page.index('id="close-held"'):]
    assert "Still send it when it is safe" in form
    assert "Withdraw it: it will not be sent" in form
    refusal = close_page(advocate, held)
    assert "1 reply not sent yet: choose whether it still goes" in refusal
    assert "or is withdrawn" in refusal
    assert " they " not in refusal


def test_two_held_replies_are_them_in_the_close_form_and_its_refusal(
        advocate: FlaskClient, held: int) -> None:
    assert send_reply(advocate, held, "And one more thing.").status_code == 302
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "Still send them when it is safe" in page
    refusal = close_page(advocate, held)
    assert "2 replies not sent yet: choose whether they still go" in refusal
    assert "or are withdrawn" in refusal


def test_a_reply_written_while_the_case_is_closing_does_not_escape_the_choice(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    """The close counts the waiting replies (none) and a reply is written right after that
    count, from another request: either the close sees it and asks, or the reply is refused
    because the case closed. Never a closed case with a reply nobody chose to send."""
    twilio.sms("person")
    case_id = latest_case(twilio)
    claim(advocate, case_id)
    outcome: dict[str, object] = {}

    def write_reply() -> None:
        with app.app_context():
            member = services().accounts.find("a@example.org")
            assert member is not None
            try:
                outcome["reply"] = services().replies.send(case_id, member, REPLY)[0]
            except CaseConflict as refused:
                outcome["refused"] = refused.message

    writer = threading.Thread(target=write_reply)
    started: list[bool] = []

    def after_the_count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (statement.lstrip().startswith("SELECT replies.id, replies.advocate_id")
                and threading.current_thread() is not writer and not started):
            started.append(True)
            writer.start()
            # Long enough for the reply to be stored if nothing holds it back; with the
            # close holding the case it waits for the commit instead.
            writer.join(timeout=2)

    token = csrf_from(advocate, f"/advocates/cases/{case_id}")
    with app.app_context():
        engine = services().database.engine
    event.listen(engine, "after_cursor_execute", after_the_count)
    try:
        status = advocate.post(f"/advocates/cases/{case_id}/close",
                               data={"csrf_token": token, "reason": "supported"}).status_code
    finally:
        event.remove(engine, "after_cursor_execute", after_the_count)
    writer.join(timeout=30)
    assert not writer.is_alive()
    assert "reply" in outcome or "refused" in outcome
    waiting = [r for r in reply_rows(app) if r.status in ("queued", "held")]
    closed = audit_rows(app, "case.closed") != []
    assert not (closed and waiting), (status, outcome)


def test_the_shift_summary_says_which_replies_are_held_and_until_when(
        advocate: FlaskClient, held: int) -> None:
    """An advocate handing over at the end of a shift sees the held reply: count and time,
    never its text."""
    page = advocate.get("/advocates/shift").get_data(as_text=True)
    assert "1 reply is held, not sent yet, until Tue 01 Dec 18:00" in page
    assert "It still goes to the survivor when it is safe" in page
    assert "<td>1 until Tue 01 Dec 18:00</td>" in page
    assert REPLY not in page


def test_the_shift_summary_speaks_of_several_held_replies_as_them(
        advocate: FlaskClient, held: int) -> None:
    assert send_reply(advocate, held, "And one more thing.").status_code == 302
    page = advocate.get("/advocates/shift").get_data(as_text=True)
    assert "2 replies are held, not sent yet, until Tue 01 Dec 18:00" in page
    assert "They still go to the survivor when it is safe" in page


def test_a_refused_close_leads_back_to_the_case(advocate: FlaskClient, held: int) -> None:
    refusal = close_page(advocate, held)
    assert f'id="next-step" href="/advocates/cases/{held}">Back to the case' in refusal


def test_a_reply_written_after_the_close_form_was_shown_is_not_swept_into_its_choice(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert send_reply(advocate, held, "And one more thing.").status_code == 302  # another tab
    refused = advocate.post(f"/advocates/cases/{held}/close", data={
        "csrf_token": csrf(page), "reason": "supported", "held": "withdraw",
        **close_form_seen(page)})
    assert refused.status_code == 400
    assert ("1 reply was written after this page was opened, so the case was not closed: "
            "2 replies not sent yet now") in refused.get_data(as_text=True)
    assert audit_rows(app, "case.closed") == []
    assert [row.status for row in reply_rows(app)] == ["held", "held"]
    # Looked at again, the form shows both, and the choice applies to both.
    assert close(advocate, held, held="withdraw") == 302
    assert [row.hold_reason for row in reply_rows(app)] == ["withdrawn", "withdrawn"]


def test_a_handover_tells_both_advocates_the_held_reply_still_goes(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    colleague = app.test_client()
    bea = make_advocate(app, "bea@example.org")
    assert sign_in(colleague, bea).status_code == 302  # on shift
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    given = advocate.post(f"/advocates/cases/{held}/transfer", data={
        "csrf_token": csrf(page), "to": bea.email, "note": "Her reply goes at six."})
    still = "1 reply is still held for them and goes when it is safe"
    assert still in advocate.get(given.headers["Location"]).get_data(as_text=True)
    assert still in colleague.get(f"/advocates/cases/{held}").get_data(as_text=True)
