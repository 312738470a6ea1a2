"""SMS encoding and segment counts (app/sms_segments.py)."""

from __future__ import annotations

import pytest

from app.content.segments import Encoding, encoding_of


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        pytest.param("", 0, 1, id="empty"),
        pytest.param("a" * 160, 160, 1, id="160-fits-one"),
        pytest.param("a" * 161, 161, 2, id="161-needs-two"),
        pytest.param("a" * 306, 306, 2, id="306-fits-two-of-153"),
        pytest.param("a" * 307, 307, 3, id="307-needs-three"),
        pytest.param("€" * 80, 160, 1, id="extended-counts-two-fits-one"),
        pytest.param("€" * 80 + "a", 161, 2, id="extended-counts-two-needs-two"),
        pytest.param("{}[]~^|\\", 16, 1, id="every-bracket-is-extended"),
        pytest.param("£¥èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà§¿¡", 28, 1, id="accented-basic-alphabet"),
        pytest.param("ΔΦΓΛΩΠΨΣΘΞ", 10, 1, id="greek-capitals-in-the-basic-alphabet"),
        pytest.param("Line one\nLine two\r\n", 19, 1, id="newlines"),
    ],
)
def test_gsm7_text_counts_septets_and_segments(text: str, units: int, segments: int) -> None:
    assert encoding_of(text) == Encoding("GSM-7", units, segments)


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        pytest.param("ż" * 70, 70, 1, id="70-fits-one"),
        pytest.param("ż" * 71, 71, 2, id="71-needs-two"),
        pytest.param("ż" * 134, 134, 2, id="134-fits-two-of-67"),
        pytest.param("ż" * 135, 135, 3, id="135-needs-three"),
        pytest.param("a" * 69 + "ż", 70, 1, id="one-polish-letter-makes-it-all-ucs2"),
        pytest.param("a" * 70 + "’", 71, 2, id="one-curly-quote-makes-it-all-ucs2"),
        pytest.param("a" * 70 + "€ż", 72, 2, id="extended-chars-count-one-in-ucs2"),
        pytest.param("😀" * 35, 70, 1, id="emoji-counts-two-fits-one"),
        pytest.param("😀" * 35 + "a", 71, 2, id="emoji-counts-two-needs-two"),
        pytest.param("مرحبا", 5, 1, id="arabic"),
        pytest.param("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", 12, 1, id="gurmukhi"),
    ],
)
def test_ucs2_text_counts_utf16_units_and_segments(text: str, units: int, segments: int) -> None:
    assert encoding_of(text) == Encoding("UCS-2", units, segments)


@pytest.mark.parametrize(
    "character",
    [
        pytest.param("ç", id="small-c-cedilla"),  # only the capital Ç is in GSM-7
        pytest.param("á", id="a-acute"),
        pytest.param("ł", id="polish-l"),
        pytest.param("ŵ", id="welsh-w-circumflex"),
        pytest.param("“", id="curly-double-quote"),
        pytest.param("–", id="en-dash"),
        pytest.param("\u00a0", id="no-break-space"),
    ],
)
def test_latin_looking_character_outside_gsm7_needs_ucs2(character: str) -> None:
    assert encoding_of(f"Thanks {character}").name == "UCS-2"
