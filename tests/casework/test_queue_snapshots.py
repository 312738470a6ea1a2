"""The queue is built once and shared by every advocate polling it (issue 22, item 5): thirty
advocates polling 1,000 cases twice a second could not each have their own build. Sharing must
not make the queue stale: a new case, a claim, a survivor's STOP show on the very next poll."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.casework.queue_snapshots import MAX_AGE, Snapshots
from app.services import Services
from app.storage import cases
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

NOON = datetime(2026, 12, 1, 12, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_build_serves_until_the_fingerprint_changes_or_it_is_a_second_old() -> None:
    ticks = Ticks()
    shots: Snapshots[int] = Snapshots(ticks)
    builds = iter(range(1, 100))
    first = shots.get("a", NOON, lambda: next(builds))
    assert first.value == 1
    ticks.now += MAX_AGE / 2
    assert shots.get("a", NOON, lambda: next(builds)) is first
    assert shots.get("b", NOON, lambda: next(builds)).value == 2  # something changed
    ticks.now += MAX_AGE
    assert shots.get("b", NOON, lambda: next(builds)).value == 3  # a second by the wall
    assert shots.get("b", NOON + timedelta(seconds=MAX_AGE),
                     lambda: next(builds)).value == 4  # a second by the service's clock
    assert shots.get("b", NOON, lambda: next(builds)).value == 5  # its clock went back


def test_polls_that_find_it_stale_together_wait_for_one_build() -> None:
    shots: Snapshots[int] = Snapshots()
    started, release = threading.Event(), threading.Event()
    built = []

    def build() -> int:
        built.append(1)
        started.set()
        release.wait(10)
        return len(built)

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(shots.get("x", NOON, build).value))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: results.append(shots.get("x", NOON, build).value))
              for _ in range(5)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert results == [1] * 6
    assert len(built) == 1


def queue(client: FlaskClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/advocates/queue.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    return {str(item["reference"]): item for item in answer.get_json()["cases"]}


@pytest.mark.databases("sqlite", "postgresql")
def test_many_advocates_polling_share_one_build_and_see_every_change_at_once(
        app: Flask, built: Services, clock: MovableClock, twilio: TwilioSigner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))  # a Tuesday, in opening hours
    builds: list[int] = []
    unfinished = cases.unfinished

    def counted(*args: Any) -> list[cases.CaseRecord]:
        builds.append(1)
        return unfinished(*args)

    monkeypatch.setattr(cases, "unfinished", counted)
    # The wall clock stands still, so only what the test does decides a rebuild, however
    # slowly a loaded machine runs it.
    monkeypatch.setattr(built.casework.shared_queue, "_snapshots", Snapshots(Ticks()))
    first = open_case(twilio, "+447700900301")
    desk = []
    for number, role in enumerate(["advocate", "advocate", "supervisor"]):
        staff = app.test_client()
        sign_in(staff, make_advocate(app, f"shift{number}@example.org", role))
        desk.append(staff)
    views = [queue(staff) for staff in desk for _ in range(3)]
    assert len(builds) == 1
    assert all(view == views[0] for view in views[:6])  # the two advocates see the same
    (row,) = views[0].values()
    assert (row["id"], row["claimed_by"], row["manage_url"]) == (first, None, None)
    assert views[6][row["reference"]]["manage_url"] == f"/advocates/cases/{first}/manage"

    second = open_case(twilio, "+447700900302")  # a new case shows on the next poll
    assert {item["id"] for item in queue(desk[1]).values()} == {first, second}
    claim(desk[0], first)  # and so does a claim, to everyone
    mine = {item["id"]: item for item in queue(desk[0]).values()}
    theirs = {item["id"]: item for item in queue(desk[1]).values()}
    assert (mine[first]["mine"], mine[first]["status"]) == (True, "claimed")
    assert (theirs[first]["mine"], theirs[first]["claimed_by"]) == (False, "shift0@example.org")
    twilio.sms("STOP", sender="+447700900302")  # the survivor's state: the window label
    assert {item["id"]: item["window"] for item in queue(desk[1]).values()}[second] != \
        theirs[second]["window"]
    builds_before = len(builds)
    clock.advance(timedelta(seconds=90))  # waiting times follow the clock, not the build
    waited = {item["id"]: item["waiting_seconds"] for item in queue(desk[2]).values()}
    assert waited[second] >= 90
    assert len(builds) == builds_before + 1
