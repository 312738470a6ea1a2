"""The opening time in an Arabic or Urdu reply uses the Arabic comma (U+060C): a Latin comma
reads as a stray mark in an Arabic-script sentence (found reading the out-of-hours reply)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.content.written_times import written_time

MONDAY_NINE = datetime(2026, 12, 7, 9, 0)


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_arabic_script_writes_its_own_comma(language: str) -> None:
    written = written_time(MONDAY_NINE, language)
    assert "\u060c 09:00" in written
    assert "," not in written


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ro", "so", "pa"])
def test_other_languages_keep_the_latin_comma(language: str) -> None:
    assert written_time(MONDAY_NINE, language).endswith(", 09:00")

