"""The DASH checklist file (flows/dash.yaml) keeps an honest note of where the published
checklist is and what its copyright notices say, so nobody pastes the published questions in
believing they are free to reuse, and its source names the published checklist by title."""

from __future__ import annotations

from pathlib import Path

from app.content.checklist import load_checklist

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def test_the_file_quotes_the_copyright_notices_of_the_published_checklist() -> None:
    # The header's comment lines read as one text (a phrase may wrap across lines).
    text = " ".join(line.lstrip("#").strip()
                    for line in (FLOWS / "dash.yaml").read_text("utf-8").splitlines())
    assert "\u00a9CAADA 2009" in text
    assert "Please do not reproduce without permission." in text
    assert "No copy we could find grants permission" in text


def test_the_source_names_the_published_checklist_and_its_publisher() -> None:
    source = load_checklist(FLOWS).source
    assert "CAADA-DASH Risk Identification Checklist (RIC), April 2009" in source
    assert "SafeLives Dash risk checklist" in source
