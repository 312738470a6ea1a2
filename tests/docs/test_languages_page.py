"""docs/languages.md's tables of texts by language say which are still fuzzy (English is sent
there): that must be what the catalogues say, or a reviewer looks for drafts that are not
there and a partnership believes its survivors read English where they read a draft.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
PAGE = (ROOT / "docs" / "languages.md").read_text(encoding="utf-8")
LANGUAGES = {"ar", "cy", "en", "pa", "pl", "ro", "so", "ur"}


def fuzzy(language: str, message_id: str) -> bool | None:
    """Whether the catalogues mark `message_id` fuzzy in `language` (None: no such id)."""
    for domain in ("messages", "web"):
        path = ROOT / "translations" / language / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            entry = read_po(handle).get(message_id)
        if entry is not None:
            return bool(entry.fuzzy)
    return None


def claims() -> list[tuple[str, str, bool]]:
    """(message id, language, said to be fuzzy) for every cell of the page's tables whose
    header names languages and whose first cell names message ids (`chat.number_label`,
    `_warning`: the second is the first's prefix with `_warning`)."""
    found = []
    header: list[str] = []
    for line in PAGE.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "message":
            header = cells
            continue
        if not header or set(cells[0]) <= set("- "):
            continue
        ids = re.findall(r"`([a-z_][a-z_.@]*)`", cells[0])
        if not ids:
            continue
        prefix = ids[0].rsplit("_", 1)[0]
        ids = [prefix + i if i.startswith("_") else i for i in ids]
        for language, cell in zip(header[1:], cells[1:], strict=True):
            if language in LANGUAGES and cell:
                said = "fuzzy" in cell and "was fuzzy" not in cell
                found += [(message_id, language, said) for message_id in ids]
    return found


CLAIMS = claims()


def test_the_page_has_tables_of_texts_by_language() -> None:
    assert len(CLAIMS) > 50


@pytest.mark.parametrize(("message_id", "language", "said_fuzzy"), CLAIMS)
def test_what_the_page_says_is_fuzzy_is_fuzzy_in_the_catalogue(message_id: str, language: str,
                                                                said_fuzzy: bool) -> None:
    actual = fuzzy(language, message_id)
    assert actual is not None, f"docs/languages.md names {message_id}, which {language} lacks"
    assert actual == said_fuzzy, (
        f"docs/languages.md says {message_id} in {language} is "
        f"{'fuzzy' if said_fuzzy else 'confirmed'}; the catalogue says otherwise")
