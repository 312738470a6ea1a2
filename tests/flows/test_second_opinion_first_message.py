"""The second opinion's "person" reading counts on a message that starts a conversation
(app/flows/engine.py): the model was taught and measured on first messages, and with it on
by default a mid-conversation "ok" or "thanks" must not start the person step over again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.flows import ConversationState, Escalate, load_flows, step

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
TEXT = "fancy a natter with your crew"  # no phrase of flows/intents.yaml reads it


def test_a_first_message_read_as_asking_for_a_person_reaches_one() -> None:
    read = step(load_flows(ROOT / "flows"), ConversationState(), TEXT, NOW, IDLE, person=True)
    assert read.intent == "person"
    assert any(isinstance(a, Escalate) for a in read.actions)


def test_mid_conversation_the_reading_leaves_the_step_to_answer() -> None:
    flow = load_flows(ROOT / "flows")
    at_welcome = ConversationState(step="welcome", last_activity=NOW)
    read = step(flow, at_welcome, TEXT, NOW + timedelta(minutes=2), IDLE, person=True)
    assert read.intent != "person"
    assert read == step(flow, at_welcome, TEXT, NOW + timedelta(minutes=2), IDLE)


def test_after_the_idle_time_a_message_starts_afresh_and_counts_again() -> None:
    flow = load_flows(ROOT / "flows")
    idle = ConversationState(step="welcome", last_activity=NOW)
    read = step(flow, idle, TEXT, NOW + IDLE + timedelta(minutes=1), IDLE, person=True)
    assert read.intent == "person"
