"""The pure conversation engine and the flow loader (app/flows/)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.flows import ConversationState, Escalate, Flow, FlowError, MessageRef, load_flow, step
from app.flows.loader import parse_flow
from app.flows.text import normalise

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WELCOME = PROJECT_ROOT / "flows" / "welcome.yaml"
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


def at(step_id: str | None, idle: timedelta = timedelta(minutes=5)) -> ConversationState:
    return ConversationState(step=step_id, last_activity=NOW - idle, language="en")


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


def test_new_state_records_the_time_and_keeps_language_and_data() -> None:
    state = ConversationState(step="hello", last_activity=NOW - timedelta(minutes=1),
                              language="cy", data={"resume": "set"})
    result = step(small_flow(), state, "1", NOW, IDLE)
    assert result.state.last_activity == NOW
    assert result.state.language == "cy"
    assert result.state.data == {"resume": "set"}


# --- the shipped welcome flow ----------------------------------------------------------------


def test_welcome_flow_greets_a_first_message_with_the_menu() -> None:
    result = step(load_flow(WELCOME), ConversationState(), "hello there", NOW, IDLE)
    assert said(result.replies) == ["welcome.greeting", "menu.main"]


def test_welcome_flow_first_words_help_me_get_the_emergency_options() -> None:
    result = step(load_flow(WELCOME), ConversationState(), "Help me", NOW, IDLE)
    assert said(result.replies)[0] == "emergency.options"


def test_welcome_flow_asking_for_a_person_escalates_once() -> None:
    flow = load_flow(WELCOME)
    asked = step(flow, ConversationState(step="welcome", last_activity=NOW), "3", NOW, IDLE)
    assert asked.actions == (Escalate(priority="routine", reason="asked_for_person"),)
    later = step(flow, asked.state, "he is back soon", NOW + timedelta(minutes=1), IDLE)
    assert said(later.replies) == ["person.noted"]
    assert later.actions == ()


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
        pytest.param(ConversationState(step="person", last_activity=NOW, language="cy",
                                       data={"resume": "set"}), id="full"),
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
                     "keywords[0]", "unknown step 'nowhere'", id="keyword-target"),
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


def test_shipped_welcome_flow_loads() -> None:
    flow = load_flow(WELCOME)
    assert flow.start == "welcome"
    assert flow.source == str(WELCOME)
    assert {"welcome.greeting", "menu.main", "emergency.options"} <= flow.message_ids()


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
