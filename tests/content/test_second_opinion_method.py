"""The trainer (`flows train-second-opinion`) teaches the method cross-validation chose
(bench/results/second-opinion-cv.json "method"), and says which in the file's "made"; a
choice written before the method was named is naive Bayes."""

from __future__ import annotations

import json
from pathlib import Path

from app.content import second_opinion
from tests.content.test_second_opinion_file import write_messages

THRESHOLDS = {"urgent": 1.0, "person": 1.0}


def made(tmp_path: Path, choice: dict[str, object]) -> str:
    write_messages(tmp_path / "labelled")
    out = tmp_path / second_opinion.FILE
    second_opinion.retrain([tmp_path / "labelled"], choice, out, "a test")
    second_opinion.load(tmp_path)  # what was written loads
    return str(json.loads(out.read_text(encoding="utf-8"))["made"])


def test_a_logistic_choice_is_taught_by_logistic_regression(tmp_path: Path) -> None:
    said = made(tmp_path, {"ngrams": [2, 4], "method": "logistic", "l2": 0.001,
                           "thresholds": THRESHOLDS})
    assert "logistic regression (L2 0.001)" in said


def test_a_choice_without_a_method_is_naive_bayes(tmp_path: Path) -> None:
    said = made(tmp_path, {"ngrams": [2, 4], "alpha": 0.5, "thresholds": THRESHOLDS})
    assert "naive Bayes (alpha 0.5)" in said
