"""The web chat offers "text me" / "call me" at a safe number only where the service can text
and call (`web_texts:`, Flow.for_channel(texts=True); issue 19, item 4)."""

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


def wants_offered(texts: bool) -> set[str]:
    web = load_flows(FLOWS).for_channel("web", texts=texts)
    result = step(web, ConversationState(step="person", last_activity=NOW), "1", NOW, IDLE)
    offered = web.steps[result.state.step or ""].options.values()
    return {a.value for target in offered for a in web.steps[target].actions
            if isinstance(a, Record) and a.choice == "wants"}


def test_texting_and_calling_are_offered_only_where_the_service_can_make_them() -> None:
    assert wants_offered(texts=False) == {"talk_now", "come_back", "information_only"}
    assert wants_offered(texts=True) == {"talk_now", "come_back", "text_back", "call_back",
                                         "information_only"}


def test_the_number_saved_step_asks_for_a_safe_time_and_the_ask_step_still_offers_a_code(
        ) -> None:
    web = load_flows(FLOWS).for_channel("web", texts=True)
    assert web.number_saved_step is not None
    assert web.steps[web.number_saved_step].capture == "safe_time"
    asking = ConversationState(step="web_person_text_back", last_activity=NOW)
    result = step(web, asking, "2", NOW, IDLE)
    assert result.state.step == "web_person_come_back"


def test_a_capture_step_s_own_option_is_an_answer_not_captured_text() -> None:
    flow = parse_flow({"flow": "t", "start": "ask", "steps": {
        "ask": {"say": ["a.ask"], "capture": "when", "options": {"0": "menu"}, "next": "done"},
        "menu": {"say": ["a.menu"]}, "done": {"say": ["a.done"]}}}, source="t.yaml")
    at = ConversationState(step="ask", last_activity=NOW)
    assert step(flow, at, "0", NOW, IDLE).state.step == "menu"
    captured = step(flow, at, "after 6", NOW, IDLE)
    assert captured.state.step == "done"
    assert Record("when", "after 6") in captured.actions


def flow_with(steps: dict[str, Any]) -> Any:
    return parse_flow({"flow": "t", "start": "hello", "steps": steps}, source="t.yaml")


@pytest.mark.parametrize(("steps", "why"), [
    ({"hello": {"say": ["a.x"], "web_texts": "b"}, "b": {"say": ["a.y"]}},
     "needs a 'web' step"),
    ({"hello": {"say": ["a.x"], "web": "b", "web_texts": "nowhere"}, "b": {"say": ["a.y"]}},
     "unknown step"),
])
def test_a_bad_web_texts_step_is_refused(steps: dict[str, Any], why: str) -> None:
    with pytest.raises(FlowError) as caught:
        flow_with(steps)
    assert why in str(caught.value)
