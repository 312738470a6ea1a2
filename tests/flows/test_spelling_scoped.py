"""The triage speller corrects a word only towards the words of the rule language that reads
it (app/flows/spelling.py, app/flows/triage.py): a word of another language, or an ordinary
word one edit from a `word*` stem, is no typo. The message-level table is
tests/flows/senses_reader6.yaml (read by test_senses.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.flows.loader import read_yaml
from app.flows.triage import TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


@pytest.mark.parametrize(("language", "word", "read_as"), [
    # Typos of the language's own rule words are still corrected.
    ("en", "threatend", "threatened"),
    ("en", "paracetmol", "paracetamol"),
    ("pl", "zabijee", "zabije"),
    # A stem is no word: "strange" is not "strangl*", Polish "dostac" (to get) not
    # "dostawc*" (delivery).
    ("en", "strange", "strange"),
    ("pl", "dostac", "dostac"),
    # Another language's word is not corrected towards this one's: Somali "haddii" (if) is
    # one edit from Urdu "haddi" (bone), Urdu "insaan" (a person) from Somali "inaan".
    ("so", "haddii", "haddii"),
    ("ur-Latn", "insaan", "insaan"),
])
def test_each_rule_language_corrects_towards_its_own_words(
        rules: TriageRules, language: str, word: str, read_as: str) -> None:
    assert rules.speller_for(language).correct(word) == read_as


@pytest.mark.parametrize(("language", "text"), [
    ("so", "6 bilood ayaan UK joogay"),  # months, not English "blood"
    ("pl", "mieszkam w polsce"),  # in Poland, not English "police"
])
def test_english_does_not_respell_a_message_in_another_language(
        rules: TriageRules, language: str, text: str) -> None:
    assert rules.assess(text, language).reasons == ()


def test_english_still_corrects_an_english_message(rules: TriageRules) -> None:
    assert rules.assess("he threatend to kill me", "en").level == "urgent"
