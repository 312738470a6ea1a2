"""Per-reply SMS segment budgets (issue 21, item 4), from flows/outbound.yaml `segment_budgets`:
the English welcome fits 2 segments (GSM-7: the languages are offered in Latin script, not
in their own scripts, which forced UCS-2 on the whole SMS), every emergency reply fits 3 in
GSM-7, and `flask flows check` fails when a translation takes a reply over its budget."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.lint import check
from app.content.segments import encoding_of

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = "Quietline demo partnership"
WELCOME = ("welcome.greeting", "menu.main", "menu.languages")
EMERGENCY = {"emergency": ("emergency.options", "menu.return"), "urgent": ("urgent.reply",),
             "urgent out of hours": ("urgent.closed", "hours.on_call", "hours.reads_from")}


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    path = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", path)
    return path


def shipped(language: str = "en", changes: dict[str, str] | None = None) -> Catalogues:
    loaded = Catalogues.load(ROOT / "translations", "en")
    texts = {lang: dict(loaded.messages(lang)) for lang in loaded.languages}
    texts[language].update(changes or {})
    changed = Catalogues(texts, "en", loaded.sources)
    changed.fuzzy = loaded.fuzzy
    return changed


def errors(flows_dir: Path, catalogues: Catalogues) -> list[str]:
    return [str(p) for p in check(flows_dir, catalogues, "en", ORGANISATION) if not p.warning]


def test_the_english_welcome_fits_two_gsm7_segments() -> None:
    welcome = shipped().join("en", WELCOME)
    assert encoding_of(welcome).name == "GSM-7"
    assert encoding_of(welcome).segments <= 2


@pytest.mark.parametrize("language", ["en", "so"])
@pytest.mark.parametrize("reply", sorted(EMERGENCY))
def test_every_emergency_reply_fits_three_segments_in_gsm7_languages(
        reply: str, language: str) -> None:
    whole = shipped().join(language, EMERGENCY[reply], {"opens": "Wednesday 30 September, 09:00"})
    assert encoding_of(whole).name == "GSM-7"
    assert encoding_of(whole).segments <= 3


def test_the_shipped_texts_keep_within_their_budgets(flows_dir: Path) -> None:
    assert errors(flows_dir, shipped()) == []


def test_a_welcome_over_its_budget_fails_the_check(flows_dir: Path) -> None:
    found = errors(flows_dir, shipped("en", {"menu.languages": "9 " + "Cymraeg, Polski, " * 9}))
    assert any("step 'welcome' [en]" in p and "the budget for 'welcome' is 2" in p
               for p in found), found


def test_an_urgent_reply_over_its_ucs2_budget_fails_the_check(flows_dir: Path) -> None:
    found = errors(flows_dir, shipped("pl", {"urgent.reply": "Zadzwoń pod 999. " * 18}))
    assert any("step 'urgent' [pl]" in p and "the budget for 'urgent' is 4" in p
               for p in found), found


def test_a_person_asked_for_out_of_hours_is_checked_as_one_sms(flows_dir: Path) -> None:
    found = errors(flows_dir, shipped("pl", {"person.safe_now": "Czy możesz pisać? " * 40}))
    assert any(p.startswith("a person asked for out of hours [pl]") for p in found), found


def test_a_budget_may_be_set_for_any_step(flows_dir: Path) -> None:
    outbound = flows_dir / "outbound.yaml"
    outbound.write_text(outbound.read_text(encoding="utf-8").replace(
        "    menu: {GSM-7: 2}", "    menu: {GSM-7: 2}\n    services: {GSM-7: 1, UCS-2: 1}"),
        encoding="utf-8")
    found = errors(flows_dir, shipped())
    assert any("step 'services' [pl]" in p and "the budget for 'services' is 1" in p
               for p in found), found
