"""The lock-screen rule reads text as a phone draws it: invisible format characters pasted
from a word processor neither hide a revealing word nor push it past the preview, and a
direction override, which makes a phone draw what follows in another order, is refused.

Found by attacking the running service (attacker9): "Po\u00adlice" (a soft hyphen, as Word's
optional hyphen pastes) passed the rule and a phone shows "Police" on the lock screen."""

from __future__ import annotations

import pytest

from app.content.lint import check_text
from app.content.lockscreen import LockScreenRule

RULE = LockScreenRule(preview=40, stems={"en": ("police", "refuge")})


@pytest.mark.parametrize("text", [
    pytest.param("Po\u00adlice can help you today.", id="soft-hyphen"),
    pytest.param("Po\u200blice can help you today.", id="zero-width-space"),
    pytest.param("Poli\u200dce can help you today.", id="zero-width-joiner"),
    pytest.param("Ref\u2060uge places are free.", id="word-joiner"),
    pytest.param("\u200b" * 45 + "Police can help you.", id="pushed-past-the-preview"),
    # Not invisible, but drawn as the same letters: compatibility forms.
    pytest.param("\uff30\uff4f\uff4c\uff49\uff43\uff45 can help you.", id="fullwidth"),
    pytest.param("\U0001d40f\U0001d428\U0001d425\U0001d422\U0001d41c\U0001d41e can help.",
                 id="mathematical-bold"),
])
def test_an_invisible_character_does_not_hide_a_revealing_word(text: str) -> None:
    assert RULE.violations("en", text)
    assert RULE.violations_in_any_language(text)


@pytest.mark.parametrize("override", ["\u202e", "\u202d", "\u202b", "\u202a", "\u202c"])
def test_a_direction_override_is_refused_naming_it(override: str) -> None:
    problems = check_text(RULE, "en", "note.x", f"Call {override}0808 2000 247 today.", None)
    assert [str(p) for p in problems] == [
        f"note.x [en]: holds U+{ord(override):04X}, which makes a phone show what follows in "
        "another order: isolate with U+2066..U+2069"]


def test_isolated_numbers_in_right_to_left_text_stay_allowed() -> None:
    text = "اتصل على \u20660808\u00a02000\u00a0247\u2069 في أي وقت"
    assert check_text(RULE, "ar", "note.x", text, None) == []

