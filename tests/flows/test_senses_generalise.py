"""Senses the rules first missed on the opened evaluation part (issue 21), on a table the
tuner wrote in other words than any evaluation message (tests/flows/senses_generalise.yaml):
someone here or close now, threats in the second person and about the children, pills in
hand, not wanting to live, weapons in slang, smothering, being found; requests for a person
and "cannot talk" in each language; and the innocent look-alikes that must stay calm. Read
as the service reads a first message: triage in the message's language (and those always
tried), then one flow step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.flows import ConversationState, Escalate, Flow, load_flows, step
from app.flows.loader import read_yaml
from app.flows.model import Pause
from app.flows.triage import TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
TABLE: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (Path(__file__).parent / "senses_generalise.yaml").read_text(encoding="utf-8"))


def rows(kind: str) -> list[Any]:
    return [pytest.param(language, text, id=f"{language}:{text[:40]}")
            for language, senses in TABLE.items() for text in senses.get(kind) or ()]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


@pytest.mark.parametrize(("language", "text"), rows("urgent"))
def test_the_sense_is_urgent_in_other_words(rules: TriageRules, language: str,
                                            text: str) -> None:
    assert rules.assess(text, language).level == "urgent"


@pytest.mark.parametrize(("language", "text"), rows("calm"))
def test_the_innocent_look_alike_is_not_urgent(rules: TriageRules, language: str,
                                               text: str) -> None:
    assert not rules.assess(text, language).at_least("urgent")


@pytest.mark.parametrize(("language", "text"), rows("person"))
def test_the_request_reaches_a_person(rules: TriageRules, flow: Flow, language: str,
                                      text: str) -> None:
    risk = rules.assess(text, language)
    result = step(flow, ConversationState(language=language), text, NOW, IDLE,
                  urgent=risk.at_least("urgent"), disclosure=risk.at_least("routine"))
    assert any(isinstance(a, Escalate) for a in result.actions) or risk.at_least("high")


@pytest.mark.parametrize(("language", "text"), rows("cannot_talk"))
def test_cannot_talk_pauses(rules: TriageRules, flow: Flow, language: str, text: str) -> None:
    risk = rules.assess(text, language)
    assert not risk.at_least("urgent")
    result = step(flow, ConversationState(language=language), text, NOW, IDLE,
                  urgent=False, disclosure=risk.at_least("routine"))
    assert any(isinstance(a, Pause) for a in result.actions)
