"""The engine's rules for secrets (app/flows/engine.py, rules 6 and 7), on the shipped flows.

A locked conversation never reaches a step that takes or checks the resume word, whatever
leads there; a word that is set is replaced only after the current one is given. Pure: no app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.flows import ConversationState, FlowError, load_flows, step
from app.flows.loader import parse_flows
from app.flows.model import SetSecret

ROOT = Path(__file__).resolve().parents[2]
FLOW = load_flows(ROOT / "flows", duress_words=("bluebell",))
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
WORD = "marigold"


@dataclass(frozen=True)
class KnownWord:
    """A survivor whose resume word is WORD (or who has none)."""

    set: bool = True

    def is_set(self, name: str) -> bool:
        return self.set and name == "resume_word"

    def matches(self, name: str, text: str) -> bool:
        return self.set and name == "resume_word" and text.strip().casefold() == WORD


def at(step_id: str | None, **state: Any) -> ConversationState:
    return ConversationState(step=step_id, last_activity=NOW - timedelta(minutes=5),
                             language="en", **state)


def ids(result: Any) -> list[str]:
    return [ref.id for ref in result.replies]


def secrets_set(result: Any) -> list[SetSecret]:
    return [a for a in result.actions if isinstance(a, SetSecret)]


@pytest.mark.parametrize("state", [at("welcome", locked=True), at(None, locked=True),
                                   at("resume_set", locked=True),
                                   at("resume_change", locked=True)])
@pytest.mark.parametrize("text", ["my word", "new word", "moje słowo", "eraygayga", "other"])
def test_a_locked_conversation_never_reaches_a_secret(state: ConversationState,
                                                      text: str) -> None:
    for secrets in (KnownWord(), KnownWord(set=False)):
        first = step(FLOW, state, text, NOW, IDLE, secrets=secrets)
        second = step(FLOW, first.state, "Brand-New-Word", NOW, IDLE, secrets=secrets)
        assert secrets_set(first) == secrets_set(second) == []
        assert first.state.step not in ("resume_set", "resume_change")
        assert first.replies  # never silent


def test_a_locked_my_word_gets_only_the_locked_reply() -> None:
    result = step(FLOW, at("welcome", locked=True), "my word", NOW, IDLE, secrets=KnownWord())
    assert ids(result) == ["resume.ask"]
    assert result.secret_refused


def test_a_set_word_is_asked_for_before_a_new_one() -> None:
    asked = step(FLOW, at("welcome"), "my word", NOW, IDLE, secrets=KnownWord())
    assert ids(asked) == ["resume.change_ask"]
    wrong = step(FLOW, asked.state, "lavender", NOW, IDLE, secrets=KnownWord())
    assert ids(wrong) == ["resume.unchanged", "menu.hint"]
    assert wrong.secret_given
    assert secrets_set(wrong) == []
    asked = step(FLOW, wrong.state, "my word", NOW, IDLE, secrets=KnownWord())
    right = step(FLOW, asked.state, "Marigold", NOW, IDLE, secrets=KnownWord())
    assert ids(right) == ["resume.set_prompt"]
    assert right.secret_given
    assert secrets_set(right) == []
    new = step(FLOW, right.state, "Copper-Kettle", NOW, IDLE, secrets=KnownWord())
    assert [s.value for s in secrets_set(new)] == ["Copper-Kettle"]


def test_without_a_word_my_word_asks_for_one_at_once() -> None:
    asked = step(FLOW, at("welcome"), "my word", NOW, IDLE, secrets=KnownWord(set=False))
    assert ids(asked) == ["resume.set_prompt"]
    new = step(FLOW, asked.state, "Copper-Kettle", NOW, IDLE, secrets=KnownWord(set=False))
    assert [s.value for s in secrets_set(new)] == ["Copper-Kettle"]


def flow_files(secret: dict[str, Any], *, locked: bool = True) -> list[tuple[str, Any]]:
    steps: dict[str, Any] = {
        "hello": {"say": ["hello.menu"], "options": {"1": "set", "2": "change"}},
        "set": {"say": ["set.prompt"], "secret": secret, "next": "hello"},
        "change": {"say": ["change.ask"], "check": "resume_word", "next": "set",
                   "otherwise": "hello"},
        "refused": {"say": ["locked.reply"], "otherwise": "hello"},
    }
    raw: dict[str, Any] = {"flow": "f", "start": "hello", "steps": steps}
    if locked:
        raw["locked"] = "refused"
    return [("f.yaml", raw)]


SECRET = {"name": "resume_word", "min_length": 4, "too_short": "set.short",
          "change_via": "change"}


def test_a_secret_step_with_a_check_and_a_locked_step_loads() -> None:
    flow = parse_flows(flow_files(SECRET))
    assert flow.locked_step == "refused"


@pytest.mark.parametrize(("files", "complaint"), [
    (flow_files({**SECRET, "change_via": None}), "change_via"),
    (flow_files({k: v for k, v in SECRET.items() if k != "change_via"}), "change_via"),
    (flow_files({**SECRET, "change_via": "hello"}), "checks 'resume_word'"),
    (flow_files(SECRET, locked=False), "'locked' step"),
])
def test_a_secret_that_could_be_replaced_without_the_current_one_is_refused(
        files: list[tuple[str, Any]], complaint: str) -> None:
    with pytest.raises(FlowError, match=complaint):
        parse_flows(files)
