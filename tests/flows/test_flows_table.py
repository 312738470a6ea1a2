"""Every shipped keyword in every language, and every step in every language, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.flows import ConversationState, load_flows, step

ROOT = Path(__file__).resolve().parents[2]
FLOW = load_flows(ROOT / "flows")
CATALOGUES = Catalogues.load(ROOT / "translations", "en")
LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
IDLE = timedelta(hours=4)

KEYWORD_CASES = [
    pytest.param(keyword.name, keyword.goto, word, id=f"{keyword.name}-{language}-{word}")
    for keyword in FLOW.keywords
    for language, words in sorted(keyword.words.items())
    for word in sorted(words)
]


def test_every_shipped_language_has_keywords_for_every_keyword() -> None:
    for keyword in FLOW.keywords:
        missing = [lang for lang in LANGUAGES
                   if not keyword.words.get(lang) and not keyword.words.get("*")]
        assert missing == [], f"{keyword.name} has no words in {missing}"


@pytest.mark.parametrize(("name", "goto", "word"), KEYWORD_CASES)
def test_every_keyword_word_works_mid_conversation(name: str, goto: str, word: str) -> None:
    # From the middle of a sub-menu, where options would otherwise take the reply.
    state = ConversationState(step="information", last_activity=NOW - timedelta(minutes=1))
    result = step(FLOW, state, word.upper() if word.isascii() else word, NOW, IDLE)
    assert result.keyword == name
    assert result.state.step == end_of_chain(goto)
    assert [ref.id for ref in result.replies][: len(FLOW.steps[goto].say)] == [
        ref.id for ref in FLOW.steps[goto].say]


def end_of_chain(step_id: str) -> str:
    current = FLOW.steps[step_id]
    while current.next is not None and current.capture is None and current.secret is None:
        current = FLOW.steps[current.next]
    return current.id


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_id", sorted(FLOW.steps))
def test_every_step_renders_in_every_language(step_id: str, language: str) -> None:
    state = ConversationState(step=step_id, last_activity=NOW - timedelta(minutes=1),
                              language=language)
    # Entering the step itself: what a survivor reads when they arrive there.
    ids = [ref.id for ref in FLOW.steps[step_id].say]
    rendered = CATALOGUES.join(language, ids, {"services": "Service: 0800 000 000"}) if ids else ""
    assert bool(rendered.strip()) == bool(ids)
    # And answering from it with something unexpected still produces a reply.
    assert step(FLOW, state, "zzz unexpected", NOW, IDLE).replies
