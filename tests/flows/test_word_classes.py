"""Word classes in phrases (app/flows/wording.py): `@name` is any entry of a class listed once
per language in flows/triage.yaml's `classes:`, and `!@name` says what may not stand at one
place in one phrase, an exception that does not silence the whole rule."""

from __future__ import annotations

import pytest

from app.flows.folding import fold
from app.flows.intents import parse_intents
from app.flows.triage import TriageRuleError, parse_rules
from app.flows.wording import Negation, classes_for, compile_phrases, first_match

CLASSES = {"pills": ["pills", "tablets", "sleeping pills"],
           "in_hand": ["in my hand", "lined up"],
           "away": ["work", "the gym"], "now": ["now", "right now"]}


def reads(phrase: str, text: str, language: str = "en") -> bool:
    pattern = compile_phrases([phrase], language, frozenset({"not"}), CLASSES)
    assert pattern is not None
    return first_match(pattern, fold(text), Negation(frozenset({"not"})))


@pytest.mark.parametrize(("text", "matches"), [
    ("all the tablets are lined up", True),
    ("sleeping pills in my hand", True),
    ("in my hand the pills", True),  # either order
    ("pills, then in my hand", False),  # two clauses
    ("tablets not in my hand", False),  # a gap never spans a negation
])
def test_a_class_stands_for_each_of_its_entries(text: str, matches: bool) -> None:
    assert reads("@pills ~ @in_hand", text) is matches


@pytest.mark.parametrize(("text", "matches"), [
    ("hes at the door now", True),
    ("hes at the back door right now", True),
    ("hes at work now", False),
    ("hes at the gym now", False),
    ("hes at work now, hes at the door now", True),  # the other clause still reads
])
def test_an_exception_holds_at_one_place_only(text: str, matches: bool) -> None:
    assert reads("hes at !@away ... @now", text) is matches


def test_a_trailing_exception_is_what_may_not_follow() -> None:
    assert reads("hes at !@away", "hes at the door")
    assert not reads("hes at !@away", "hes at work")


def test_classes_for_a_language_fall_back_to_its_base_and_to_every_language() -> None:
    classes = {"*": {"now": ["now"]}, "ur": {"pills": ["گولیاں"], "now": ["ابھی"]},
               "ur-Latn": {"pills": ["goliyan"]}}
    assert classes_for(classes, "ur-Latn") == {"now": ["ابھی"], "pills": ["goliyan"]}
    assert classes_for(classes, "pl") == {"now": ["now"]}


@pytest.mark.parametrize(("phrase", "why"), [
    ("@nothing ~ pills", "unknown word class"),
    ("!@away hes at", "must follow a word"),
])
def test_a_bad_class_use_is_refused(phrase: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        compile_phrases([phrase], "en", frozenset(), CLASSES)


def test_triage_rules_name_their_classes_and_refuse_bad_ones() -> None:
    rule = {"reason": "self_harm", "level": "urgent",
            "phrases": {"cy": ["@pills ~ @in_hand"]}}
    rules = parse_rules({"classes": {"cy": {"pills": ["tabledi"], "in_hand": ["yn fy llaw"]}},
                        "rules": [rule]})
    # Welsh mutations apply to class entries too: "dabledi" is "tabledi" mutated.
    assert rules.assess("mae'r dabledi yn fy llaw", "cy").level == "urgent"
    with pytest.raises(TriageRuleError, match="unknown word class"):
        parse_rules({"rules": [rule]})
    with pytest.raises(TriageRuleError, match="classes.cy.pills"):
        parse_rules({"classes": {"cy": {"pills": []}}, "rules": [rule]})


def test_intents_name_their_classes_too() -> None:
    intents = parse_intents({
        "classes": {"en": {"anyone": ["anyone", "somebody"], "reach": ["ring", "message"]}},
        "intents": [{"name": "person", "goto": "person",
                     "phrases": {"en": ["@anyone i could @reach"]}}]}, "a test")
    reading = intents.read("is there somebody i could message")
    assert reading is not None
    assert reading.name == "person"
    assert intents.read("somebody i could see") is None
