"""The learned second opinion (app/flows/learned.py): it only ADDS an urgent or a person
reading the rules missed, never removes one, reads a long message in part like the rules,
and its file is checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.flows import ConversationState, Escalate, Flow, learned, learned_train, load_flows, step
from app.flows.learned import Opinion, SecondOpinionError
from app.flows.learned_train import Example
from app.flows.model import Pause
from app.flows.said import READ_HEAD, READ_TAIL, Said
from app.flows.triage import NONE, Assessment

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)

TAUGHT = [
    *(Example(text, "en", urgent=True, person=False) for text in (
        "he is outside the door with a blade", "hes outside with a blade now",
        "he has a blade and is outside", "outside my door with a blade again",
        "blade in his hand outside the flat")),
    *(Example(text, "en", urgent=False, person=True) for text in (
        "any chance of a human to chat with", "a human to chat with please",
        "i want a human to chat with", "chat with a human", "human chat please")),
    *(Example(text, "en", urgent=False, person=False) for text in (
        "what time do you open", "where is the nearest library", "thanks for the recipe",
        "the weather is lovely today", "what are your opening times", "see you at the shop",
        "my cat likes the garden", "lovely day for a walk", "bus times to town",
        "how do I find the council office")),
]


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


@pytest.fixture(scope="module")
def opinion() -> learned.SecondOpinion:
    return learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0}, sizes=(2, 4),
                         min_language=5)


def test_it_reads_what_it_was_taught_in_words_the_rules_lack(
        opinion: learned.SecondOpinion) -> None:
    assert opinion.read("a blade, hes outside", "en") == Opinion(urgent=True, person=False)
    assert opinion.read("can I chat with a human", "en").person
    assert opinion.read("what time does the library open", "en") == Opinion()
    assert opinion.read("", "en") == Opinion()


def test_it_raises_to_urgent_and_never_lowers(opinion: learned.SecondOpinion) -> None:
    routine = Assessment("routine", ("separation",))
    assert learned.raised(routine, Opinion(urgent=True)) == Assessment(
        "urgent", (learned.REASON, "separation"))
    assert learned.raised(NONE, Opinion(urgent=True)).level == "urgent"
    urgent = Assessment("urgent", ("weapon",))
    # Nothing the model says takes away what the rules read.
    assert learned.raised(urgent, Opinion()) == urgent
    assert learned.raised(urgent, Opinion(urgent=True)) == urgent
    assert learned.raised(routine, Opinion(person=True)) == routine


def test_a_person_reading_escalates_where_the_intents_read_none(flow: Flow) -> None:
    text = "fancy a natter with your crew"  # no phrase of flows/intents.yaml
    assert not any(isinstance(a, Escalate) for a in step(
        flow, ConversationState(), text, NOW, IDLE).actions)
    read = step(flow, ConversationState(), text, NOW, IDLE, person=True)
    assert read.intent == "person"
    assert any(isinstance(a, Escalate) for a in read.actions)


def test_a_person_reading_outranks_a_greeting_and_a_disclosure(flow: Flow) -> None:
    assert step(flow, ConversationState(), "good morning to you", NOW, IDLE).intent == "greeting"
    assert step(flow, ConversationState(), "good morning to you", NOW, IDLE,
                person=True).intent == "person"
    read = step(flow, ConversationState(), "he takes all my money", NOW, IDLE,
                disclosure=True, person=True)
    assert read.intent == "person"


def test_a_person_reading_leaves_cannot_talk_keywords_and_menu_answers(flow: Flow) -> None:
    quiet = step(flow, ConversationState(), "sorry cant talk now", NOW, IDLE, person=True)
    assert quiet.intent == "cannot_talk"
    assert any(isinstance(a, Pause) for a in quiet.actions)
    assert step(flow, ConversationState(), "999", NOW, IDLE, person=True).keyword == "emergency"
    assert step(flow, ConversationState(), "I need to talk to someone", NOW, IDLE,
                urgent=True, person=True).keyword == "urgent"
    at_menu = ConversationState(step="welcome", last_activity=NOW)
    assert step(flow, at_menu, "1", NOW, IDLE, person=True).intent is None


def test_a_long_message_is_read_in_part_like_the_rules() -> None:
    long = "word " * 20_000
    grams = learned.features(Said.of(long).folded, (2, 5))
    short = learned.features(Said.of("word " * 10).folded, (2, 5))
    assert grams == short  # a bounded read: the same n-grams, however long the text
    assert len(Said.of(long).folded) <= READ_HEAD + READ_TAIL + 3


def test_its_file_round_trips_and_is_checked(opinion: learned.SecondOpinion) -> None:
    data = json.loads(json.dumps(learned_train.to_data(opinion, "made by a test")))
    again = learned.parse(data)
    assert again.read("he is outside with a blade", "en") == opinion.read(
        "he is outside with a blade", "en")
    for broken, why in [
        ({**data, "version": 99}, "version"),
        ({**data, "made": ""}, "made"),
        ({**data, "ngrams": [5, 2]}, "ngrams"),
        ({**data, "thresholds": {"urgent": 1.0}}, "thresholds"),
        ({**data, "models": {"en": data["models"]["en"]}}, "shared"),
        ({**data, "models": {"*": {"priors": {"urgent": 0, "person": 0},
                                   "weights": {"urgent": {"ab": "x"}, "person": {}}}}},
         "n-grams"),
    ]:
        with pytest.raises(SecondOpinionError, match=why):
            learned.parse(broken)


def test_the_shipped_weights_load_and_say_how_they_were_made() -> None:
    raw = json.loads((ROOT / "flows" / "second_opinion.json").read_text(encoding="utf-8"))
    shipped = learned.parse(raw)
    assert "dev/" in raw["made"]
    assert "opened/" in raw["made"]  # taught on both tuning splits (eval/README.md)
    assert "heldout" not in raw["made"]
    assert set(shipped.models) >= {"*", "en", "cy", "pl", "ro", "ar", "ur", "pa", "so"}
