"""One case per burst of new chats from one network address (issue 23, item 7;
docs/threat-model.md, A2): while the address is over its allowance, later cases are listed
under the burst's first case, with no alert of their own; every chat is still answered, each
case can be opened once the first is claimed, and an urgent case or a request for a person
always shows on its own. Redis down: every case stands alone, as before.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select

from app.conversation.throttle import Throttle
from app.crypto import ContactHasher, generate_key_token
from app.deployment.sections import FloodLimits
from app.services import Services
from app.storage.models import Alert, Escalation
from tests.conftest import MovableClock
from tests.conversation.test_floods import ADDRESS, TUESDAY_10AM, cases, chat, closed_port
from tests.support.cases import csrf
from tests.support.fake_twilio import FakeTwilio
from tests.support.staff import make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
# Read as high risk by triage (escalation): it opens a case without asking for a person.
WORSE = "it is getting worse"
URGENT = "he is here now, help"


@pytest.fixture(autouse=True)
def allowances_kept_for_the_whole_test(built: Services) -> None:
    """These tests pin the app's clock, so an allowance never refills; but Redis expires the
    flood counts in real seconds (`_GCRA`: how far ahead the allowance runs, plus a minute).
    At 20 a minute, the address's count outlived the last allowed chat by 150 s, and on a
    loaded machine 32 chats took longer: the address was no longer over its allowance and a
    chat meant to be listed under the lead stood alone. At one a minute the counts are kept
    for half an hour of real time; the pinned clock refills nothing either way."""
    throttle = built.conversations.throttle
    assert throttle is not None
    throttle.limits = replace(throttle.limits, address_per_minute=1,
                              address_new_cases_per_minute=1)


def over_the_allowance(client: FlaskClient, built: Services) -> None:
    """Chats that open no case, until the address is over its allowance."""
    for _ in range(built.settings.deployment.floods.address_burst):
        chat(client, "hello")


def queue(app: Flask, client: FlaskClient, clock: MovableClock) -> list[dict[str, object]]:
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate, code=advocate.code(clock().timestamp()))
    rows: list[dict[str, object]] = client.get("/advocates/queue.json").get_json()["cases"]
    return rows


def test_40_chats_from_one_address_make_one_visible_case_with_39_listed_under_it(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
    fake_twilio: FakeTwilio, inline_jobs: None,
) -> None:
    clock.set(TUESDAY_10AM)
    built.redis.delete("quietline:queue-watchers")
    over_the_allowance(client, built)
    answers = [chat(client, WORSE) for _ in range(40)]
    assert all(answer["replies"] for answer in answers)  # every survivor is answered
    opened = cases(built)
    assert len(opened) == 40  # none is lost
    lead, *followers = opened
    assert lead.flood_lead_id is None
    assert {case.flood_lead_id for case in followers} == {lead.id}
    with built.database.session() as session:
        alerted = set(session.scalars(select(Alert.escalation_id)))
    assert alerted <= {lead.id}  # the followers send no alerts of their own

    rows = queue(app, client, clock)
    assert [row["id"] for row in rows] == [lead.id]
    assert rows[0]["flood_note"] == "possible flood: 39 more chats from the same network"
    # Claiming the lead lets the advocate open each of the others from its page.
    token = csrf(client.get("/advocates/queue").get_data(as_text=True))
    client.post(f"/advocates/cases/{lead.id}/claim", data={"csrf_token": token})
    page = client.get(f"/advocates/cases/{lead.id}").get_data(as_text=True)
    assert "Possible flood: 39 more chats from the same network" in page
    for follower in followers:
        assert f'href="/advocates/cases/{follower.id}"' in page
        opened_page = client.get(f"/advocates/cases/{follower.id}")
        assert opened_page.status_code == 200
        assert WORSE in opened_page.get_data(as_text=True)


def test_an_urgent_chat_or_a_request_for_a_person_in_the_burst_shows_on_its_own(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    over_the_allowance(client, built)
    for _ in range(10):
        chat(client, WORSE)
    chat(client, URGENT)
    chat(client, "person")
    for _ in range(10):
        chat(client, WORSE)
    rows = queue(app, client, clock)
    assert len(cases(built)) == 22
    assert len(rows) == 3
    assert rows[0]["priority"] == "urgent"
    assert sum("asked_for_person" in list(row["reasons"]) for row in rows) == 1  # type: ignore[call-overload]
    (lead,) = [row for row in rows if row["flood_note"]]
    assert lead["flood_note"] == "possible flood: 19 more chats from the same network"


def test_a_listed_chat_that_then_asks_for_a_person_comes_out_on_its_own(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    over_the_allowance(client, built)
    chat(client, WORSE)
    token = str(chat(client, WORSE)["token"])
    assert len(queue(app, client, clock)) == 1
    chat(client, "person", token=token)
    rows = client.get("/advocates/queue.json").get_json()["cases"]
    assert len(rows) == 2
    assert all(not row["flood_note"] for row in rows)


def test_when_the_lead_is_closed_the_listed_cases_show_on_their_own_again(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    over_the_allowance(client, built)
    for _ in range(3):
        chat(client, WORSE)
    lead = cases(built)[0]
    queue(app, client, clock)
    token = csrf(client.get("/advocates/queue").get_data(as_text=True))
    client.post(f"/advocates/cases/{lead.id}/claim", data={"csrf_token": token})
    client.post(f"/advocates/cases/{lead.id}/close",
                data={"csrf_token": token, "reason": "duplicate"})
    rows = client.get("/advocates/queue.json").get_json()["cases"]
    assert len(rows) == 2
    # A new chat from the address now leads its own burst: the closed case is not reused.
    chat(client, WORSE)
    newest = cases(built)[-1]
    assert newest.flood_lead_id is None


def test_with_redis_down_each_case_stands_alone() -> None:
    down = redis.Redis(port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    throttle = Throttle(down, ContactHasher(generate_key_token()), FloodLimits(),
                        lambda: TUESDAY_10AM)
    assert throttle.flood_lead("a" * 64, 7) == 7
    throttle.replace_flood_lead("a" * 64, 8)  # no exception either


def test_the_lead_is_kept_under_the_keyed_address_only(
    client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    over_the_allowance(client, built)
    chat(client, WORSE)
    (lead,) = cases(built)
    keys = list(built.redis.scan_iter("quietline:flood:lead:*"))
    assert keys
    assert all(ADDRESS.encode() not in key for key in keys)
    assert str(lead.id).encode() in [built.redis.get(key) for key in keys]
    assert 0 < int(built.redis.ttl(keys[0])) <= built.settings.deployment.floods.lead_minutes * 60


def test_cases_from_another_address_are_not_listed_under_the_lead(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    over_the_allowance(client, built)
    chat(client, WORSE)
    chat(client, WORSE, address="198.51.100.9")
    assert all(case.flood_lead_id is None for case in cases(built))
    with built.database.session() as session:
        assert session.scalar(select(Escalation.flood_lead_id).where(
            Escalation.flood_lead_id.is_not(None))) is None
