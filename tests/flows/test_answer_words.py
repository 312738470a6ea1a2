"""Yes and no in the survivor's words (app/flows/answers.py): which option they stand for,
and the loader refusing a step whose answers point nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.flows import FlowError, load_flows
from app.flows.loader import parse_flows

ROOT = Path(__file__).resolve().parents[2]
FLOW = load_flows(ROOT / "flows")


@pytest.mark.parametrize(("said", "language", "option"), [
    ("no", None, "2"), ("no", "en", "2"), ("nope", "cy", "2"), ("na", "cy", "2"),
    ("yes", "ar", "1"), ("نعم", "ar", "1"), ("haan ji", "ur", "1"), ("maya", "so", "2"),
    ("tak", "pl", "1"), ("nie", "pl", "2"), ("not now", "en", "2"),
    # Polish "no" is "yeah": in a Polish conversation it answers nothing.
    ("no", "pl", None),
    # A word of another language than the conversation's and English is not read.
    ("tak", "en", None), ("da", "pl", None),
    # Not plain yeses: they may mean "ok, thanks".
    ("ok", "en", None), ("okay", "en", None), ("thanks", "en", None),
    ("no he is here", "en", None),
])
def test_the_option_a_yes_or_a_no_stands_for(said: str, language: str | None,
                                              option: str | None) -> None:
    assert FLOW.answer_words is not None
    assert FLOW.answer_words.option(FLOW.steps["person"], said, language) == option


def test_a_step_without_answers_takes_no_words() -> None:
    assert FLOW.answer_words is not None
    assert FLOW.answer_words.option(FLOW.steps["menu"], "yes", "en") is None


def flows_with(answers: dict[str, str],
               words: dict[str, object] | None) -> list[tuple[str, object]]:
    steps = {"start": {"say": ["a.b"], "options": {"1": "start", "2": "start"},
                       "answers": answers}}
    files: list[tuple[str, object]] = [("main.yaml", {"flow": "main", "start": "start",
                                                      "steps": steps})]
    if words is not None:
        files.append(("answers.yaml", {"flow": "answers", "answer_words": words}))
    return files


@pytest.mark.parametrize(("answers", "words", "complaint"), [
    ({"yes": "1"}, None, "no answer_words section defines"),
    ({"maybe": "1"}, {"yes": {"en": ["yes"]}}, "no answer_words section defines"),
    ({"yes": "3"}, {"yes": {"en": ["yes"]}}, "not one of its options"),
    ({"yes": "1"}, {"yes": ["yes"]}, "must map languages"),
])
def test_answers_that_point_nowhere_are_refused(answers: dict[str, str],
                                                words: dict[str, object] | None,
                                                complaint: str) -> None:
    with pytest.raises(FlowError, match=complaint):
        parse_flows(flows_with(answers, words))
