"""The language guess reads a long text in part, as triage does (app/flows/said.py): the
detector's time grows with the text, and a huge body must not hold a web worker."""

from __future__ import annotations

import pytest

from app.content.language import LanguageGuesser
from app.flows.said import READ_HEAD, READ_TAIL


class RecordingDetector:
    """Stands in for lingua's detector: remembers what it was asked to read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def compute_language_confidence_values(self, text: str) -> list[object]:
        self.read.append(text)
        return []


@pytest.mark.parametrize("size", [2000, 100 * 1024])
def test_the_guess_reads_at_most_the_part_triage_reads(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    guesser = LanguageGuesser(("en", "pl"))
    detector = RecordingDetector()
    monkeypatch.setattr(guesser, "_detector", detector)
    text = ("słowo " * size)[:size]
    assert guesser.guess(text) is None
    [read] = detector.read
    if size <= READ_HEAD + READ_TAIL:
        assert read == text
    else:
        # Its start and its end, a line apart.
        assert len(read) <= READ_HEAD + READ_TAIL + 1
        head, tail = read.split("\n")
        assert text.startswith(head)
        assert text.endswith(tail)
