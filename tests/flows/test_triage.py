"""Risk triage against a multilingual test set written separately from the rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.flows.loader import read_yaml
from app.flows.triage import LEVELS, TriageRuleError, TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "triage_cases.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


def confusion(rules: TriageRules) -> Counter[tuple[str, str]]:
    return Counter((case["level"], rules.assess(case["text"], case["language"]).level)
                   for case in CASES)


def test_the_test_set_has_at_least_40_cases_per_level_in_eight_languages() -> None:
    levels = Counter(case["level"] for case in CASES)
    assert all(levels[level] >= 40 for level in LEVELS)
    assert {case["language"] for case in CASES} == {"en", "cy", "pl", "pa", "ur", "ar", "ro",
                                                   "so"}


def test_urgent_recall_is_at_least_95_percent(rules: TriageRules) -> None:
    # Missing an urgent case is the costly error: it waits behind routine ones.
    table = confusion(rules)
    urgent = sum(n for (expected, _), n in table.items() if expected == "urgent")
    assert table[("urgent", "urgent")] / urgent >= 0.95


def test_urgent_precision_is_at_least_85_percent(rules: TriageRules) -> None:
    table = confusion(rules)
    called_urgent = sum(n for (_, got), n in table.items() if got == "urgent")
    assert table[("urgent", "urgent")] / called_urgent >= 0.85


def test_no_urgent_or_high_message_is_read_as_no_risk(rules: TriageRules) -> None:
    table = confusion(rules)
    assert table[("urgent", "none")] == 0
    assert table[("high", "none")] <= 2


def test_innocent_messages_are_never_urgent(rules: TriageRules) -> None:
    assert confusion(rules)[("none", "urgent")] == 0


@pytest.mark.parametrize(("text", "language", "reasons"), [
    ("he put his hands round my neck", "en", ("strangulation",)),
    ("He STRANGLED me!!!", "en", ("strangulation",)),
    ("mae e yma nawr", "cy", ("abuser_present",)),
    ("on mnie udusi", "pl", ("strangulation",)),
    ("ਉਸਨੇ ਮੇਰਾ ਗਲਾ ਘੁੱਟਿਆ", "pa", ("strangulation",)),
    ("وہ مجھے جان سے مار دے گا", "ur", ("threat_to_kill",)),
    ("معه سكين", "ar", ("weapon",)),
])
def test_urgent_phrases_match_in_their_language_with_the_reason(
    rules: TriageRules, text: str, language: str, reasons: tuple[str, ...]
) -> None:
    assessment = rules.assess(text, language)
    assert assessment.level == "urgent"
    assert assessment.reasons == reasons


@pytest.mark.parametrize("text", [
    "he has never choked me", "I am not pregnant", "he didn't have a knife",
])
def test_a_negation_just_before_the_phrase_cancels_it(rules: TriageRules, text: str) -> None:
    assert not rules.assess(text, "en").at_least("high")


def test_an_innocent_sense_listed_under_unless_does_not_match(rules: TriageRules) -> None:
    assert rules.assess("my boss will kill me if im late", "en").reasons == ()
    assert rules.assess("my taxi is outside now", "en").reasons == ()


def test_two_different_high_reasons_together_are_urgent(rules: TriageRules) -> None:
    assessment = rules.assess("im pregnant and he follows me everywhere", "en")
    assert assessment.level == "urgent"
    assert set(assessment.reasons) == {"pregnancy", "stalking"}


def test_another_languages_word_inside_english_does_not_match(rules: TriageRules) -> None:
    # Romanian "viol*" (rape) must not fire inside the English word "violent".
    assert "sexual_violence" not in rules.assess("he is violent", "en").reasons


def test_with_no_language_known_every_language_is_tried(rules: TriageRules) -> None:
    assert rules.assess("معه سكين", None).reasons == ("weapon",)


def test_empty_or_punctuation_only_text_is_no_risk(rules: TriageRules) -> None:
    assert rules.assess("   ?!  ", "en").level == "none"


@pytest.mark.parametrize(("raw", "message"), [
    ({}, "needs 'rules'"),
    ({"rules": [{"reason": "X", "level": "urgent", "phrases": {"en": ["a"]}}]}, "reason code"),
    ({"rules": [{"reason": "x", "level": "extreme", "phrases": {"en": ["a"]}}]}, "level"),
    ({"rules": [{"reason": "x", "level": "high", "phrases": {}}]}, "phrases"),
    ({"rules": [{"reason": "x", "level": "high", "phrases": {"en": "knife"}}]}, "list"),
    ({"rules": [{"reason": "x", "level": "high", "phrases": {"en": ["?!"]}}]}, "no words"),
])
def test_invalid_rules_are_refused_with_a_reason(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(TriageRuleError, match=message):
        parse_rules(raw, "triage.yaml")
