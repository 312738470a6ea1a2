"""How far a triage rule's words reach (flows/triage.yaml): `needs` makes a rule count only
beside another, anywhere in the message; `except` takes back only the matches that lie inside
an exception ("my coach will kill me" holds "kill me"), never the rest of the message; and
`a ~~ b` joins two parts anywhere in one clause."""

from __future__ import annotations

import pytest

from app.flows.folding import fold
from app.flows.triage import TriageRuleError, parse_rules
from app.flows.wording import compile_phrases

NEEDS = {
    "rules": [
        {"reason": "hurt", "level": "high", "phrases": {"en": ["hurt me"]}},
        {"reason": "hurt_recently", "level": "urgent", "needs": ["hurt"],
         "phrases": {"en": ["last night", "on sunday"]}},
    ],
}

EXCEPT = {
    "classes": {"*": {"laugh": ["lol", "haha*"]}, "en": {"who": ["my coach", "the film"]}},
    "rules": [
        {"reason": "threat", "level": "urgent",
         "except": {"en": ["@who ... kill me", "ill kill ~~ @laugh"]},
         "phrases": {"en": ["kill me", "will kill", "ill kill", "kill you"]}},
    ],
}


@pytest.mark.parametrize(("text", "level"), [
    ("he hurt me", "high"),
    ("he hurt me. it was last night", "urgent"),  # another clause: still the same message
    ("on sunday, he hurt me", "urgent"),
    ("last night was lovely", "none"),  # the time alone says nothing
])
def test_a_rule_that_needs_another_counts_only_beside_it(text: str, level: str) -> None:
    assert parse_rules(NEEDS).assess(text, "en").level == level


def test_needs_must_name_a_rule() -> None:
    broken = {"rules": [{"reason": "when", "level": "urgent", "needs": ["nothing_here"],
                         "phrases": {"en": ["tonight"]}}]}
    with pytest.raises(TriageRuleError, match="nothing_here"):
        parse_rules(broken)


@pytest.mark.parametrize(("text", "level"), [
    ("my coach is going to kill me", "none"),  # "kill me" lies inside the exception
    ("the film was killing me", "none"),
    ("my coach will kill me and my husband will kill me", "urgent"),  # the second is outside it
    ("ill kill you if you eat my cake lol", "none"),  # the writer's joke, one clause
    ("ill kill you. lol", "urgent"),  # the laugh is in another clause
    ("he will kill me lol", "urgent"),  # "will kill" starts outside "ill kill ~~ lol"
])
def test_an_exception_takes_back_only_what_lies_inside_it(text: str, level: str) -> None:
    assert parse_rules(EXCEPT).assess(text, "en").level == level


@pytest.mark.parametrize(("text", "found"), [
    ("ill kill you if you eat the last slice of my birthday cake lol", True),
    ("lol ill kill you", True),  # either order
    ("ill kill you, lol", False),  # two clauses
])
def test_two_parts_anywhere_in_one_clause(text: str, found: bool) -> None:
    pattern = compile_phrases(["ill kill ~~ @laugh"], "en", classes={"laugh": ["lol"]})
    assert pattern is not None
    assert (pattern.search(fold(text)) is not None) is found


@pytest.mark.parametrize(("text", "found"), [
    ("hes outside, washing the car", True),
    ("hes outside now. i think hes washing the car", True),
    ("hes outside, it is not the car", False),  # a negation before the second part
    ("hes outside washing the car", False),  # one clause: not "the next"
    ("hes outside. ok. washing the car", False),  # two clauses on
])
def test_one_part_in_a_clause_and_the_other_in_the_next(text: str, found: bool) -> None:
    pattern = compile_phrases(["hes outside || @chore"], "en", frozenset({"not"}),
                              classes={"chore": ["washing", "the car"]})
    assert pattern is not None
    assert (pattern.search(fold(text)) is not None) is found
