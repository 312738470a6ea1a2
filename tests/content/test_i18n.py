"""Message texts by id, with per-message language fallback (app/content/catalogues.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.catalogues import Catalogues, MissingMessage

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PO_HEADER = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

"""


def write_po(directory: Path, language: str, body: str) -> None:
    path = directory / language / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO_HEADER + body, encoding="utf-8")


@pytest.fixture
def catalogues() -> Catalogues:
    """English has everything, Welsh (the default) some, Polish (the contact's) little."""
    return Catalogues(
        {
            "en": {"greet": "Hello", "menu": "Menu", "bye": "Bye"},
            "cy": {"greet": "Helo", "menu": "Dewislen"},
            "pl": {"greet": "Cześć"},
        },
        default_language="cy",
    )


@pytest.mark.parametrize(
    ("language", "message_id", "expected"),
    [
        pytest.param("pl", "greet", "Cześć", id="contact-language"),
        pytest.param("pl", "menu", "Dewislen", id="falls-back-to-default"),
        pytest.param("pl", "bye", "Bye", id="falls-back-to-english"),
        pytest.param(None, "menu", "Dewislen", id="unknown-contact-language-uses-default"),
        pytest.param("fr", "greet", "Helo", id="language-without-catalogue-uses-default"),
        pytest.param("en", "menu", "Menu", id="english-contact-gets-english"),
    ],
)
def test_text_falls_back_per_message(
    catalogues: Catalogues, language: str | None, message_id: str, expected: str
) -> None:
    assert catalogues.text(language, message_id) == expected


def test_missing_message_raises(catalogues: Catalogues) -> None:
    with pytest.raises(MissingMessage, match="nowhere.at_all"):
        catalogues.text("pl", "nowhere.at_all")


def test_placeholder_is_filled() -> None:
    catalogues = Catalogues({"en": {"services.list": "These can help:\n{services}"}}, "en")
    assert catalogues.text("en", "services.list", {"services": "Helpline: 0808 2000 247"}) == (
        "These can help:\nHelpline: 0808 2000 247"
    )


def test_missing_placeholder_renders_empty() -> None:
    catalogues = Catalogues({"en": {"services.list": "These can help:\n{services}."}}, "en")
    assert catalogues.text("en", "services.list") == "These can help:\n."


def test_join_separates_messages_with_a_blank_line(catalogues: Catalogues) -> None:
    assert catalogues.join("pl", ["greet", "menu", "bye"]) == "Cześć\n\nDewislen\n\nBye"


def test_join_raises_when_any_message_is_missing(catalogues: Catalogues) -> None:
    with pytest.raises(MissingMessage):
        catalogues.join("en", ["greet", "nowhere.at_all"])


def test_load_reads_each_language_directory(tmp_path: Path) -> None:
    write_po(tmp_path, "en", 'msgid "greet"\nmsgstr "Hello"\n')
    write_po(tmp_path, "cy", 'msgid "greet"\nmsgstr "Helo"\n')
    catalogues = Catalogues.load(tmp_path, "cy")
    assert catalogues.languages == ("cy", "en")
    assert catalogues.text("cy", "greet") == "Helo"


def test_load_ignores_fuzzy_entries(tmp_path: Path) -> None:
    write_po(tmp_path, "en", 'msgid "greet"\nmsgstr "Hello"\n')
    write_po(tmp_path, "cy", '#, fuzzy\nmsgid "greet"\nmsgstr "Helo (draft)"\n')
    catalogues = Catalogues.load(tmp_path, "en")
    assert not catalogues.has("cy", "greet")
    assert catalogues.text("cy", "greet") == "Hello"


def test_load_ignores_untranslated_entries(tmp_path: Path) -> None:
    write_po(tmp_path, "en", 'msgid "greet"\nmsgstr "Hello"\n')
    write_po(tmp_path, "cy", 'msgid "greet"\nmsgstr ""\n')
    assert Catalogues.load(tmp_path, "en").text("cy", "greet") == "Hello"


def test_load_does_not_treat_the_header_as_a_message(tmp_path: Path) -> None:
    write_po(tmp_path, "en", 'msgid "greet"\nmsgstr "Hello"\n')
    assert Catalogues.load(tmp_path, "en").messages("en") == [("greet", "Hello")]
