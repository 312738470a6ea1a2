"""`flask flows check`: flows, texts and the lock-screen rule (app/flowlint.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.deployment import load_deployment
from app.flowlint import check
from app.i18n import Catalogues

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLOWS = PROJECT_ROOT / "flows"
TRANSLATIONS = PROJECT_ROOT / "translations"
FLASK = Path(sys.executable).parent / "flask"
ORGANISATION = "Harbour Light Partnership"

NOTE_FLOW = """\
flow: note
start: note
steps:
  note:
    say: [note.present, note.absent]
"""


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A flows directory with the shipped lock-screen rule and no flows."""
    path = tmp_path / "flows"
    path.mkdir()
    shutil.copyfile(FLOWS / "lockscreen.yaml", path / "lockscreen.yaml")
    return path


def lint(flows_dir: Path, texts: dict[str, dict[str, str]],
         default_language: str = "en") -> list[str]:
    problems = check(flows_dir, Catalogues(texts, default_language), default_language,
                     ORGANISATION)
    return [str(p) for p in problems]


def test_shipped_flows_and_translations_pass() -> None:
    organisation = load_deployment(PROJECT_ROOT / "config" / "demo.toml").organisation_name
    assert check(FLOWS, Catalogues.load(TRANSLATIONS, "en"), "en", organisation) == []


def test_clean_message_passes(flows_dir: Path) -> None:
    assert lint(flows_dir, {"en": {"note.x": "Thanks, got it. Reply MENU for options."}}) == []


# --- the lock-screen rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        pytest.param("Police can help you if you are in danger.", "police", id="police"),
        pytest.param("Abuse is never your fault.", "abus", id="abuse"),
        pytest.param("It sounds abusive; you can talk to us.", "abus", id="abusive"),
        pytest.param("Thanks. Reply 1 for the HELPLINE number.", "helpline", id="upper-case"),
        pytest.param("Harbour Light here. Reply when safe.", "harbour", id="organisation"),
        pytest.param("Thanks, from all of us at harbour light", "harbour",
                     id="organisation-at-the-edge"),
    ],
)
def test_revealing_word_in_the_preview_fails_naming_message_and_language(
    flows_dir: Path, text: str, stem: str
) -> None:
    problems = lint(flows_dir, {"en": {"note.x": text}})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [en]: ")
    assert stem in problems[0]
    assert "lock-screen rule" in problems[0]


def test_english_stems_apply_to_every_language(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": {}, "cy": {"note.x": "Police: ffoniwch 999."}})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [cy]: ")


def test_word_cut_at_the_preview_edge_is_still_caught(flows_dir: Path) -> None:
    text = "Thanks for your message. It's all domestic life."
    assert text[:40].endswith(" domest")  # what the lock screen shows
    problems = lint(flows_dir, {"en": {"note.x": text}})
    assert len(problems) == 1
    assert "domestic" in problems[0]


def test_word_after_the_preview_is_allowed(flows_dir: Path) -> None:
    text = "Thanks, you can reply here at any time. Police: 999, helpline 0808 2000 247."
    assert "police" not in text[:40].casefold()
    assert lint(flows_dir, {"en": {"note.x": text}}) == []


def test_word_that_merely_contains_a_stem_later_is_allowed(flows_dir: Path) -> None:
    # Stems match the start of a word: "subpolicy" is not "police".
    assert lint(flows_dir, {"en": {"note.x": "Thanks. See our subpolicy notes online."}}) == []


# --- templates ---------------------------------------------------------------------------------


def test_known_placeholder_passes(flows_dir: Path) -> None:
    assert lint(flows_dir, {"en": {"services.list": "Thanks. These can help:\n{services}"}}) == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param("Thanks, {name}.", "unknown placeholders ['name']", id="unknown-name"),
        pytest.param("Thanks. {}", "unknown placeholders ['']", id="positional"),
        pytest.param("Thanks. {services", "not a valid text template", id="unclosed-brace"),
        pytest.param("Thanks. services}", "not a valid text template", id="stray-brace"),
    ],
)
def test_bad_template_is_reported(flows_dir: Path, text: str, why: str) -> None:
    problems = lint(flows_dir, {"en": {"note.x": text}})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [en]: ")
    assert why in problems[0]


# --- flows against catalogues ------------------------------------------------------------------


def test_flow_message_missing_from_english_is_reported(flows_dir: Path) -> None:
    (flows_dir / "note.yaml").write_text(NOTE_FLOW, encoding="utf-8")
    problems = lint(flows_dir, {"en": {"note.present": "Thanks."}})
    assert problems == ["note.absent [en]: has no text"]


def test_flow_message_missing_from_the_default_language_is_reported(flows_dir: Path) -> None:
    (flows_dir / "note.yaml").write_text(NOTE_FLOW, encoding="utf-8")
    english = {"note.present": "Thanks.", "note.absent": "Got it."}
    problems = lint(flows_dir, {"en": english, "cy": {"note.present": "Diolch."}},
                    default_language="cy")
    assert problems == ["note.absent [cy]: has no text"]


def test_broken_flow_is_reported_with_file_and_step(flows_dir: Path) -> None:
    broken = flows_dir / "broken.yaml"
    broken.write_text(NOTE_FLOW.replace("say: [note.present, note.absent]", "next: gone"),
                      encoding="utf-8")
    problems = lint(flows_dir, {"en": {}})
    assert problems == [f"{broken}: step 'note': goes to unknown step 'gone'"]


# --- the command -------------------------------------------------------------------------------


def flows_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
        **extra,
    }
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", "flows", "check"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )


def test_flows_check_command_passes_the_shipped_content(tmp_path: Path) -> None:
    completed = flows_check(tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "flows and texts OK" in completed.stdout


def test_flows_check_command_fails_naming_a_message_that_breaks_the_rule(
    tmp_path: Path,
) -> None:
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, translations)
    catalogue = translations / "en" / "LC_MESSAGES" / "messages.po"
    original = catalogue.read_text(encoding="utf-8")
    greeting = 'msgstr "Hi, thanks for your message.'
    assert original.count(greeting) == 1
    catalogue.write_text(original.replace(greeting, 'msgstr "Police: thanks for your message.'),
                         encoding="utf-8")

    completed = flows_check(tmp_path, QUIETLINE_TRANSLATIONS=str(translations))

    assert completed.returncode != 0
    assert f"{catalogue}: welcome.greeting [en]" in completed.stderr  # file, id, language
    assert "police" in completed.stderr
