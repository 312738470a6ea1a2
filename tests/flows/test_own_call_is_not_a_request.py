"""The writer's own "I'll call you" is not a request for a person (issue 21): the Polish first
person ("zadzwonię", "oddzwonię") and Welsh "ffonia i ti" are one letter from a request
("zadzwoni", someone will call; "ffonio fi", phone me) and were corrected into one, so a text to
a friend opened a case. The requests themselves still reach a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.flows import ConversationState, Escalate, Flow, load_flows, step

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


def escalates(flow: Flow, language: str, text: str) -> bool:
    result = step(flow, ConversationState(language=language), text, NOW, timedelta(hours=4))
    return any(isinstance(action, Escalate) for action in result.actions)


@pytest.mark.parametrize(("language", "text"), [
    ("pl", "zadzwonię do ciebie wieczorem"),
    ("pl", "oddzwonię jak wrócę z pracy, buziaki"),
    ("cy", "ffonia i ti ar ôl swper"),
])
def test_the_writers_own_call_opens_no_case(flow: Flow, language: str, text: str) -> None:
    assert not escalates(flow, language, text)


@pytest.mark.parametrize(("language", "text"), [
    ("pl", "zadzwońcie do mnie jutro"),
    ("pl", "czy ktoś może oddzwonić po południu"),
    ("cy", "ffonia fi nôl plis"),
])
def test_a_request_for_a_call_still_reaches_a_person(flow: Flow, language: str,
                                                     text: str) -> None:
    assert escalates(flow, language, text)
