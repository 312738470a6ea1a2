"""scripts/merge_catalogue.py: new ids in, removed ids obsolete, a returning id fuzzy, and every
other byte of the translator's file as it was."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "merge_catalogue", ROOT / "scripts" / "merge_catalogue.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


merge_catalogue = load_script()

CATALOGUE = '''# Polish texts, with a translator's notes wrapped the way the translator wrapped,
#   even this indented line.
msgid ""
msgstr ""
"Project-Id-Version: Quietline 0.1\\n"
"PO-Revision-Date: 2026-12-01 04:36+0000\\n"
"Last-Translator: Quietline maintainers\\n"
"Language-Team: Polish\\n"
"Language: pl\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || "
"n%100>=20) ? 1 : 2);\\n"

msgid "welcome.greeting"
msgstr ""
"Dzień dobry, dziękujemy za wiadomość. W każdej chwili możesz usunąć tę rozmowę ze swojego "
"telefonu."

# A long translator's comment that pybabel would re-wrap at 76 columns, which it must not be.
#, fuzzy
msgid "menu.main"
msgstr "Odpowiedz cyfrą"


msgid "old.one"
msgstr "Stary tekst"

# Kept from before.
#~ msgid "coming.back"
#~ msgstr "Wraca"
'''

TEMPLATE = '''#. English: Hi
msgid "welcome.greeting"
msgstr ""

#. English: Reply with a number
msgid "menu.main"
msgstr ""

#. English: Back again
msgid "coming.back"
msgstr ""

#. English: Something new
#. on two lines
msgid "brand.new"
msgstr ""

msgid "second.new"
msgstr ""
'''


def test_nothing_to_do_changes_no_byte() -> None:
    template = '\n\n'.join(f'msgid "{i}"\nmsgstr ""' for i in
                           ("welcome.greeting", "menu.main", "old.one")) + "\n"
    merged, changes = merge_catalogue.merge(template, CATALOGUE)
    assert changes == []
    assert merged == CATALOGUE


def test_a_merge_adds_new_ids_retires_removed_ones_and_revives_returning_ones() -> None:
    merged, changes = merge_catalogue.merge(TEMPLATE, CATALOGUE)
    assert changes == ["obsolete: old.one", "back (fuzzy): coming.back", "new: brand.new",
                       "new: second.new"]
    # Retired and revived entries stay where they were (a smaller diff for reviewers); new ones
    # follow the last live entry.
    assert merged == CATALOGUE.replace('''
msgid "old.one"
msgstr "Stary tekst"

# Kept from before.
#~ msgid "coming.back"
#~ msgstr "Wraca"
''', '''
#~ msgid "old.one"
#~ msgstr "Stary tekst"

# Kept from before.
#, fuzzy
msgid "coming.back"
msgstr "Wraca"

#. English: Something new
#. on two lines
msgid "brand.new"
msgstr ""

msgid "second.new"
msgstr ""
''')


def test_a_second_merge_changes_nothing() -> None:
    once, _ = merge_catalogue.merge(TEMPLATE, CATALOGUE)
    twice, changes = merge_catalogue.merge(TEMPLATE, once)
    assert changes == []
    assert twice == once


def test_the_merged_catalogue_reads_as_the_service_reads_it() -> None:
    merged, _ = merge_catalogue.merge(TEMPLATE, CATALOGUE)
    catalog = read_po(io.BytesIO(merged.encode()))
    texts = {str(m.id): (str(m.string), bool(m.fuzzy)) for m in catalog if m.id}
    assert texts == {
        "welcome.greeting": (("Dzień dobry, dziękujemy za wiadomość. W każdej chwili możesz "
                              "usunąć tę rozmowę ze swojego telefonu."), False),
        "menu.main": ("Odpowiedz cyfrą", True),
        "brand.new": ("", False),
        "second.new": ("", False),
        # Its old translation may not fit the text it comes back for: English is sent.
        "coming.back": ("Wraca", True),
    }
    assert "old.one" in catalog.obsolete


def test_the_merged_catalogue_passes_msgfmt_check(tmp_path: Path) -> None:
    merged, _ = merge_catalogue.merge(TEMPLATE, CATALOGUE)
    po = tmp_path / "pl.po"
    po.write_text(merged, encoding="utf-8")
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_returning_entry_with_flags_gets_fuzzy_added_to_them() -> None:
    catalogue = CATALOGUE.replace('#~ msgid "coming.back"', '#, python-brace-format\n'
                                  '#~ msgid "coming.back"')
    merged, _ = merge_catalogue.merge(TEMPLATE, catalogue)
    assert '#, python-brace-format, fuzzy\nmsgid "coming.back"\nmsgstr "Wraca"\n' in merged


def test_a_multi_line_entry_is_retired_line_by_line() -> None:
    template = 'msgid "menu.main"\nmsgstr ""\n\nmsgid "old.one"\nmsgstr ""\n'
    merged, changes = merge_catalogue.merge(template, CATALOGUE)
    assert "obsolete: welcome.greeting" in changes
    assert ('#~ msgid "welcome.greeting"\n#~ msgstr ""\n#~ "Dzień dobry, dziękujemy za '
            'wiadomość.') in merged
    assert "welcome.greeting" in read_po(io.BytesIO(merged.encode())).obsolete


def test_a_file_it_cannot_read_back_exactly_is_refused() -> None:
    with pytest.raises(ValueError, match="header"):
        merge_catalogue.merge(TEMPLATE, "\n" + CATALOGUE)
