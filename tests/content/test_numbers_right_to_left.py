"""Phone numbers read the right way round in right-to-left languages.

In Arabic or Urdu text, "0808 2000 247" is a run of digit groups between neutral spaces: a phone
shows the groups in reverse order ("247 2000 0808") unless a left-to-right mark comes first, and
a line break between groups can split the number. A survivor must never dial a wrong helpline
number, so every multi-group number in a right-to-left catalogue starts with U+200E (or an
isolate, U+2066) and joins its groups with no-break spaces, in SMS and web texts alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
RIGHT_TO_LEFT = ("ar", "ur")
# Two or more digit groups separated by any kind of space.
NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d+)+")
LEFT_TO_RIGHT = ("\u200e", "\u2066")


def translations(language: str) -> list[tuple[str, str, str]]:
    found = []
    for domain in ("messages", "web"):
        path = ROOT / "translations" / language / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if message.id and isinstance(message.string, str) and message.string:
                found.append((domain, str(message.id), message.string))
    return found


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_every_phone_number_in_a_right_to_left_text_reads_left_to_right(language: str) -> None:
    wrong = []
    for domain, message_id, text in translations(language):
        for number in NUMBER.finditer(text):
            before = text[number.start() - 1] if number.start() else ""
            if before not in LEFT_TO_RIGHT or " " in number.group():
                wrong.append(f"{domain}:{message_id}: {number.group()!r}")
    assert wrong == []


def test_the_helpline_number_is_checked() -> None:
    texts = [text for _, _, text in translations("ar")]
    assert any("0808\u00a02000\u00a0247" in text for text in texts)
