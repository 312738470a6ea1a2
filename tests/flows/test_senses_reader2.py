"""The senses of tests/flows/senses_reader2.yaml (Punjabi in three scripts and Urdu, issue 21):
danger read as urgent, look-alikes left calm, requests for a person reaching one, read as the
service reads a first message (triage in the message's language, then one flow step); and
Urdu and Punjabi read together, so a Shahmukhi message the language guess takes for Urdu still
meets Punjabi's phrases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.flows import ConversationState, Escalate, Flow, load_flows, step
from app.flows.loader import read_yaml
from app.flows.triage import TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
TABLE: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (Path(__file__).parent / "senses_reader2.yaml").read_text(encoding="utf-8"))


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
def test_danger_is_urgent(rules: TriageRules, language: str, text: str) -> None:
    assert rules.assess(text, language).level == "urgent"


@pytest.mark.parametrize(("language", "text"), rows("calm"))
def test_look_alikes_are_not_urgent(rules: TriageRules, language: str, text: str) -> None:
    assert not rules.assess(text, language).at_least("urgent")


@pytest.mark.parametrize(("language", "text"), rows("person"))
def test_a_request_for_a_person_reaches_one(rules: TriageRules, flow: Flow, language: str,
                                            text: str) -> None:
    risk = rules.assess(text, language)
    result = step(flow, ConversationState(language=language), text, NOW, IDLE,
                  urgent=risk.at_least("urgent"), disclosure=risk.at_least("routine"))
    assert any(isinstance(a, Escalate) for a in result.actions) or risk.at_least("high")


def test_languages_read_together_see_each_others_phrases() -> None:
    raw = {"read_together": {"ur": ["pa"]},
           "rules": [{"reason": "threat_to_kill", "level": "urgent",
                      "phrases": {"pa": ["وڈ دیاں گا"]}}]}
    assert parse_rules(raw).assess("تینوں وڈ دیاں گا", "ur").level == "urgent"
    raw.pop("read_together")
    assert parse_rules(raw).assess("تینوں وڈ دیاں گا", "ur").level == "none"
