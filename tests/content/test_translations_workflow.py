"""`make translations` and the catalogues' checks (Makefile, scripts/merge_catalogue.py,
scripts/check-catalogues): both domains extracted and merged without disturbing translators'
work, every catalogue with the header fields Poedit and Weblate use, msgfmt --check clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
HEADER_FIELDS = ("PO-Revision-Date", "Last-Translator", "Language-Team", "Language",
                 "Plural-Forms", "Content-Type")
# What `msginit`/`pybabel init` leave for a translator to fill in.
PLACEHOLDERS = ("YEAR-MO-DA", "FULL NAME", "EMAIL@ADDRESS", "LANGUAGE <LL@li.org>", "CHARSET",
                "nplurals=INTEGER")


def ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make translations` run on a copy of the catalogues."""
    copy = tmp_path_factory.mktemp("made") / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    result = subprocess.run(["make", "-s", "translations", f"TRANSLATIONS={copy}"], cwd=ROOT,
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return copy


@pytest.mark.parametrize("domain", ["messages", "web"])
def test_make_translations_extracts_every_id_the_english_catalogue_has(
        made: Path, domain: str) -> None:
    # An id the extraction missed would be made obsolete in every catalogue, and its text lost
    # from the service; web ids come from the templates and the web chat's code.
    english = ids(TRANSLATIONS / "en" / "LC_MESSAGES" / f"{domain}.po")
    assert ids(made / f"{domain}.pot") == english


def test_make_translations_changes_no_catalogue_and_no_template(made: Path) -> None:
    for path in sorted(TRANSLATIONS.rglob("*.po*")):
        copy = made / path.relative_to(TRANSLATIONS)
        assert copy.read_bytes() == path.read_bytes(), (
            f"{path.relative_to(ROOT)} is not what `make translations` makes: run it")


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_catalogue_has_the_header_translators_tools_use(catalogue: Path) -> None:
    with catalogue.open("rb") as handle:
        header = dict(read_po(handle).mime_headers)
    for field in HEADER_FIELDS:
        assert header.get(field), f"{catalogue}: no {field}"
        assert not any(p in header[field] for p in PLACEHOLDERS), f"{catalogue}: {field}"
    assert header["Language"] == catalogue.parent.parent.name
    assert header["Content-Type"].lower() == "text/plain; charset=utf-8"


def check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / "check-catalogues"), str(folder)],
                          capture_output=True, text=True, check=False, timeout=120)


def test_msgfmt_check_passes_on_every_catalogue() -> None:
    result = check(TRANSLATIONS)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"{len(CATALOGUES)} catalogues pass" in result.stdout


@pytest.mark.parametrize(("change", "said"), [
    # A warning: msgfmt itself exits 0, the check must not.
    (('"Last-Translator: Quietline maintainers\\n"\n', ""), "Last-Translator"),
    # An error: a placeholder the program never fills.
    (('msgstr "Wait {minutes} min"', 'msgstr "Wait {hours} hours"'), "hours"),
])
def test_anything_msgfmt_says_fails_the_check(tmp_path: Path, change: tuple[str, str],
                                              said: str) -> None:
    assert change[0] in SAMPLE
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(SAMPLE.replace(*change), encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 1
    assert said in result.stderr


SAMPLE = '''msgid ""
msgstr ""
"Project-Id-Version: Quietline 0.1\\n"
"PO-Revision-Date: 2026-12-01 04:36+0000\\n"
"Last-Translator: Quietline maintainers\\n"
"Language-Team: Test\\n"
"Language: xx\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

#, python-brace-format
msgid "Wait {minutes} minutes"
msgstr "Wait {minutes} min"
'''


def test_the_sample_itself_passes(tmp_path: Path) -> None:
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(SAMPLE, encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr


def test_merge_script_runs_as_make_runs_it(tmp_path: Path) -> None:
    pot, po = tmp_path / "t.pot", tmp_path / "t.po"
    pot.write_text('msgid "a.new"\nmsgstr ""\n', encoding="utf-8")
    po.write_text('msgid ""\nmsgstr ""\n"Language: xx\\n"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "merge_catalogue.py"),
                             str(pot), str(po)], capture_output=True, text=True, check=True)
    assert result.stdout == f"{po}: new: a.new\n"
    assert po.read_text(encoding="utf-8").endswith('\n\nmsgid "a.new"\nmsgstr ""\n')


@pytest.mark.parametrize("language", sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir()))
def test_a_languages_two_catalogues_agree_on_its_plural_forms(language: str) -> None:
    forms = set()
    for domain in ("messages", "web"):
        with (TRANSLATIONS / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            forms.add(dict(read_po(handle).mime_headers)["Plural-Forms"])
    assert len(forms) == 1, forms
