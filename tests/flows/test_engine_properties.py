"""Property test: no input, in any state, makes the engine raise or leave a survivor silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.content.catalogues import Catalogues
from app.flows import Choice, ConversationState, load_flows, step

ROOT = Path(__file__).resolve().parents[2]
FLOW = load_flows(ROOT / "flows", duress_words=("bluebell",))
CATALOGUES = Catalogues.load(ROOT / "translations", "en")
NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)
LANGUAGES = [None, "en", "cy", "pl", "pa", "ur", "ar", "ro", "so", "xx"]

# Words the flows react to, mixed into random text so the interesting paths are exercised.
KNOWN_WORDS = sorted({w for k in FLOW.keywords for words in k.words.values() for w in words}
                     | {reply for s in FLOW.steps.values() for reply in s.options})

states = st.builds(
    ConversationState,
    step=st.one_of(st.none(), st.sampled_from(sorted(FLOW.steps)), st.just("removed_step")),
    last_activity=st.one_of(st.none(), st.integers(0, 60 * 24 * 30).map(
        lambda minutes: NOW - timedelta(minutes=minutes))),
    language=st.sampled_from(LANGUAGES),
    paused=st.booleans(),
    cover=st.booleans(),
    locked=st.booleans(),  # rule 6: a locked conversation is answered too
    erasure_requested=st.one_of(st.none(), st.just(NOW)),
    choices=st.dictionaries(st.sampled_from(["wants", "safe_time"]),
                            st.builds(Choice, st.text(max_size=20), st.just(NOW)), max_size=2),
)
texts = st.one_of(
    st.text(max_size=2000),
    st.sampled_from(KNOWN_WORDS),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(KNOWN_WORDS), st.text(max_size=50)),
)


@settings(max_examples=400, deadline=None)
@given(state=states, text=texts, urgent=st.booleans())
def test_every_input_in_every_state_gets_a_reply_that_renders(
    state: ConversationState, text: str, urgent: bool
) -> None:
    result = step(FLOW, state, text, NOW, IDLE, urgent=urgent)
    assert result.replies, "the survivor must never be left without a reply"
    assert result.state.step in FLOW.steps
    rendered = CATALOGUES.join(result.state.language,
                               tuple(ref.id for ref in result.replies), {"services": "x"})
    assert rendered.strip()
    assert ConversationState.from_json(result.state.to_json()) == result.state


@settings(max_examples=200, deadline=None)
@given(state=states, text=texts)
def test_cover_mode_always_answers_with_the_cover_reply_until_idle(
    state: ConversationState, text: str
) -> None:
    covered = ConversationState(step="cover", last_activity=NOW - timedelta(minutes=5),
                                language=state.language, cover=True)
    result = step(FLOW, covered, text, NOW, IDLE)
    assert [ref.id for ref in result.replies] == ["cover.reply"]
