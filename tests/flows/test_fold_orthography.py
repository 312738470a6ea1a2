"""Spellings that differ only by keyboard or habit fold the same (app/flows/folding.py), so a
phrase written one way matches a text written the other: Arabic alef maksura and yeh, Urdu noon
ghunna and noon, Gurmukhi with and without the addak (doubling mark), tippi and bindi."""

from __future__ import annotations

import pytest

from app.flows.folding import fold
from app.flows.triage import parse_rules


@pytest.mark.parametrize(("one", "other"), [
    ("على الباب", "علي الباب"),  # alef maksura / yeh
    ("نہیں", "نہین"),  # noon ghunna / noon
    ("ਕੱਲ੍ਹ ਰਾਤ", "ਕਲ੍ਹ ਰਾਤ"),  # with / without addak
    ("ਮੈਨੂੰ", "ਮੈਨੂਂ"),  # tippi / bindi
])
def test_spellings_that_differ_by_keyboard_fold_the_same(one: str, other: str) -> None:
    assert fold(one) == fold(other)


def test_a_phrase_with_the_addak_matches_a_text_without_it() -> None:
    rules = parse_rules({"rules": [{"reason": "weapon", "level": "urgent",
                                    "phrases": {"pa": ["ਛੁਰੀ ਚੁੱਕ*"]}}]})
    assert rules.assess("ਉਹਨੇ ਛੁਰੀ ਚੁਕ ਲਈ", "pa").level == "urgent"
