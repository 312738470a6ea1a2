"""The senses of danger, of asking for a person and of not being able to talk, per language,
on fixed tables: tests/flows/senses.yaml, written from each language's grammar (inflections,
spellings without diacritics, clitics and word orders), and senses_generalise.yaml, the senses
the rules first missed on the opened evaluation part (issue 21), written in other words than
any evaluation message, with the innocent look-alikes that must stay calm, and senses_reader.yaml,
the same for the senses first missed on batch d once it was opened, and senses_reader5.yaml,
bare phrases narrowed in the fifth round (issue 21). Read as the service
reads a first message: triage in the message's language (and those always tried), then one
flow step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.flows import ConversationState, Escalate, Flow, load_flows, step
from app.flows.folding import fold
from app.flows.loader import read_yaml
from app.flows.model import Pause
from app.flows.spelling import Speller
from app.flows.triage import TriageRules, parse_rules
from app.flows.wording import Negation, compile_phrases, first_match

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
TABLES: dict[str, dict[str, dict[str, list[str]]]] = {
    name: yaml.safe_load((Path(__file__).parent / f"{name}.yaml").read_text(encoding="utf-8"))
    for name in ("senses", "senses_generalise", "senses_reader", "senses_reader4",
                 "senses_reader5")}


def rows(kind: str) -> list[Any]:
    return [pytest.param(language, text, id=f"{name}:{language}:{text[:40]}")
            for name, table in TABLES.items()
            for language, senses in table.items() for text in senses.get(kind) or ()]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


@pytest.mark.parametrize(("language", "text"), rows("urgent"))
def test_danger_in_ordinary_words_is_urgent(rules: TriageRules, language: str,
                                            text: str) -> None:
    assert rules.assess(text, language).level == "urgent"


@pytest.mark.parametrize(("language", "text"), rows("calm"))
def test_innocent_uses_of_scary_words_are_not_urgent(rules: TriageRules, language: str,
                                                     text: str) -> None:
    assert not rules.assess(text, language).at_least("urgent")


@pytest.mark.parametrize(("language", "text"), rows("person"))
def test_a_request_for_a_person_reaches_one(rules: TriageRules, flow: Flow, language: str,
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


@pytest.mark.parametrize(("text", "matches"), [
    ("he squeezed my neck", True),
    ("my neck he squeezed", True),
    ("he squeezed the lemon, my neck hurts", False),  # two clauses
    ("he never squeezed my neck", False),  # a negation before it
])
def test_either_order_joins_two_parts_within_a_clause(text: str, matches: bool) -> None:
    pattern = compile_phrases(["neck ~ squeez*"], "en", frozenset({"never"}))
    assert pattern is not None
    negation = Negation(frozenset({"never"}))
    assert first_match(pattern, fold(text), negation) is matches


@pytest.mark.parametrize("text", [
    "nu pot vorbi acum",  # Romanian "nu" before a verb negates it: not "no" and a request
    "nu e sigur sa vorbesc, mai tarziu",
    "nie mogę teraz rozmawiać",
    "abhi nahi likh sakti, raat ko message karungi",  # "I will message": not a request
])
def test_cannot_talk_is_not_read_as_a_request_for_a_person(flow: Flow, text: str) -> None:
    result = step(flow, ConversationState(), text, NOW, IDLE)
    assert result.intent == "cannot_talk"


@pytest.mark.parametrize(("word", "kept"), [
    ("lekin", "lekin"),  # Urdu "but", one edit from Romanian "lesin" (faint)
    ("hello", "hello"),  # not "hell"
    ("الليله", "الليله"),  # "tonight", one letter from "العيله" (the family)
    ("strangeld", "strangled"),  # a misspelling in Latin letters is still corrected
])
def test_short_words_and_arabic_script_are_not_respelt_into_another_word(
        word: str, kept: str) -> None:
    speller = Speller({"lesin", "hell", "العيله", "strangled"}, {})
    assert speller.correct(word) == kept
