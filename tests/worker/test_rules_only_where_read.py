"""The RQ worker never loads the triage rules; the job that reads a message loads them.

The rules are 15-22 MiB of compiled patterns, and no job but the spool's replay reads a
message, so the worker builds its app without them and they load on first use (issue 22,
item 6; bench/memory.py). The replay is a job of its own, so only its work-horse loads them.
Here the app, its sweeper and its jobs run in this process, through a real Redis queue and
RQ's in-process worker, and the loader is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from rq import SimpleWorker
from sqlalchemy import select

import worker as worker_module
from app.config import Settings
from app.content.failsafe import EMERGENCY_TEXT_EN
from app.conversation.service import InboundMessage
from app.dispatch import QUEUE_NAMES
from app.flows.triage import TriageRules
from app.services import Services, services, start_up
from app.storage.models import Escalation
from app.worker.sweeper import sweep
from tests.conftest import AppWith, MovableClock
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SURVIVOR, new_sid

pytestmark = pytest.mark.usefixtures("fake_twilio")
SATURDAY_2PM = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
ON_CALL = "+447700900998"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each load of the triage rules ("screened" or not), counted; requested before `app`, so
    its wiring calls the counted loader."""
    calls: list[str] = []
    load = start_up.load_triage

    def counted(settings: Settings, *, screens: bool = True) -> TriageRules | None:
        calls.append("screened" if screens else "unscreened")
        return load(settings, screens=screens)

    monkeypatch.setattr(start_up, "load_triage", counted)
    return calls


def run_jobs(app: Flask) -> None:
    """What the worker does with what is on the queues (in this process: SimpleWorker)."""
    with app.app_context():
        SimpleWorker(list(QUEUE_NAMES), connection=services().redis).work(burst=True)


def spool_one(built: Services, text: str) -> None:
    """A message as the fail-safe spools it while the database is down."""
    built.spool.add(InboundMessage("sms", SURVIVOR, text, new_sid(), reply_address=SURVIVOR),
                    built.clock(), EMERGENCY_TEXT_EN)


def sweep_and_work(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = sweep()
    run_jobs(app)
    return counts


def cases(built: Services) -> list[tuple[int, list[str]]]:
    with built.database.session() as session:
        return [(c.priority, c.reasons) for c in session.scalars(select(Escalation))]


def test_the_worker_s_app_and_an_alert_job_leave_the_rules_unloaded(
        loads: list[str], app: Flask, built: Services, app_with: AppWith,
        fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)
    web = app_with()  # the web tier, on the same database and Redis, opens an urgent case
    with web.app_context():
        services().conversations.handle_inbound(InboundMessage(
            "sms", SURVIVOR, "he tried to strangle me", new_sid(), reply_address=SURVIVOR))
    assert loads == ["screened"]  # the web tier's
    run_jobs(app)  # the worker (`app`) sends the case's alert
    sweep_and_work(app)
    assert [m.to for m in fake_twilio.messages] == [ON_CALL]
    assert cases(built) == [(3, ["triage_urgent", "strangulation"])]
    assert loads == ["screened"]
    assert not built.conversations.triage_source.loaded()


def test_the_replay_job_loads_the_rules_and_reads_the_message_with_them(
        loads: list[str], app: Flask, built: Services, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)
    built.conversations.triage_source.without_screens()  # as worker.py does
    spool_one(built, "he tried to strangle me")
    with app.app_context():
        assert sweep()["spooled"] == 1  # handed to the job...
    assert loads == []  # ...without the sweeper (the worker) loading the rules
    run_jobs(app)
    assert loads == ["unscreened"]
    assert built.spool.size() == 0
    assert cases(built) == [(3, ["triage_urgent", "strangulation"])]
    assert [m.to for m in fake_twilio.messages] == [ON_CALL]


def test_a_replay_whose_rules_fail_to_load_keeps_the_message_for_the_next_sweep(
        app: Flask, built: Services, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    clock.set(SATURDAY_2PM)
    source = built.conversations.triage_source
    load: Callable[[bool], TriageRules | None] | None = source._load  # noqa: SLF001 -- the loader the wiring gave it
    assert load is not None

    def broken(_screens: bool) -> TriageRules | None:
        raise OSError("the rules could not be read")

    monkeypatch.setattr(source, "_load", broken)
    spool_one(built, "he tried to strangle me")
    sweep_and_work(app)
    assert built.spool.size() == 1  # kept, not stored without the rules
    assert cases(built) == []
    monkeypatch.setattr(source, "_load", load)
    assert sweep_and_work(app)["spooled"] == 1  # the failed run left no mark behind
    assert built.spool.size() == 0
    assert cases(built) == [(3, ["triage_urgent", "strangulation"])]


def test_the_worker_has_its_rules_load_without_screens(
        loads: list[str], app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "create_app", lambda: app)
    monkeypatch.setattr(worker_module, "work_until_stopped", lambda _settings: None)
    monkeypatch.setattr(worker_module.Sweeper, "start", lambda _self: None)
    monkeypatch.setattr(worker_module.Sweeper, "stop", lambda _self: None)
    monkeypatch.setattr(worker_module, "share_with_forks", lambda: None)
    assert worker_module.main() == 0
    assert loads == []
    with app.app_context():
        rules = services().conversations.triage  # as the replay job's first message does
    assert loads == ["unscreened"]
    assert rules is not None
    assert rules.screens == {}
