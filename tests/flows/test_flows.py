"""The pure conversation engine and the flow loader (app/flows/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from app.flows import (
    Choice,
    ConversationState,
    Escalate,
    Flow,
    FlowError,
    MessageRef,
    RequestErasure,
    load_flow,
    load_flows,
    step,
)
from app.flows.loader import parse_flow, parse_flows
from app.flows.model import Action, Cover, Pause, Record, SetLanguage
from app.flows.text import normalise

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLOWS = PROJECT_ROOT / "flows"
NOW = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
IDLE = timedelta(minutes=240)
IO_LIBRARIES = ("flask", "sqlalchemy", "redis", "babel", "twilio")


def small_flow() -> Flow:
    """A flow with every kind of step the engine handles, small enough to read at a glance."""
    return parse_flow(
        {
            "flow": "small",
            "start": "hello",
            "keywords": [{"words": ["999", "help me"], "goto": "danger"}],
            "steps": {
                "hello": {
                    "say": ["hello.greeting", "hello.menu"],
                    "options": {"1": "info", "info": "info", "2": "person", "3": "danger"},
                    "otherwise": "unclear",
                },
                "unclear": {"say": ["common.unclear"], "options": {"1": "info"},
                            "otherwise": "unclear"},
                # No `otherwise`: anything unrecognised asks this step again.
                "info": {"say": ["info.text"], "options": {"0": "hello"}},
                "person": {
                    "say": ["person.requested"],
                    "actions": [
                        {"escalate": {"priority": "routine", "reason": "asked_for_person"}},
                    ],
                    "next": "person_menu",
                },
                "person_menu": {
                    "say": ["person.menu"],
                    "actions": [{"escalate": {"priority": "high", "reason": "still_waiting"}}],
                    "options": {"0": "hello"},
                    "otherwise": "person_menu",
                },
                "danger": {
                    "say": ["danger.options"],
                    "actions": [{"escalate": {"priority": "urgent", "reason": "in_danger"}}],
                    "options": {"0": "hello"},
                },
            },
        },
        "small.yaml",
    )


URGENT_TRIAGE = Escalate(priority="urgent", reason="triage_urgent")
CANNOT_TALK = Escalate(priority="urgent", reason="cannot_talk")


def safety_flow(
    *, duress_words: tuple[str, ...] = (), extra_words: dict[str, list[str]] | None = None
) -> Flow:
    """Two flow files and a keywords file: capture, every new action, cover and urgent steps."""
    menu = {
        "flow": "menu",
        "start": "hello",
        "steps": {
            # No `otherwise`: anything unrecognised asks this step again.
            "hello": {"say": ["hello.menu"],
                      "options": {"1": "ask_time", "2": "call_back", "3": "welsh", "4": "forget"}},
            "ask_time": {"say": ["time.ask"], "capture": "safe_time", "next": "thanks"},
            "thanks": {"say": ["time.thanks"], "options": {"0": "hello"}},
            "call_back": {"say": ["noted.call_back"],
                          "actions": [{"record": {"choice": "wants", "value": "call_back"}}],
                          "next": "hello"},
            "welsh": {"say": ["language.chosen"], "actions": [{"set_language": "cy"}],
                      "next": "hello"},
            "forget": {"say": ["erase.done"], "actions": ["request_erasure"], "next": "hello"},
        },
    }
    safety = {
        "flow": "safety",
        "cover": "cover",
        "urgent": "urgent",
        "steps": {
            "danger": {"say": ["danger.options"], "options": {"0": "hello"}},
            "person": {"say": ["person.requested"], "otherwise": "hello"},
            "urgent": {"say": ["urgent.reply"],
                       "actions": [{"escalate": {"priority": "urgent",
                                                 "reason": "triage_urgent"}}],
                       "otherwise": "hello"},
            "pause": {"say": ["pause.confirmed"], "actions": ["pause"], "otherwise": "hello"},
            "cover": {"say": ["cover.reply"],
                      "actions": ["cover", {"escalate": {"priority": "urgent",
                                                         "reason": "cannot_talk"}}],
                      "otherwise": "cover"},
        },
    }
    keywords = {
        "keywords": [
            {"name": "emergency", "goto": "danger",
             "words": {"*": ["999"], "en": ["help me"], "pl": ["pomocy", "ratunku"]}},
            {"name": "person", "goto": "person", "words": {"en": ["person"], "pl": ["osoba"]}},
            {"name": "pause", "goto": "pause", "words": ["pause", "not now"]},
        ],
    }
    return parse_flows(
        [("menu.yaml", menu), ("safety.yaml", safety), ("keywords.yaml", keywords)],
        duress_words=duress_words,
        extra_words=extra_words,
    )


@cache
def shipped_flows() -> Flow:
    return load_flows(FLOWS)


def at(step_id: str | None, idle: timedelta = timedelta(minutes=5), language: str = "en",
       **state: Any) -> ConversationState:
    return ConversationState(step=step_id, last_activity=NOW - idle, language=language, **state)


def said(replies: tuple[MessageRef, ...]) -> list[str]:
    return [ref.id for ref in replies]


# --- the engine ------------------------------------------------------------------------------


def test_first_contact_goes_to_start() -> None:
    result = step(small_flow(), ConversationState(), "hi there", NOW, IDLE)
    assert said(result.replies) == ["hello.greeting", "hello.menu"]
    assert result.state.step == "hello"
    assert result.actions == ()


def test_first_contact_that_happens_to_match_an_option_still_goes_to_start() -> None:
    result = step(small_flow(), ConversationState(), "1", NOW, IDLE)
    assert result.state.step == "hello"


def test_keyword_wins_on_first_contact() -> None:
    result = step(small_flow(), ConversationState(), "999", NOW, IDLE)
    assert said(result.replies) == ["danger.options"]
    assert result.actions == (Escalate(priority="urgent", reason="in_danger"),)
    assert not result.restarted


@pytest.mark.parametrize("current", ["hello", "unclear", "info", "person_menu", "danger"])
def test_keyword_wins_from_any_step(current: str) -> None:
    result = step(small_flow(), at(current), "Help me!", NOW, IDLE)
    assert result.state.step == "danger"


def test_keyword_wins_over_an_idle_restart() -> None:
    result = step(small_flow(), at("info", idle=timedelta(days=3)), "999", NOW, IDLE)
    assert result.state.step == "danger"


@pytest.mark.parametrize("text", ["1", " 1 ", "1.", "１", "INFO", "info!", "'Info'"])
def test_option_is_chosen_by_digit_or_word(text: str) -> None:
    result = step(small_flow(), at("hello"), text, NOW, IDLE)
    assert result.state.step == "info"
    assert said(result.replies) == ["info.text"]


def test_unknown_input_goes_to_otherwise() -> None:
    result = step(small_flow(), at("hello"), "what is this", NOW, IDLE)
    assert said(result.replies) == ["common.unclear"]
    assert result.state.step == "unclear"
    assert not result.restarted


def test_unknown_input_without_otherwise_asks_the_step_again() -> None:
    result = step(small_flow(), at("info"), "what is this", NOW, IDLE)
    assert said(result.replies) == ["info.text"]
    assert result.state.step == "info"


def test_options_belong_to_the_current_step_only() -> None:
    # "2" is an option on the menu, not on the info step.
    result = step(small_flow(), at("info"), "2", NOW, IDLE)
    assert result.state.step == "info"


def test_idle_past_the_timeout_restarts_at_start() -> None:
    stale = at("hello", idle=IDLE + timedelta(seconds=1))
    result = step(small_flow(), stale, "1", NOW, IDLE)
    assert said(result.replies) == ["hello.greeting", "hello.menu"]
    assert result.restarted


def test_idle_exactly_at_the_timeout_does_not_restart() -> None:
    result = step(small_flow(), at("hello", idle=IDLE), "1", NOW, IDLE)
    assert result.state.step == "info"
    assert not result.restarted


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(ConversationState(), id="new"),
        pytest.param(at("removed_in_an_edit"), id="step-no-longer-exists"),
        pytest.param(ConversationState(step="info", last_activity=None), id="no-last-activity"),
    ],
)
def test_conversation_without_a_usable_step_restarts(state: ConversationState) -> None:
    result = step(small_flow(), state, "1", NOW, IDLE)
    assert result.state.step == "hello"
    assert result.restarted


def test_next_chain_is_followed_and_actions_collected_in_order() -> None:
    result = step(small_flow(), at("hello"), "2", NOW, IDLE)
    assert said(result.replies) == ["person.requested", "person.menu"]
    assert result.actions == (
        Escalate(priority="routine", reason="asked_for_person"),
        Escalate(priority="high", reason="still_waiting"),
    )
    assert result.state.step == "person_menu"


def test_new_state_records_the_time_and_keeps_language_and_choices() -> None:
    choices = {"wants": Choice("call_back", NOW - timedelta(days=1))}
    state = ConversationState(step="hello", last_activity=NOW - timedelta(minutes=1),
                              language="cy", choices=choices)
    result = step(small_flow(), state, "1", NOW, IDLE)
    assert result.state.last_activity == NOW
    assert result.state.language == "cy"
    assert result.state.choices == choices


# --- keywords in every language, from deployment words and the duress word ----------------------


@pytest.mark.parametrize(("text", "keyword", "goto"), [
    pytest.param("pomocy", "emergency", "danger", id="polish-emergency"),
    pytest.param("Ratunku!", "emergency", "danger", id="polish-emergency-punctuated"),
    pytest.param("osoba", "person", "person", id="polish-person"),
    pytest.param("999", "emergency", "danger", id="every-language-word"),
])
def test_keyword_in_any_language_works_in_an_english_conversation(
    text: str, keyword: str, goto: str
) -> None:
    result = step(safety_flow(), at("hello"), text, NOW, IDLE)
    assert (result.keyword, result.state.step) == (keyword, goto)
    assert result.state.language == "en"


def test_keyword_words_listed_without_languages_work() -> None:
    assert step(safety_flow(), at("hello"), "Not now", NOW, IDLE).keyword == "pause"


def test_deployment_extra_word_leads_to_its_keyword() -> None:
    flow = safety_flow(extra_words={"person": ["Caseworker"]})
    result = step(flow, at("hello"), "caseworker!", NOW, IDLE)
    assert (result.keyword, result.state.step) == ("person", "person")


def test_deployment_extra_words_keep_the_flows_own_words() -> None:
    flow = safety_flow(extra_words={"person": ["caseworker"]})
    assert step(flow, at("hello"), "osoba", NOW, IDLE).state.step == "person"


def test_deployment_extra_words_for_an_unknown_keyword_are_refused() -> None:
    with pytest.raises(FlowError) as caught:
        safety_flow(extra_words={"caseworker": ["caseworker"]})
    assert (caught.value.source, caught.value.where) == ("deployment file",
                                                         "keywords.caseworker")
    assert "is not a keyword" in caught.value.why


def test_duress_word_leads_to_the_cover_step() -> None:
    result = step(safety_flow(duress_words=("bluebell",)), at("hello"), "Bluebell.", NOW, IDLE)
    assert (result.keyword, result.state.step) == ("duress", "cover")
    assert said(result.replies) == ["cover.reply"]


@pytest.mark.parametrize("word", ["999", "help me", "pomocy", "person", "pause"])
def test_duress_word_wins_over_every_other_keyword(word: str) -> None:
    result = step(safety_flow(duress_words=(word,)), at("hello"), word, NOW, IDLE)
    assert (result.keyword, result.state.step) == ("duress", "cover")


def test_duress_word_wins_over_the_current_steps_options() -> None:
    result = step(safety_flow(duress_words=("1",)), at("hello"), "1", NOW, IDLE)
    assert result.state.step == "cover"


def test_duress_word_wins_on_first_contact() -> None:
    result = step(safety_flow(duress_words=("bluebell",)), ConversationState(), "bluebell", NOW,
                  IDLE)
    assert result.state.step == "cover"
    assert result.state.cover


def test_duress_word_without_a_cover_step_is_refused() -> None:
    with pytest.raises(FlowError) as caught:
        parse_flows([("small.yaml", {"start": "a", "steps": {"a": {"say": ["m.a"]}}})],
                    duress_words=("bluebell",))
    assert caught.value.where == "cover"
    assert "no flow names a cover step" in caught.value.why


@pytest.mark.parametrize("words", [pytest.param((), id="none"),
                                   pytest.param(("", "?!"), id="blank")])
def test_without_a_duress_word_no_cover_step_is_needed(words: tuple[str, ...]) -> None:
    flow = parse_flows([("small.yaml", {"start": "a", "steps": {"a": {"say": ["m.a"]}}})],
                       duress_words=words)
    assert [k.name for k in flow.keywords] == []


# --- cover mode --------------------------------------------------------------------------------


def test_cover_step_sets_cover_mode_and_escalates_as_cannot_talk() -> None:
    result = step(safety_flow(duress_words=("bluebell",)), at("hello"), "bluebell", NOW, IDLE)
    assert result.state.cover
    assert result.actions == (Cover(), CANNOT_TALK)


@pytest.mark.parametrize(("text", "urgent"), [
    pytest.param("1", False, id="an-option"),
    pytest.param("999", False, id="a-keyword"),
    pytest.param("person", False, id="a-request-for-a-person"),
    pytest.param("anything at all", False, id="free-text"),
    pytest.param("he is outside now", True, id="urgent-by-triage"),
])
def test_cover_mode_answers_everything_with_the_cover_step(text: str, urgent: bool) -> None:
    state = at("cover", cover=True)
    result = step(safety_flow(), state, text, NOW, IDLE, urgent=urgent)
    assert said(result.replies) == ["cover.reply"]
    assert (result.keyword, result.state.step) == ("cover", "cover")
    assert result.state.cover


def test_cover_mode_lasts_up_to_the_idle_timeout() -> None:
    result = step(safety_flow(), at("cover", idle=IDLE, cover=True), "1", NOW, IDLE)
    assert result.state.step == "cover"


def test_cover_mode_ends_when_the_conversation_goes_idle() -> None:
    stale = at("cover", idle=IDLE + timedelta(seconds=1), cover=True)
    result = step(safety_flow(), stale, "1", NOW, IDLE)
    assert said(result.replies) == ["hello.menu"]
    assert result.restarted
    assert not result.state.cover


# --- urgent triage -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", [
    pytest.param(at("thanks"), id="mid-conversation"),
    pytest.param(ConversationState(), id="first-contact"),
])
def test_urgent_message_goes_to_the_urgent_step(state: ConversationState) -> None:
    result = step(safety_flow(), state, "he's outside now", NOW, IDLE, urgent=True)
    assert said(result.replies) == ["urgent.reply"]
    assert (result.keyword, result.state.step) == ("urgent", "urgent")
    assert result.actions == (URGENT_TRIAGE,)


def test_urgent_message_is_not_read_as_an_option() -> None:
    result = step(safety_flow(), at("hello"), "1", NOW, IDLE, urgent=True)
    assert result.state.step == "urgent"


def test_keyword_wins_over_an_urgent_triage_result() -> None:
    result = step(safety_flow(), at("hello"), "999", NOW, IDLE, urgent=True)
    assert (result.keyword, result.state.step) == ("emergency", "danger")


def test_urgent_message_in_a_flow_without_an_urgent_step_is_handled_as_usual() -> None:
    result = step(small_flow(), at("hello"), "1", NOW, IDLE, urgent=True)
    assert result.state.step == "info"


# --- capture -----------------------------------------------------------------------------------


def test_arriving_at_a_capture_step_waits_for_the_reply() -> None:
    result = step(safety_flow(), at("hello"), "1", NOW, IDLE)
    assert said(result.replies) == ["time.ask"]
    assert result.state.step == "ask_time"


def test_capture_records_the_reply_verbatim_with_the_time_then_goes_to_next() -> None:
    result = step(safety_flow(), at("ask_time"), "  Weekdays after 10, NOT Sat!  ", NOW, IDLE)
    assert result.state.choices == {"safe_time": Choice("Weekdays after 10, NOT Sat!", NOW)}
    assert result.actions == (Record("safe_time", "Weekdays after 10, NOT Sat!"),)
    assert said(result.replies) == ["time.thanks"]
    assert result.state.step == "thanks"


def test_capture_keeps_at_most_500_characters() -> None:
    result = step(safety_flow(), at("ask_time"), "x" * 501, NOW, IDLE)
    assert result.state.choices["safe_time"].value == "x" * 500


def test_capture_of_an_option_like_reply_keeps_the_text() -> None:
    # A capture step has no options: "2" is the survivor's answer, not a menu choice.
    result = step(safety_flow(), at("ask_time"), "2", NOW, IDLE)
    assert result.state.choices["safe_time"].value == "2"


@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_capture_of_an_empty_reply_asks_again(text: str) -> None:
    result = step(safety_flow(), at("ask_time"), text, NOW, IDLE)
    assert result.state.step == "ask_time"
    assert result.state.choices == {}


def test_keyword_wins_over_a_capture() -> None:
    result = step(safety_flow(), at("ask_time"), "999", NOW, IDLE)
    assert result.state.step == "danger"
    assert result.state.choices == {}


# --- actions that change the conversation ------------------------------------------------------


def test_record_action_stores_the_choice_with_the_time() -> None:
    result = step(safety_flow(), at("hello"), "2", NOW, IDLE)
    assert result.state.choices == {"wants": Choice("call_back", NOW)}
    assert result.actions == (Record("wants", "call_back"),)


def test_record_action_replaces_an_earlier_choice_of_the_same_name() -> None:
    earlier = {"wants": Choice("talk_now", NOW - timedelta(days=2)),
               "safe_time": Choice("mornings", NOW - timedelta(days=2))}
    result = step(safety_flow(), at("hello", choices=earlier), "2", NOW, IDLE)
    assert result.state.choices == {"wants": Choice("call_back", NOW),
                                    "safe_time": Choice("mornings", NOW - timedelta(days=2))}


def test_set_language_action_changes_the_conversations_language() -> None:
    result = step(safety_flow(), at("hello"), "3", NOW, IDLE)
    assert result.state.language == "cy"
    assert result.actions == (SetLanguage("cy"),)


def test_request_erasure_action_dates_the_request() -> None:
    result = step(safety_flow(), at("hello"), "4", NOW, IDLE)
    assert result.state.erasure_requested == NOW
    assert result.actions == (RequestErasure(),)


def test_erasure_request_survives_later_messages() -> None:
    requested = at("hello", erasure_requested=NOW - timedelta(days=1))
    result = step(safety_flow(), requested, "hello again", NOW, IDLE)
    assert result.state.erasure_requested == NOW - timedelta(days=1)


def test_pause_action_pauses_the_conversation() -> None:
    result = step(safety_flow(), at("hello"), "pause", NOW, IDLE)
    assert result.state.paused
    assert result.actions == (Pause(),)
    assert said(result.replies) == ["pause.confirmed"]


@pytest.mark.parametrize(("text", "idle"), [
    pytest.param("I'm back", timedelta(minutes=5), id="any-reply"),
    pytest.param("999", timedelta(minutes=5), id="a-keyword"),
    pytest.param("I'm back", timedelta(days=3), id="after-the-idle-timeout"),
])
def test_next_message_lifts_the_pause(text: str, idle: timedelta) -> None:
    result = step(safety_flow(), at("pause", idle=idle, paused=True), text, NOW, IDLE)
    assert not result.state.paused


def test_fresh_start_keeps_the_language_and_choices() -> None:
    choices = {"wants": Choice("call_back", NOW - timedelta(days=3))}
    stale = at("thanks", idle=timedelta(days=3), language="pl", choices=choices)
    result = step(safety_flow(), stale, "hi", NOW, IDLE)
    assert result.restarted
    assert (result.state.language, result.state.choices) == ("pl", choices)


# --- the shipped flows -------------------------------------------------------------------------


def test_shipped_flows_load_as_one_conversation() -> None:
    flow = shipped_flows()
    assert (flow.start, flow.cover_step, flow.urgent_step) == ("welcome", "cover", "urgent")
    assert flow.source_of("welcome") == str(FLOWS / "welcome.yaml")
    assert flow.source_of("person") == str(FLOWS / "person.yaml")
    assert flow.service_messages["failsafe.emergency"] == str(FLOWS / "safety.yaml")
    assert {"welcome.greeting", "menu.main", "emergency.options"} <= flow.message_ids()


def test_shipped_flows_load_with_the_demo_deployments_duress_word() -> None:
    flow = load_flows(FLOWS, duress_words=("bluebell",))
    assert step(flow, ConversationState(), "Bluebell", NOW, IDLE).state.step == "cover"


def test_welcome_flow_greets_a_first_message_with_the_menu() -> None:
    result = step(shipped_flows(), ConversationState(), "are you there", NOW, IDLE)
    assert said(result.replies) == ["welcome.greeting", "menu.main", "menu.languages"]


def test_welcome_flow_first_words_help_me_get_the_emergency_options() -> None:
    result = step(shipped_flows(), ConversationState(), "Help me", NOW, IDLE)
    assert said(result.replies)[0] == "emergency.options"


def test_welcome_flow_asking_for_a_person_escalates_once() -> None:
    flow = shipped_flows()
    asked = step(flow, ConversationState(step="welcome", last_activity=NOW), "3", NOW, IDLE)
    assert asked.actions == (Escalate(priority="routine", reason="asked_for_person"),)
    later = step(flow, asked.state, "he is back soon", NOW + timedelta(minutes=1), IDLE)
    assert said(later.replies) == ["person.noted"]
    assert later.actions == ()


@pytest.mark.parametrize("text", ["hi", "Hello!", "hiya", "cześć", "salut"])
def test_greeting_goes_back_to_the_welcome(text: str) -> None:
    result = step(shipped_flows(), at("information"), text, NOW, IDLE)
    assert (result.keyword, result.state.step) == ("greeting", "welcome")
    assert said(result.replies)[0] == "welcome.greeting"


@pytest.mark.parametrize(("reply", "goes_to"), [
    ("1", "information"), ("2", "services"), ("3", "person"), ("4", "emergency"),
    ("9", "language"), ("0", "menu"),
])
def test_main_menu_options(reply: str, goes_to: str) -> None:
    assert step(shipped_flows(), at("welcome"), reply, NOW, IDLE).state.step == goes_to


def test_choosing_a_language_sets_it_and_shows_the_menu() -> None:
    result = step(shipped_flows(), at("language"), "3", NOW, IDLE)
    assert result.state.language == "pl"
    assert said(result.replies) == ["language.chosen", "menu.main", "menu.languages"]


def test_person_flow_captures_a_safe_time_for_a_call_back() -> None:
    flow = shipped_flows()
    asked = step(flow, at("person_safe_now"), "2", NOW, IDLE)
    assert said(asked.replies) == ["person.safe_time"]
    later = NOW + timedelta(minutes=2)
    answered = step(flow, asked.state, "Weekdays after 10", later, IDLE)
    assert answered.state.choices == {"wants": Choice("call_back", NOW),
                                      "safe_time": Choice("Weekdays after 10", later)}
    assert answered.state.step == "person_consent"


def test_person_flow_asks_if_it_is_safe_to_talk_and_pauses_when_it_is_not() -> None:
    flow = shipped_flows()
    asked = step(flow, at("menu"), "3", NOW, IDLE)
    assert said(asked.replies) == ["person.requested", "person.safe_now"]
    not_safe = step(flow, asked.state, "2", NOW, IDLE)
    assert not_safe.state.paused is True
    assert not_safe.state.choices == {"safe_to_talk": Choice("no", NOW)}
    assert said(not_safe.replies) == ["pause.confirmed"]


def test_confirmed_erasure_is_requested_and_the_next_message_starts_quietly() -> None:
    flow = shipped_flows()
    asked = step(flow, at("menu"), "delete this", NOW, IDLE)
    confirmed = step(flow, asked.state, "1", NOW, IDLE)
    assert confirmed.state.erasure_requested == NOW
    assert said(confirmed.replies) == ["erase.done", "menu.hint"]


# --- normalise and state -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MENU", "menu"),
        ("  Talk   to\tsomeone \n", "talk to someone"),
        ("3.", "3"),
        ("help!!", "help"),
        ("'person'", "person"),
        ("(2)", "2"),
        ("¿Ayuda?", "ayuda"),
        ("３", "3"),
        ("ＭＥＮＵ", "menu"),
        ("Straße", "strasse"),
        ("1-2", "1-2"),
        ("...", ""),
    ],
)
def test_normalise_ignores_case_spacing_edge_punctuation_and_width(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(ConversationState(), id="empty"),
        pytest.param(ConversationState(
            step="person", last_activity=NOW, language="cy", paused=True, cover=True,
            erasure_requested=NOW, choices={"safe_time": Choice("weekdays after 10 ✓", NOW)},
        ), id="full"),
    ],
)
def test_conversation_state_survives_a_json_round_trip(state: ConversationState) -> None:
    assert ConversationState.from_json(state.to_json()) == state


# --- the loader --------------------------------------------------------------------------------


def raw_flow(steps: dict[str, Any], start: str = "a",
             keywords: list[Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"flow": "test", "start": start, "steps": steps}
    if keywords is not None:
        raw["keywords"] = keywords
    return raw


SAY_A: dict[str, Any] = {"say": ["m.a"]}


@pytest.mark.parametrize(
    ("raw", "where", "why"),
    [
        pytest.param(raw_flow({"a": {"say": ["m.a"], "options": {"1": "nowhere"}}}),
                     "step 'a'", "unknown step 'nowhere'", id="option-target"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "otherwise": "nowhere"}}),
                     "step 'a'", "unknown step 'nowhere'", id="otherwise-target"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "next": "nowhere"}}),
                     "step 'a'", "unknown step 'nowhere'", id="next-target"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"words": ["999"], "goto": "nowhere"}]),
                     "keywords[0] (nowhere)", "unknown step 'nowhere'",
                     id="keyword-target"),
        pytest.param(raw_flow({"a": SAY_A}, start="nowhere"),
                     "start", "unknown step 'nowhere'", id="start-target"),
        pytest.param(raw_flow({"a": SAY_A, "orphan": {"say": ["m.orphan"]}}),
                     "step 'orphan'", "cannot be reached", id="unreachable"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "next": "b"},
                               "b": {"say": ["m.b"], "next": "a"}}),
                     "step 'a'", "'next' chain loops", id="next-loop"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "next": "a"}}),
                     "step 'a'", "'next' chain loops", id="next-to-itself"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "options": {"1": "b"}},
                               "b": {"options": {"1": "a"}}}),
                     "step 'b'", "says nothing and goes nowhere", id="silent-step"),
        pytest.param(raw_flow({"a": {"say": ["Hello there"]}}),
                     "step 'a'", "message ids", id="message-id-with-spaces"),
        pytest.param(raw_flow({"a": {"say": ["Welcome.Greeting"]}}),
                     "step 'a'", "message ids", id="message-id-with-capitals"),
        pytest.param(raw_flow({"a": {"say": "m.a"}}),
                     "step 'a'", "message ids", id="say-not-a-list"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [
                         {"escalate": {"priority": "critical", "reason": "in_danger"}}]}}),
                     "step 'a'", "priority must be one of", id="escalate-priority"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [
                         {"escalate": {"priority": "urgent", "reason": "In danger!"}}]}}),
                     "step 'a'", "reason code", id="escalate-reason"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [
                         {"escalate": {"priority": "urgent"}}]}}),
                     "step 'a'", "reason code", id="escalate-without-reason"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": ["notify_police"]}}),
                     "step 'a'", "unknown action", id="unknown-action"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "goto": "a", "text": "x"}}),
                     "step 'a'", "unknown keys: goto, text", id="unknown-step-keys"),
        pytest.param(raw_flow({"a": ["m.a"]}), "step 'a'", "must be a mapping",
                     id="step-not-a-mapping"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "options": {"?!": "a"}}}),
                     "step 'a'", "option reply is empty", id="empty-option-reply"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"goto": "a"}]),
                     "keywords[0]", "needs 'words'", id="keyword-without-words"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"words": ["!!"], "goto": "a"}]),
                     "keywords[0]", "has no words", id="keyword-of-punctuation"),
        pytest.param(raw_flow({"a": SAY_A}, start=""), "file", "needs 'start'",
                     id="blank-start"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "capture": "safe_time"}}),
                     "step 'a'", "needs 'next'", id="capture-without-next"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "capture": ["safe_time"], "next": "a"}}),
                     "step 'a'", "'capture' must be text", id="capture-not-text"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [{"set_language": "Welsh"}]}}),
                     "step 'a'", "unknown action", id="set-language-not-a-code"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [
                         {"record": {"choice": "wants"}}]}}),
                     "step 'a'", "unknown action", id="record-without-value"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [
                         {"record": {"choice": "wants", "value": "Call me back"}}]}}),
                     "step 'a'", "unknown action", id="record-value-not-a-code"),
        pytest.param(raw_flow({"a": {"say": ["m.a"], "actions": [{"pause": True}]}}),
                     "step 'a'", "unknown action", id="pause-with-arguments"),
        pytest.param(raw_flow({"Welcome": {"say": ["m.a"]}}, start="Welcome"),
                     "step 'Welcome'", "lower-case", id="step-id-with-capitals"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"words": {"pl": "pomocy"}, "goto": "a"}]),
                     "keywords[0].words.pl", "must be a list", id="keyword-language-not-a-list"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"words": {"pl": []}, "goto": "a"}]),
                     "keywords[0]", "has no words", id="keyword-languages-without-words"),
        pytest.param(raw_flow({"a": SAY_A}, keywords=[{"name": 7, "words": ["x"], "goto": "a"}]),
                     "keywords[0]", "'name' must be text", id="keyword-name-not-text"),
        pytest.param({**raw_flow({"a": SAY_A}), "preview_characters": 40},
                     "file", "unknown keys: preview_characters", id="unknown-file-key"),
        pytest.param({**raw_flow({"a": SAY_A}), "cover": "nowhere"},
                     "cover", "unknown step 'nowhere'", id="cover-target"),
        pytest.param({**raw_flow({"a": SAY_A}), "urgent": "nowhere"},
                     "urgent", "unknown step 'nowhere'", id="urgent-target"),
        pytest.param({**raw_flow({"a": SAY_A}), "messages": "sms.stopped"},
                     "messages", "list of message ids", id="messages-not-a-list"),
        pytest.param({**raw_flow({"a": SAY_A}), "messages": ["Stopped, bye"]},
                     "messages", "list of message ids", id="messages-not-ids"),
        pytest.param(raw_flow({}), "steps", "non-empty mapping", id="no-steps"),
    ],
)
def test_invalid_flow_is_refused_naming_source_and_where(
    raw: dict[str, Any], where: str, why: str
) -> None:
    with pytest.raises(FlowError) as caught:
        parse_flow(raw, "test-flow.yaml")
    assert (caught.value.source, caught.value.where) == ("test-flow.yaml", where)
    assert why in caught.value.why
    assert str(caught.value).startswith(f"test-flow.yaml: {where}: ")


def test_step_target_that_is_not_text_is_a_flow_error() -> None:
    # A YAML author who writes `next: [b]` must get a FlowError naming the step, not a
    # TypeError traceback from `flows check` (which only reports FlowError).
    raw = raw_flow({"a": {"say": ["m.a"], "next": ["b"]}, "b": {"say": ["m.b"]}})
    with pytest.raises(FlowError) as caught:
        parse_flow(raw, "test-flow.yaml")
    assert caught.value.where == "step 'a'"


@pytest.mark.parametrize(("raw", "action"), [
    ("pause", Pause()),
    ("request_erasure", RequestErasure()),
    ("cover", Cover()),
    ({"set_language": "cy"}, SetLanguage("cy")),
    ({"record": {"choice": "wants", "value": "call_back"}}, Record("wants", "call_back")),
    ({"escalate": {"reason": "asked_for_person"}}, Escalate("routine", "asked_for_person")),
])
def test_each_action_loads_as_its_kind(raw: Any, action: Action) -> None:
    flow = parse_flow(raw_flow({"a": {"say": ["m.a"], "actions": [raw]}}), "test-flow.yaml")
    assert flow.steps["a"].actions == (action,)


def test_messages_a_flow_file_declares_for_the_service_are_among_its_message_ids() -> None:
    flow = parse_flow({**raw_flow({"a": SAY_A}), "messages": ["sms.stopped"]}, "a.yaml")
    assert flow.service_messages == {"sms.stopped": "a.yaml"}
    assert flow.message_ids() == {"m.a", "sms.stopped"}


def test_keyword_name_defaults_to_its_goto() -> None:
    flow = parse_flow(raw_flow({"a": SAY_A}, keywords=[{"words": ["x"], "goto": "a"}]), "t.yaml")
    assert [k.name for k in flow.keywords] == ["a"]


def test_keyword_words_by_language_are_normalised_and_kept_per_language() -> None:
    keyword = {"name": "help", "goto": "a", "words": {"*": ["999"], "pl": ["POMOCY!", "Ratunku"]}}
    flow = parse_flow(raw_flow({"a": SAY_A}, keywords=[keyword]), "t.yaml")
    assert flow.keywords[0].words == {"*": frozenset({"999"}),
                                      "pl": frozenset({"pomocy", "ratunku"})}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param("flow: x\nsteps: [unclosed\n", "is not valid YAML", id="invalid-yaml"),
        pytest.param("- flow\n- steps\n", "must be a mapping", id="a-list"),
        pytest.param("just some words\n", "must be a mapping", id="a-string"),
        pytest.param("", "must be a mapping", id="empty"),
    ],
)
def test_bad_flow_file_is_refused_naming_the_file(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert (caught.value.source, caught.value.where) == (str(path), "file")
    assert why in caught.value.why


def test_unreadable_flow_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("flow: caf\xe9\n".encode("latin-1"))
    with pytest.raises(FlowError, match="latin1.yaml: file: cannot be read"):
        load_flow(path)


def test_unquoted_yes_and_no_in_a_yaml_flow_stay_the_words_yes_and_no(tmp_path: Path) -> None:
    # YAML 1.1 reads unquoted yes/no/on/off as booleans; a survivor typing "yes" must still
    # pick the option the flow's author wrote as `yes:`.
    path = tmp_path / "consent.yaml"
    path.write_text(
        "flow: consent\n"
        "start: ask\n"
        "steps:\n"
        "  ask:\n"
        "    say: [consent.ask]\n"
        "    options:\n"
        "      yes: agreed\n"
        "      no: declined\n"
        "  agreed: {say: [consent.agreed]}\n"
        "  declined: {say: [consent.declined]}\n",
        encoding="utf-8",
    )
    flow = load_flow(path)
    state = ConversationState(step="ask", last_activity=NOW)
    assert step(flow, state, "yes", NOW, IDLE).state.step == "agreed"


# --- several flow files ------------------------------------------------------------------------


def write_files(directory: Path, **files: str) -> Path:
    """Write `name_yaml="..."` as directory/name.yaml; returns the directory."""
    for name, text in files.items():
        (directory / name.replace("_yaml", ".yaml")).write_text(textwrap.dedent(text),
                                                               encoding="utf-8")
    return directory


WELCOME_YAML = """\
    flow: welcome
    start: welcome
    steps:
      welcome:
        say: [welcome.menu]
        options: {"1": info}
    """
INFO_YAML = """\
    flow: info
    steps:
      info:
        say: [info.text]
        options: {"0": welcome}
    """


def test_steps_in_one_file_can_lead_to_steps_in_another(tmp_path: Path) -> None:
    flow = load_flows(write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML))
    there = step(flow, at("welcome"), "1", NOW, IDLE)
    assert said(there.replies) == ["info.text"]
    assert step(flow, there.state, "0", NOW, IDLE).state.step == "welcome"


def test_each_step_remembers_the_file_it_came_from(tmp_path: Path) -> None:
    flow = load_flows(write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML))
    assert flow.source_of("welcome") == str(tmp_path / "welcome.yaml")
    assert flow.source_of("info") == str(tmp_path / "info.yaml")


def test_keywords_file_without_steps_is_merged(tmp_path: Path) -> None:
    keywords = """\
        keywords:
          - {name: info, goto: info, words: {en: [info], cy: [gwybodaeth]}}
        """
    flow = load_flows(write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML,
                                  keywords_yaml=keywords))
    assert step(flow, at("welcome"), "gwybodaeth", NOW, IDLE).state.step == "info"


def test_same_step_id_in_two_files_is_refused_naming_both(tmp_path: Path) -> None:
    clash = """\
        flow: clash
        steps:
          info: {say: [clash.text]}
        """
    write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML, zclash_yaml=clash)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert (caught.value.source, caught.value.where) == (str(tmp_path / "zclash.yaml"),
                                                         "step 'info'")
    assert caught.value.why == f"is also defined in {tmp_path / 'info.yaml'}"


def with_line(text: str, line: str) -> str:
    """`text` (an indented flow file) with `line` added after its first line."""
    first, rest = text.split("\n", 1)
    return f"{first}\n    {line}\n{rest}"


@pytest.mark.parametrize("role", ["start", "cover", "urgent"])
def test_role_set_in_two_files_is_refused_naming_both(tmp_path: Path, role: str) -> None:
    welcome = WELCOME_YAML if role == "start" else with_line(WELCOME_YAML, f"{role}: welcome")
    write_files(tmp_path, info_yaml=with_line(INFO_YAML, f"{role}: info"), welcome_yaml=welcome)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert (caught.value.source, caught.value.where) == (str(tmp_path / "welcome.yaml"), role)
    assert caught.value.why == f"is already set in {tmp_path / 'info.yaml'}"


def test_no_file_with_start_is_refused(tmp_path: Path) -> None:
    write_files(tmp_path, info_yaml=INFO_YAML.replace("{\"0\": welcome}", "{\"0\": info}"))
    with pytest.raises(FlowError, match="needs 'start'"):
        load_flows(tmp_path)


@pytest.mark.parametrize(("role", "welcome"), [
    pytest.param("start", WELCOME_YAML.replace("start: welcome", "start: nowhere"), id="start"),
    pytest.param("cover", with_line(WELCOME_YAML, "cover: nowhere"), id="cover"),
    pytest.param("urgent", with_line(WELCOME_YAML, "urgent: nowhere"), id="urgent"),
])
def test_role_leading_nowhere_is_reported_in_the_file_that_sets_it(
    tmp_path: Path, role: str, welcome: str
) -> None:
    # info.yaml sorts first and holds steps, but the role is set in welcome.yaml.
    write_files(tmp_path, welcome_yaml=welcome, info_yaml=INFO_YAML)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert (caught.value.source, caught.value.where) == (str(tmp_path / "welcome.yaml"), role)


def test_keyword_leading_nowhere_is_reported_in_its_own_file(tmp_path: Path) -> None:
    keywords = """\
        keywords:
          - {name: info, goto: info, words: [info]}
          - {name: lost, goto: nowhere, words: [lost]}
        """
    write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML,
                keywords_yaml=keywords)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert (caught.value.source, caught.value.where) == (str(tmp_path / "keywords.yaml"),
                                                         "keywords[1] (lost)")


def test_keyword_index_in_an_error_ignores_the_duress_word(tmp_path: Path) -> None:
    # The duress word is a keyword the loader adds; the author's list is what the index names.
    keywords = """\
        keywords:
          - {name: lost, goto: nowhere, words: [lost]}
        """
    write_files(tmp_path, welcome_yaml=with_line(WELCOME_YAML, "cover: info"),
                info_yaml=INFO_YAML, keywords_yaml=keywords)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path, duress_words=("bluebell",))
    assert caught.value.where == "keywords[0] (lost)"


def test_outbound_and_triage_files_are_not_read_as_flows(tmp_path: Path) -> None:
    write_files(tmp_path, welcome_yaml=WELCOME_YAML, info_yaml=INFO_YAML)
    for name in ("outbound.yaml", "triage.yaml"):
        shutil.copyfile(FLOWS / name, tmp_path / name)
    flow = load_flows(tmp_path)
    assert set(flow.sources.values()) == {str(tmp_path / "welcome.yaml"),
                                          str(tmp_path / "info.yaml")}


@pytest.mark.parametrize("names", [(), ("outbound.yaml", "triage.yaml")])
def test_folder_without_flow_files_is_refused(tmp_path: Path, names: tuple[str, ...]) -> None:
    for name in names:
        shutil.copyfile(FLOWS / name, tmp_path / name)
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert (caught.value.source, caught.value.where) == (str(tmp_path), "folder")
    assert "has no flow files" in caught.value.why


# --- the purity rule ---------------------------------------------------------------------------


def loaded_io_libraries(code: str) -> list[str]:
    """Run `code` in a fresh interpreter and list which I/O libraries it left imported."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {IO_LIBRARIES!r} if m in sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
        check=True, timeout=60,
    )
    return completed.stdout.split()


def test_flows_package_itself_imports_no_io_libraries() -> None:
    # Load app.flows under an empty stand-in for the `app` package, so only the imports of
    # app/flows/ itself count (app/__init__.py is the Flask factory).
    code = (
        "import sys, types\n"
        "parent = types.ModuleType('app')\n"
        f"parent.__path__ = [{str(PROJECT_ROOT / 'app')!r}]\n"
        "sys.modules['app'] = parent\n"
        "import app.flows"
    )
    assert loaded_io_libraries(code) == []


def test_importing_app_flows_imports_no_io_libraries() -> None:
    assert loaded_io_libraries("import app.flows") == []
