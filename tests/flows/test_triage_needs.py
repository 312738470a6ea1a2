"""A triage rule with `needs` counts only in a message where one of the named rules matched too:
a time word ("last night") raises a disclosure that another rule read, wherever in the message
it is said, and alone raises nothing."""

from __future__ import annotations

import pytest

from app.flows.triage import TriageRuleError, parse_rules

RULES = {
    "rules": [
        {"reason": "hurt", "level": "high", "phrases": {"en": ["hurt me"]}},
        {"reason": "hurt_recently", "level": "urgent", "needs": ["hurt"],
         "phrases": {"en": ["last night", "on sunday"]}},
    ],
}


@pytest.mark.parametrize(("text", "level"), [
    ("he hurt me", "high"),
    ("he hurt me. it was last night", "urgent"),  # another clause: still the same message
    ("on sunday, he hurt me", "urgent"),
    ("last night was lovely", "none"),  # the time alone says nothing
])
def test_a_rule_that_needs_another_counts_only_beside_it(text: str, level: str) -> None:
    assert parse_rules(RULES).assess(text, "en").level == level


def test_needs_must_name_a_rule() -> None:
    broken = {"rules": [{"reason": "when", "level": "urgent", "needs": ["nothing_here"],
                         "phrases": {"en": ["tonight"]}}]}
    with pytest.raises(TriageRuleError, match="nothing_here"):
        parse_rules(broken)
