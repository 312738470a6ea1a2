"""Steps the web chat runs instead of the SMS ones (`web:`, Flow.for_channel; issue 19, item 4):
the chat never offers a way of contact it cannot make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.flows import ConversationState, FlowError, load_flows, step
from app.flows.loader import parse_flow
from app.flows.model import Record

FLOWS = Path(__file__).resolve().parents[2] / "flows"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
IDLE = timedelta(minutes=240)


def flow_with(steps: dict[str, Any]) -> Any:
    return parse_flow({"flow": "t", "start": "hello", "steps": steps}, source="t.yaml")


def test_the_web_runs_the_named_step_and_sms_the_written_one() -> None:
    flow = flow_with({
        "hello": {"say": ["a.hello"], "options": {"1": "how"}},
        "how": {"say": ["a.text_me"], "web": "how_web", "options": {"0": "hello"}},
        "how_web": {"say": ["a.come_back"], "options": {"0": "hello"}},
    })
    at_hello = ConversationState(step="hello", last_activity=NOW)
    by_sms = step(flow, at_hello, "1", NOW, IDLE)
    by_web = step(flow.for_channel("web"), at_hello, "1", NOW, IDLE)
    assert [r.id for r in by_sms.replies] == ["a.text_me"]
    assert [r.id for r in by_web.replies] == ["a.come_back"]
    assert by_web.state.step == "how_web"
    assert flow.for_channel("sms") is flow


@pytest.mark.parametrize(("steps", "why"), [
    ({"hello": {"say": ["a.x"], "web": "nowhere"}}, "unknown step"),
    ({"hello": {"say": ["a.x"], "web": "b"}, "b": {"say": ["a.y"], "web": "hello"}},
     "without a 'web'"),
    ({"hello": {"say": ["a.x"], "web": ["b"]}}, "'web' must be text"),
])
def test_a_bad_web_step_is_refused(steps: dict[str, Any], why: str) -> None:
    with pytest.raises(FlowError) as caught:
        flow_with(steps)
    assert why in str(caught.value)


def test_the_shipped_web_chat_never_offers_to_text_or_call() -> None:
    web = load_flows(FLOWS).for_channel("web")
    state = ConversationState(step="person", last_activity=NOW)
    result = step(web, state, "1", NOW, IDLE)
    assert [r.id for r in result.replies] == ["person.how_web"]
    offered = {web.steps[target].id for target in web.steps[result.state.step or ""]
               .options.values()}
    wants = {a.value for sid in offered for a in web.steps[sid].actions
             if isinstance(a, Record) and a.choice == "wants"}
    assert wants == {"talk_now", "come_back", "information_only"}
