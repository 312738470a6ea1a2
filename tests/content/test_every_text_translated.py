"""Every survivor-facing text translated and confirmed in every shipped language, unless listed
as deliberately English with the reason (app/content/completeness.py; issue 21, item 1).

Found before: the web chat's "come back later" and safe-number texts, the flood notice and the
chat page's code and number words were fuzzy in seven languages, so those survivors read
English; nothing failed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import DEFAULT_TRANSLATIONS
from app.content.completeness import LISTING, untranslated


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "translations"
    shutil.copytree(DEFAULT_TRANSLATIONS, folder)
    return folder


def mark_fuzzy(folder: Path, language: str, domain: str, message_id: str) -> None:
    po = folder / language / "LC_MESSAGES" / f"{domain}.po"
    text = po.read_text(encoding="utf-8")
    entry = f'\nmsgid "{message_id}"\n'
    assert entry in text
    po.write_text(text.replace(entry, f"\n#, fuzzy{entry}", 1), encoding="utf-8")


def drop(folder: Path, language: str, domain: str, message_id: str) -> None:
    po = folder / language / "LC_MESSAGES" / f"{domain}.po"
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    kept = [b for b in blocks if f'\nmsgid "{message_id}"\n' not in f"\n{b}\n"]
    assert len(kept) == len(blocks) - 1
    po.write_text("\n\n".join(kept), encoding="utf-8")


def test_the_shipped_catalogues_leave_no_survivor_text_in_english() -> None:
    assert [str(found) for found in untranslated(DEFAULT_TRANSLATIONS)] == []


@pytest.mark.parametrize(("language", "domain", "message_id"), [
    ("ro", "messages", "person.come_back"),     # the web chat's "come back later"
    ("ar", "messages", "person.number_web"),    # the web chat's "safe number"
    ("so", "messages", "failsafe.emergency"),
    ("ur", "web", "chat.code_hint"),            # the chat page's own words
])
def test_a_fuzzy_survivor_text_fails(copy: Path, language: str, domain: str,
                                     message_id: str) -> None:
    mark_fuzzy(copy, language, domain, message_id)
    [found] = untranslated(copy)
    assert (found.language, found.domain, found.message_id) == (language, domain, message_id)
    assert "fuzzy" in found.why


def test_a_missing_survivor_text_fails(copy: Path) -> None:
    drop(copy, "pa", "messages", "flood.notice")
    [found] = untranslated(copy)
    assert (found.language, found.message_id, found.why.startswith("has no text")) == (
        "pa", "flood.notice", True)


def test_an_empty_translation_fails(copy: Path) -> None:
    po = copy / "cy" / "LC_MESSAGES" / "web.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('msgid "chat.code_open"\nmsgstr "')
    end = text.index("\n", text.index("msgstr", start))
    po.write_text(text[:start] + 'msgid "chat.code_open"\nmsgstr ""' + text[end:],
                  encoding="utf-8")
    [found] = untranslated(copy)
    assert (found.language, found.message_id) == ("cy", "chat.code_open")


def test_listed_with_a_reason_it_passes(copy: Path) -> None:
    mark_fuzzy(copy, "so", "web", "chat.code_hint")
    (copy / LISTING).write_text(
        "so:\n  chat.code_hint: awaiting a Somali speaker's check of the code steps\n",
        encoding="utf-8")
    assert untranslated(copy) == []


def test_listed_without_a_reason_it_fails(copy: Path) -> None:
    mark_fuzzy(copy, "so", "web", "chat.code_hint")
    (copy / LISTING).write_text("so:\n  chat.code_hint:\n", encoding="utf-8")
    [found] = untranslated(copy)
    assert "gives no reason" in found.why


def test_a_stale_listing_fails(copy: Path) -> None:
    (copy / LISTING).write_text("pl:\n  flood.notice: drafts\n  no.such.id: drafts\n",
                                encoding="utf-8")
    found = sorted((f.message_id, f.why.split(",")[0]) for f in untranslated(copy))
    assert [mid for mid, _ in found] == ["flood.notice", "no.such.id"]
