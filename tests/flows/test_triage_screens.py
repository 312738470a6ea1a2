"""Triage screens each language with one pattern before reading its rules one by one
(app/flows/triage.py `screens`): the screen must never change an assessment."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.flows import wording
from app.flows.loader import read_yaml
from app.flows.triage import TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "triage_cases.yaml").read_text(encoding="utf-8"))["cases"]
LANGUAGES = [None, "en", "cy", "pl", "ro", "ar", "ur", "pa", "so"]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


def test_every_rule_language_has_a_screen(rules: TriageRules) -> None:
    languages = {lang for rule in rules.rules for lang, patterns in rule.patterns.items()
                 if patterns}
    assert languages <= rules.screens.keys()


@pytest.mark.parametrize("language", LANGUAGES)
def test_screened_and_unscreened_triage_agree_on_every_case(
    rules: TriageRules, language: str | None
) -> None:
    unscreened = dataclasses.replace(rules, screens={})
    texts = [case["text"] for case in CASES] + ["1", "", "hello", "no, he has a knife"]
    for text in texts:
        assert rules.assess(text, language) == unscreened.assess(text, language), text


def test_rules_parsed_without_screens_are_the_rules_with_none(rules: TriageRules) -> None:
    """What the RQ worker's replay job loads (worker.py): the same rules, no screens."""
    parsed = parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"), screens=False)
    assert rules.screens
    assert parsed.screens == {}
    assert parsed.rules == rules.rules


def test_a_screen_matches_wherever_one_of_its_patterns_does() -> None:
    patterns = [wording.compile_phrases(["he ... knife"], "en"),
                wording.compile_phrases(["strangl*", "choked me"], "en")]
    screen = wording.screen(p for p in patterns if p is not None)
    assert screen is not None
    for text in ("he has a knife", "she strangled me", "he choked me", "a kind knife"):
        assert bool(screen.search(text)) == any(p and p.search(text) for p in patterns), text
    with pytest.raises(ValueError, match="compile_phrases"):
        wording.screen([re.compile("knife")])
