"""Reading free text for intent (flows/intents.yaml, app/flows/intents.py, app/flows/wording.py):
tolerant matching, negation scope, and where in the engine's order intents are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.flows import ConversationState, Escalate, Flow, FlowError, load_flows, step
from app.flows.folding import fold
from app.flows.intents import parse_intents
from app.flows.loader import parse_flows
from app.flows.model import Pause, SetLanguage
from app.flows.spelling import Speller
from app.flows.wording import Negation, compile_phrases, first_match

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


def first(flow: Flow, text: str) -> str | None:
    result = step(flow, ConversationState(), text, NOW, IDLE)
    return result.intent or result.keyword  # a greeting may be a keyword word already


@pytest.mark.parametrize(("text", "intent"), [
    ("I need to talk to someone", "person"),
    ("is there anyone I could chat to?", "person"),
    ("can someone call me tomorrow", "person"),
    ("can u get some1 to txt me back", "person"),
    ("could somone ring me", "person"),  # misspelt
    ("potrzebuję z kimś porozmawiać", "person"),
    ("potrzebuje z kims porozmawiac", "person"),  # no accents
    ("vreau să vorbesc cu o persoană", "person"),
    ("ga i siarad â pherson go iawn", "person"),  # Welsh aspirate mutation
    ("أحتاج أن أتكلم مع أحد", "person"),
    ("mujhe kisi se baat karni hai", "person"),  # Urdu in Latin letters
    ("kise naal gal karni aa ji", "person"),  # Punjabi in Latin letters
    ("waxaan rabaa inaan qof la hadlo", "person"),
    ("can you call me? I can't talk now", "person"),  # a person outranks cannot-talk
    ("I can't talk", "cannot_talk"),
    ("dont text hes home", "cannot_talk"),
    ("mujhe madad chahiye", "help"),
    ("I need help", "help"),
    ("Cześć", "greeting"),
    ("polish please my english not good", "language_pl"),
    ("where is the nearest refuge", "services"),
    ("how do i make a safety plan", "information_safety_plan"),
])
def test_first_messages_are_read_for_what_they_ask(flow: Flow, text: str, intent: str) -> None:
    assert first(flow, text) == intent


def test_dont_call_me_is_not_a_request_for_a_call(flow: Flow) -> None:
    assert first(flow, "please dont call me") == "cannot_talk"


def test_a_disclosure_with_no_other_intent_is_offered_a_person(flow: Flow) -> None:
    result = step(flow, ConversationState(), "he takes all my money", NOW, IDLE,
                  disclosure=True)
    assert result.intent == "disclosure"
    assert [ref.id for ref in result.replies][0] == "person.offer"
    assert not any(isinstance(a, Escalate) for a in result.actions)


def test_a_request_for_a_person_outranks_a_disclosure(flow: Flow) -> None:
    result = step(flow, ConversationState(), "he hits me, can someone call me", NOW, IDLE,
                  disclosure=True)
    assert result.intent == "person"
    assert any(isinstance(a, Escalate) for a in result.actions)


def test_cannot_talk_pauses_and_opens_a_case(flow: Flow) -> None:
    result = step(flow, ConversationState(), "sorry cant talk now", NOW, IDLE)
    assert any(isinstance(a, Pause) for a in result.actions)
    assert Escalate("routine", "not_safe_to_talk") in result.actions


def test_keywords_and_urgent_triage_come_before_intents(flow: Flow) -> None:
    assert step(flow, ConversationState(), "999", NOW, IDLE).keyword == "emergency"
    urgent = step(flow, ConversationState(), "I need to talk to someone", NOW, IDLE,
                  urgent=True)
    assert urgent.keyword == "urgent"


def test_an_answer_to_the_current_step_is_not_read_for_intent(flow: Flow) -> None:
    at_menu = ConversationState(step="welcome", last_activity=NOW)
    assert step(flow, at_menu, "3", NOW, IDLE).state.step == "person"
    # Free text at a step that takes free text (a safe time) is kept, not read.
    asked = ConversationState(step="person_call_back", last_activity=NOW)
    result = step(flow, asked, "call me after 6, I can't talk before", NOW, IDLE)
    assert result.intent is None
    assert result.state.step != "cannot_talk"


def test_free_text_later_in_a_conversation_is_read_for_intent(flow: Flow) -> None:
    reading = ConversationState(step="information", last_activity=NOW)
    assert step(flow, reading, "can I talk to someone", NOW, IDLE).state.step == "person"


def test_after_asking_for_a_person_only_cannot_talk_is_read(flow: Flow) -> None:
    waiting = ConversationState(step="person_waiting", last_activity=NOW)
    assert step(flow, waiting, "where is the nearest refuge", NOW, IDLE).intent is None
    assert step(flow, waiting, "cant talk hes back", NOW, IDLE).intent == "cannot_talk"


def test_a_greeting_sets_its_language_only_on_a_fresh_start(flow: Flow) -> None:
    fresh = step(flow, ConversationState(language="en"), "Cześć", NOW, IDLE)
    assert SetLanguage("pl") in fresh.actions
    assert fresh.state.language == "pl"
    ongoing = ConversationState(step="information", last_activity=NOW, language="en")
    assert step(flow, ongoing, "Cześć", NOW, IDLE).state.language == "en"
    # English greetings are everyone's: they keep the page's language.
    assert step(flow, ConversationState(language="pl"), "hi", NOW, IDLE).state.language == "pl"


def test_a_shared_greeting_chooses_no_language(flow: Flow) -> None:
    assert step(flow, ConversationState(), "salam", NOW, IDLE).state.language is None


def test_folding_drops_accents_and_apostrophes_and_keeps_clauses() -> None:
    assert fold("No, he's got a KNIFE.") == "no | hes got a knife"
    assert fold("Zabić, ŁÓDŹ") == "zabic | lodz"
    assert fold("أنا") == fold("انا")


@pytest.mark.parametrize(("phrase", "language", "text", "matched"), [
    ("person", "cy", "ga i siarad â pherson", True),
    ("cyllell", "cy", "mae ganddo fe gyllell", True),
    ("يقتل*", "ar", "قال رح يقتلني", True),
    ("يقتل*", "ar", "وبيقتلني", True),
    ("he ... knife", "en", "he has got a knife", True),
    ("he ... knife", "en", "he didnt have a knife", False),
    ("talk ... someone", "en", "talk to someone", True),
    ("talk ... someone", "en", "talk. someone", False),  # never across a clause
])
def test_phrases_match_tolerantly(phrase: str, language: str, text: str, matched: bool) -> None:
    negation = Negation(frozenset({"didnt", "not"}), frozenset({"no"}))
    pattern = compile_phrases([phrase], language, negation.words)
    assert pattern is not None
    assert first_match(pattern, fold(text), negation) is matched


def test_an_answer_word_opening_a_clause_is_not_a_negation() -> None:
    negation = Negation(frozenset({"no", "not"}), frozenset({"no"}))
    pattern = compile_phrases(["has a knife"], "en")
    assert pattern is not None
    assert first_match(pattern, fold("No, he has a knife"), negation)
    assert first_match(pattern, fold("no he has a knife"), negation)
    assert not first_match(pattern, fold("he has not got a knife"), negation)


def test_the_speller_corrects_one_edit_with_the_same_first_letter_only() -> None:
    speller = Speller({"someone", "strangled", "qatal"}, {"some1": "someone"})
    assert speller.correct("somone strangeld some1") == "someone strangled someone"
    assert speller.correct("fatal") == "fatal"  # not the Urdu "qatal"
    assert speller.correct("kill") == "kill"  # short words are never corrected


def test_an_intent_to_an_unknown_step_is_refused() -> None:
    raw = {"flow": "intents", "intents": [{"name": "person", "goto": "nowhere",
                                            "phrases": {"en": ["talk to someone"]}}]}
    welcome = {"flow": "welcome", "start": "welcome",
               "steps": {"welcome": {"say": ["welcome.greeting"]}}}
    with pytest.raises(FlowError, match="unknown step 'nowhere'"):
        parse_flows([("welcome.yaml", welcome), ("intents.yaml", raw)])


def test_an_intent_without_phrases_is_refused() -> None:
    with pytest.raises(FlowError, match="needs phrases"):
        parse_intents({"intents": [{"name": "person", "goto": "person"}]}, "intents.yaml")


def test_text_not_understood_gets_the_menu_whose_3_is_a_person(flow: Flow) -> None:
    at_menu = ConversationState(step="welcome", last_activity=NOW)
    result = step(flow, at_menu, "qwzx blorp", NOW, IDLE)
    assert [ref.id for ref in result.replies] == ["common.unclear", "menu.main"]
    assert flow.steps[result.state.step or ""].options["3"] == "person"
