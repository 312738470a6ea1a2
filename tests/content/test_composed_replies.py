"""`flask flows check` also checks the replies the service puts together itself (issue 23,
items 4 and 6): the fail-safe in a language with English second, and the urgent answer out of
hours, each as the one SMS it is sent as."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.lint import check

ROOT = Path(__file__).resolve().parents[2]
URGENT_OUT_OF_HOURS = ("urgent.closed", "hours.on_call", "hours.reads_from")
ORGANISATION = "Quietline demo partnership"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    path = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", path)
    return path


def shipped(changes: dict[str, str]) -> Catalogues:
    loaded = Catalogues.load(ROOT / "translations", "en")
    texts = {language: dict(loaded.messages(language)) for language in loaded.languages}
    texts["pl"].update(changes)
    changed = Catalogues(texts, "en", loaded.sources)
    changed.fuzzy = loaded.fuzzy  # unconfirmed texts stay warnings, as when loaded
    return changed


def problems(flows_dir: Path, catalogues: Catalogues) -> list[str]:
    return [str(p) for p in check(flows_dir, catalogues, "en", ORGANISATION) if not p.warning]


def test_the_shipped_composed_replies_pass(flows_dir: Path) -> None:
    assert problems(flows_dir, shipped({})) == []


def test_a_failsafe_too_long_with_english_second_fails_the_check(flows_dir: Path) -> None:
    # Sent as one SMS with the English text after it: over the reply limit of 8 segments.
    long_polish = "Przepraszamy, zadzwoń pod 999. " + "Zadzwoń pod 999. " * 48
    found = problems(flows_dir, shipped({"failsafe.emergency": long_polish}))
    assert any(p.startswith("failsafe, English second [pl]") and "SMS segments" in p
               for p in found), found


def test_an_urgent_answer_out_of_hours_too_long_as_one_sms_fails_the_check(
        flows_dir: Path) -> None:
    sentence = "Nasz zespół teraz nie pracuje, przepraszamy. " * 6
    found = problems(flows_dir, shipped({"hours.on_call": sentence.strip()}))
    assert any(p.startswith("urgent out of hours, on call [pl]") for p in found), found
