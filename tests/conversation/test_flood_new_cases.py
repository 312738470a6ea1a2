"""A burst of new chats from one network address is one case even before the address is over
its message allowance (issue 23, item 7): each address may open `address_new_cases_burst`
cases on their own (survivors sharing a refuge's wifi), then later ones are listed under the
burst's first case. Forty fresh chats in a second used to make thirty separate cases, because
each chat's single message was within the address's allowance of thirty messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import Services
from tests.conftest import MovableClock
from tests.conversation.test_flood_lead import URGENT, WORSE, queue
from tests.conversation.test_floods import TUESDAY_10AM, cases, chat

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_40_fresh_chats_from_one_address_are_a_few_cases_and_one_flood_not_40(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    allowance = built.settings.deployment.floods.address_new_cases_burst
    answers = [chat(client, WORSE) for _ in range(40)]
    assert all(answer["replies"] for answer in answers)  # every survivor is answered
    opened = cases(built)
    assert len(opened) == 40  # none is lost
    alone, (lead, *followers) = opened[:allowance], opened[allowance:]
    assert all(case.flood_lead_id is None for case in [*alone, lead])
    assert {case.flood_lead_id for case in followers} == {lead.id}
    rows = queue(app, client, clock)
    assert sorted(int(str(row["id"])) for row in rows) == [case.id for case in [*alone, lead]]
    assert {row["id"]: row["flood_note"] for row in rows}[lead.id] == (
        f"possible flood: {39 - allowance} more chats from the same network")


def test_survivors_sharing_a_network_each_have_their_own_case_within_the_allowance(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    floods = built.settings.deployment.floods
    for _ in range(floods.address_new_cases_burst):
        chat(client, WORSE)
    clock.advance(timedelta(minutes=1 / floods.address_new_cases_per_minute))  # refilled
    chat(client, WORSE)
    assert [case.flood_lead_id for case in cases(built)] == \
        [None] * (floods.address_new_cases_burst + 1)
    assert not any(row["flood_note"] for row in queue(app, client, clock))


def test_beyond_the_allowance_urgent_chats_and_requests_for_a_person_still_stand_alone(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    for _ in range(built.settings.deployment.floods.address_new_cases_burst + 2):
        chat(client, WORSE)
    chat(client, URGENT)
    chat(client, "person")
    opened = cases(built)
    assert [case.flood_lead_id for case in opened[-2:]] == [None, None]
    rows = queue(app, client, clock)
    assert rows[0]["priority"] == "urgent"
    assert {opened[-1].id, opened[-2].id} <= {row["id"] for row in rows}
