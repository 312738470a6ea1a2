"""`flask flows check`: flows, texts, SMS segments and the lock-screen rule (app/flowlint.py)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from app.config import ConfigError, Settings, load_settings
from app.content import lint as flowlint
from app.content.catalogues import Catalogues
from app.content.lint import Problem, check, encodings
from app.content.segments import Encoding
from app.deployment import load_deployment
from app.flows import wording
from app.services import refuse_unchecked_content
from app.services.start_up import load_catalogues
from tests.support.workers import APP_PROCESS_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLOWS = PROJECT_ROOT / "flows"
TRANSLATIONS = PROJECT_ROOT / "translations"
FLASK = Path(sys.executable).parent / "flask"
ORGANISATION = "Harbour Light Partnership"
CLEAN = "Thanks, got it. Reply MENU for options."

NOTE_FLOW = """\
flow: note
start: note
messages: [note.service]
steps:
  note:
    say: [note.present, note.absent]
"""
NOTE_MESSAGES = ("note.present", "note.absent", "note.service")
MISSING_TRIAGE = "is missing: triage is off (requests for a person still escalate)"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A flows directory with the shipped outbound rules and casework data, empty triage
    rules and one small flow."""
    path = tmp_path / "flows"
    path.mkdir()
    shutil.copyfile(FLOWS / "outbound.yaml", path / "outbound.yaml")
    # The casework data flows check also reads (a deployment without them cannot record a
    # DASH assessment or a referral, which the check reports).
    # The shipped checklist's wording is topic labels (flows check warns until a partnership
    # puts in the published questions); here it counts as published, so a clean catalogue
    # has no warning at all.
    shutil.copyfile(FLOWS / "referrals.yaml", path / "referrals.yaml")
    (path / "dash.yaml").write_text((FLOWS / "dash.yaml").read_text(encoding="utf-8").replace(
        "\nwording: topics\n", "\nwording: published\n"), encoding="utf-8")
    (path / "triage.yaml").write_text("rules: []\n", encoding="utf-8")
    (path / "note.yaml").write_text(NOTE_FLOW, encoding="utf-8")
    return path


def complete(changes: dict[str, str | None] | None = None) -> dict[str, str]:
    """Clean text for every message the check asks for, with `changes` (None: left out)."""
    texts = dict.fromkeys(NOTE_MESSAGES, CLEAN)
    for message_id, text in (changes or {}).items():
        if text is None:
            texts.pop(message_id, None)
        else:
            texts[message_id] = text
    return texts


def lint(flows_dir: Path, texts: dict[str, dict[str, str]],
         default_language: str = "en") -> list[str]:
    problems = check(flows_dir, Catalogues(texts, default_language), default_language,
                     ORGANISATION)
    return [str(p) for p in problems]


def note_step(flows_dir: Path) -> str:
    """Where the check says a message of the note flow is used."""
    return f"{flows_dir / 'note.yaml'}: step 'note'"


def write_catalogues(directory: Path, texts: dict[str, dict[str, str]],
                     fuzzy: Iterable[tuple[str, str]] = ()) -> Catalogues:
    """Real .po files, with (language, message id) entries marked fuzzy, loaded as at start-up."""
    unconfirmed = set(fuzzy)
    for language, messages in texts.items():
        catalog = Catalog(locale=language)
        for message_id, text in messages.items():
            flags = ("fuzzy",) if (language, message_id) in unconfirmed else ()
            catalog.add(message_id, text, flags=flags)
        po_dir = directory / language / "LC_MESSAGES"
        po_dir.mkdir(parents=True)
        with (po_dir / "messages.po").open("wb") as handle:
            write_po(handle, catalog)
    return Catalogues.load(directory, "en")


def test_shipped_flows_and_translations_have_no_errors() -> None:
    organisation = load_deployment(PROJECT_ROOT / "config" / "demo.toml").organisation_name
    problems = check(FLOWS, Catalogues.load(TRANSLATIONS, "en"), "en", organisation)
    assert [str(p) for p in problems if not p.warning] == []


def test_complete_clean_catalogue_passes(flows_dir: Path) -> None:
    assert lint(flows_dir, {"en": complete()}) == []


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
    problems = lint(flows_dir, {"en": complete({"note.x": text})})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [en]: ")
    assert stem in problems[0]
    assert "lock-screen rule" in problems[0]


def test_english_stems_apply_to_every_language(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete(),
                                "cy": complete({"note.x": "Police: ffoniwch 999."})})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [cy]: ")


def test_word_cut_at_the_preview_edge_is_still_caught(flows_dir: Path) -> None:
    text = "Thanks for your message. It's all domestic life."
    assert text[:40].endswith(" domest")  # what the lock screen shows
    problems = lint(flows_dir, {"en": complete({"note.x": text})})
    assert len(problems) == 1
    assert "domestic" in problems[0]


def test_word_after_the_preview_is_allowed(flows_dir: Path) -> None:
    text = "Thanks, you can reply here at any time. Police: 999, helpline 0808 2000 247."
    assert "police" not in text[:40].casefold()
    assert lint(flows_dir, {"en": complete({"note.x": text})}) == []


def test_word_that_merely_contains_a_stem_later_is_allowed(flows_dir: Path) -> None:
    # Stems match the start of a word: "subpolicy" is not "police".
    text = "Thanks. See our subpolicy notes online."
    assert lint(flows_dir, {"en": complete({"note.x": text})}) == []


# --- templates ---------------------------------------------------------------------------------


def test_known_placeholder_passes(flows_dir: Path) -> None:
    texts = complete({"services.list": "Thanks. These can help:\n{services}"})
    assert lint(flows_dir, {"en": texts}) == []


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
    problems = lint(flows_dir, {"en": complete({"note.x": text})})
    assert len(problems) == 1
    assert problems[0].startswith("note.x [en]: ")
    assert why in problems[0]


@pytest.mark.parametrize(
    ("english", "welsh", "problem"),
    [
        pytest.param("Thanks. These can help:\n{services}", "Diolch.",
                     "services.list [cy]: has placeholders [] but English has ['services']",
                     id="translation-drops-one"),
        pytest.param("Thanks.", "Diolch. {services}",
                     "services.list [cy]: has placeholders ['services'] but English has []",
                     id="translation-adds-one"),
    ],
)
def test_translation_with_other_placeholders_than_english_is_reported(
    flows_dir: Path, english: str, welsh: str, problem: str
) -> None:
    problems = lint(flows_dir, {"en": complete({"services.list": english}),
                                "cy": complete({"services.list": welsh})})
    assert problems == [problem]


def test_translation_with_the_same_placeholders_as_english_passes(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete({"services.list": "Thanks.\n{services}"}),
                                "cy": complete({"services.list": "Diolch.\n{services}"})})
    assert problems == []


# --- SMS encoding and segments -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("a" * 918, None, id="gsm7-6-segments"),
        pytest.param("a" * 919, "takes 7 SMS segments (GSM-7); the limit is 6", id="gsm7-7"),
        pytest.param("€" * 459, None, id="gsm7-extended-6-segments"),
        pytest.param("€" * 460, "takes 7 SMS segments (GSM-7); the limit is 6",
                     id="gsm7-extended-7"),
        pytest.param("ż" * 402, None, id="ucs2-6-segments"),
        pytest.param("ż" * 403, "takes 7 SMS segments (UCS-2); the limit is 6", id="ucs2-7"),
        pytest.param("a" * 402 + "’", "takes 7 SMS segments (UCS-2); the limit is 6",
                     id="one-curly-quote-makes-it-ucs2"),
    ],
)
def test_text_over_the_segment_limit_fails_naming_the_encoding(
    flows_dir: Path, text: str, problem: str | None
) -> None:
    problems = lint(flows_dir, {"en": complete({"note.x": text})})
    assert problems == ([f"note.x [en]: {problem}"] if problem else [])


@pytest.mark.parametrize(("length", "fails"), [(306, False), (307, True)])
def test_segment_limit_is_read_from_outbound_yaml(
    flows_dir: Path, length: int, fails: bool
) -> None:
    (flows_dir / "outbound.yaml").write_text("max_segments: 2\nstems: {en: [police]}\n",
                                             encoding="utf-8")
    problems = lint(flows_dir, {"en": complete({"note.x": "a" * length})})
    assert problems == (["note.x [en]: takes 3 SMS segments (GSM-7); the limit is 2"]
                        if fails else [])


def test_encodings_reports_every_text_in_every_language() -> None:
    catalogues = Catalogues({"en": {"a": "Hi", "b": "€5"}, "pl": {"a": "Cześć"}}, "en")
    assert encodings(catalogues) == [
        ("en", "a", Encoding("GSM-7", 2, 1)),
        ("en", "b", Encoding("GSM-7", 3, 1)),
        ("pl", "a", Encoding("UCS-2", 5, 1)),
    ]


# --- flows against catalogues ------------------------------------------------------------------


def test_flow_message_missing_from_english_is_reported(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete({"note.absent": None})})
    assert problems == [f"{note_step(flows_dir)}: note.absent [en]: has no text"]


def test_flow_message_missing_from_the_default_language_is_reported(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete(), "cy": complete({"note.absent": None})},
                    default_language="cy")
    assert problems == [f"{note_step(flows_dir)}: note.absent [cy]: has no text"]


def test_flow_message_missing_from_any_shipped_language_is_reported(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete(), "cy": complete(),
                                "pl": complete({"note.absent": None})})
    assert problems == [f"{note_step(flows_dir)}: note.absent [pl]: has no text"]


def test_message_a_flow_file_declares_for_the_service_is_checked_too(flows_dir: Path) -> None:
    problems = lint(flows_dir, {"en": complete({"note.service": None})})
    assert problems == [f"{flows_dir / 'note.yaml'}: messages: note.service [en]: has no text"]


def test_enabled_language_without_a_catalogue_is_reported(flows_dir: Path) -> None:
    catalogues = Catalogues({"en": complete(), "cy": complete()}, "en")
    problems = check(flows_dir, catalogues, "en", ORGANISATION, ("en", "cy", "pl"))
    assert [str(p) for p in problems] == [
        "translations/pl/LC_MESSAGES/messages.po: is missing, but 'pl' is enabled in the "
        "deployment file",
    ]


def test_catalogue_of_a_language_not_enabled_is_still_checked(flows_dir: Path) -> None:
    catalogues = Catalogues({"en": complete(), "cy": complete({"note.absent": None})}, "en")
    problems = check(flows_dir, catalogues, "en", ORGANISATION, ("en",))
    assert [str(p) for p in problems] == [
        f"{note_step(flows_dir)}: note.absent [cy]: has no text",
    ]


def test_fuzzy_translation_is_a_warning_that_english_is_sent(
    flows_dir: Path, tmp_path: Path
) -> None:
    catalogues = write_catalogues(tmp_path / "translations",
                                  {"en": complete(), "cy": complete({"note.absent": "Drafft."})},
                                  fuzzy=[("cy", "note.absent")])
    problems = check(flows_dir, catalogues, "en", ORGANISATION)
    assert problems == [Problem(f"{note_step(flows_dir)}: note.absent [cy]",
                                "is fuzzy (unconfirmed); English is sent instead", warning=True)]
    assert str(problems[0]).startswith("warning: ")


def test_fuzzy_english_text_is_an_error_as_there_is_nothing_to_fall_back_to(
    flows_dir: Path, tmp_path: Path
) -> None:
    catalogues = write_catalogues(tmp_path / "translations",
                                  {"en": complete({"note.absent": "Draft."})},
                                  fuzzy=[("en", "note.absent")])
    problems = check(flows_dir, catalogues, "en", ORGANISATION)
    assert [(p.where, p.warning) for p in problems] == [
        (f"{note_step(flows_dir)}: note.absent [en]", False),
    ]


def test_missing_triage_rules_are_a_warning(flows_dir: Path) -> None:
    triage = flows_dir / "triage.yaml"
    triage.unlink()
    problems = check(flows_dir, Catalogues({"en": complete()}, "en"), "en", ORGANISATION)
    assert problems == [Problem(str(triage), MISSING_TRIAGE, warning=True)]


def test_invalid_triage_rules_are_an_error_naming_the_file(flows_dir: Path) -> None:
    triage = flows_dir / "triage.yaml"
    triage.write_text("rules: nope\n", encoding="utf-8")
    problems = check(flows_dir, Catalogues({"en": complete()}, "en"), "en", ORGANISATION)
    assert [(p.where, p.warning) for p in problems] == [(str(triage), False)]
    assert "needs 'rules'" in problems[0].why


def test_folder_without_flow_files_is_reported(flows_dir: Path) -> None:
    (flows_dir / "note.yaml").unlink()
    assert lint(flows_dir, {"en": complete()}) == [f"{flows_dir}: folder: has no flow files"]


def test_broken_flow_is_reported_with_file_and_step(flows_dir: Path) -> None:
    broken = flows_dir / "note.yaml"
    broken.write_text(NOTE_FLOW.replace("say: [note.present, note.absent]", "next: gone"),
                      encoding="utf-8")
    problems = lint(flows_dir, {"en": complete()})
    assert problems == [f"{broken}: step 'note': goes to unknown step 'gone'"]


def test_flow_files_that_do_not_merge_are_reported_naming_both(flows_dir: Path) -> None:
    other = flows_dir / "other.yaml"
    other.write_text("flow: other\nsteps:\n  note: {say: [note.present]}\n", encoding="utf-8")
    problems = lint(flows_dir, {"en": complete()})
    assert problems == [f"{other}: step 'note': is also defined in {flows_dir / 'note.yaml'}"]


# --- production start-up -----------------------------------------------------------------------


def production_settings(tmp_path: Path, flows_dir: Path, languages: tuple[str, ...]) -> Settings:
    """Production settings for `flows_dir` and these enabled languages (what the check reads)."""
    settings = load_settings({"QUIETLINE_INSTANCE": str(tmp_path / "instance")})
    deployment = dataclasses.replace(settings.deployment, languages=languages)
    return dataclasses.replace(settings, env="production", flows_path=flows_dir,
                               deployment=deployment)


def test_production_start_up_is_refused_for_an_error(flows_dir: Path, tmp_path: Path) -> None:
    settings = production_settings(tmp_path, flows_dir, ("en",))
    catalogues = Catalogues({"en": complete({"note.absent": None})}, "en")
    with pytest.raises(ConfigError, match=r"note\.absent \[en\]: has no text"):
        refuse_unchecked_content(settings, catalogues)


def test_production_start_up_is_not_refused_for_warnings(
    flows_dir: Path, tmp_path: Path
) -> None:
    settings = production_settings(tmp_path, flows_dir, ("en", "cy"))
    catalogues = write_catalogues(tmp_path / "translations",
                                  {"en": complete(), "cy": complete({"note.absent": "Drafft."})},
                                  fuzzy=[("cy", "note.absent")])
    refuse_unchecked_content(settings, catalogues)  # a fuzzy translation is only a warning


def test_production_start_up_keeps_nothing_the_check_compiled(tmp_path: Path) -> None:
    """The check runs in a forked child: the triage patterns it compiles stay there, not in
    an RQ worker that never reads a message (issue 22, item 6). The shipped flows/ and
    catalogues, as a production start reads them."""
    settings = dataclasses.replace(load_settings({"QUIETLINE_INSTANCE": str(tmp_path)}),
                                   env="production")
    catalogues = load_catalogues(settings)
    wording._compiled.cache_clear()
    refuse_unchecked_content(settings, catalogues)
    assert wording._compiled.cache_info().currsize == 0
    deployment = settings.deployment
    check(settings.flows_path, catalogues, deployment.default_language,
          deployment.organisation_name, deployment.languages)
    assert wording._compiled.cache_info().currsize > 0  # what the child spared this process


def test_production_start_up_is_refused_when_the_check_cannot_run(
    flows_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> list[object]:
        raise OSError("disk gone")

    monkeypatch.setattr(flowlint, "check", broken)
    settings = production_settings(tmp_path, flows_dir, ("en",))
    with pytest.raises(ConfigError, match=r"could not run \(OSError: disk gone\)"):
        refuse_unchecked_content(settings, Catalogues({"en": complete()}, "en"))


# --- the command -------------------------------------------------------------------------------


def english_only(tmp_path: Path, *extra_languages: str) -> dict[str, str]:
    """Environment for the command: the shipped English texts and a deployment enabling only
    English (and `extra_languages`), so the test does not depend on translation progress."""
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS / "en", translations / "en")
    config = tmp_path / "deployment.toml"
    demo = (PROJECT_ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    enabled = ", ".join(f'"{language}"' for language in ("en", *extra_languages))
    config.write_text(re.sub(r"(?m)^enabled = .*$", f"enabled = [{enabled}]", demo),
                      encoding="utf-8")
    return {"QUIETLINE_TRANSLATIONS": str(translations), "QUIETLINE_CONFIG": str(config)}


def flows_check(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
        **extra,
    }
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", "flows", "check", *args], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, check=False, timeout=APP_PROCESS_SECONDS,
    )


def test_flows_check_command_passes_the_shipped_content(tmp_path: Path) -> None:
    completed = flows_check(tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "flows and texts OK" in completed.stdout


def test_flows_check_command_verbose_lists_each_texts_encoding(tmp_path: Path) -> None:
    completed = flows_check(tmp_path, "--verbose", **english_only(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert re.search(r"^en\s+welcome\.greeting\s+GSM-7\s+\d+ units 1 segment\(s\)$",
                     completed.stdout, re.MULTILINE)
    # The language names are in Latin script since issue 21 (item 4): GSM-7 in English.
    assert re.search(r"^en\s+menu\.languages\s+GSM-7\s+\d+ units \d+ segment\(s\)$",
                     completed.stdout, re.MULTILINE)


def test_flows_check_command_fails_naming_a_message_that_breaks_the_rule(
    tmp_path: Path,
) -> None:
    environment = english_only(tmp_path)
    catalogue = Path(environment["QUIETLINE_TRANSLATIONS"]) / "en" / "LC_MESSAGES" / "messages.po"
    original = catalogue.read_text(encoding="utf-8")
    greeting = 'msgstr "Hi, thanks for your message.'
    assert original.count(greeting) == 1
    catalogue.write_text(original.replace(greeting, 'msgstr "Police: thanks for your message.'),
                         encoding="utf-8")

    completed = flows_check(tmp_path, **environment)

    assert completed.returncode != 0
    # Start-up's own log records (the second opinion's sensitivity, event=...) are not problems.
    errors = [line for line in completed.stderr.splitlines()
              if not line.startswith("warning:") and " event=" not in line]
    assert len(errors) == 1, completed.stderr
    assert errors[0].startswith(f"{catalogue}: welcome.greeting [en]: ")  # file, id, language
    assert "police" in errors[0]


def test_flows_check_command_passes_with_a_warning_for_a_fuzzy_translation(
    tmp_path: Path,
) -> None:
    # English, and a Welsh copy of it with one entry not yet confirmed by a translator.
    environment = english_only(tmp_path, "cy")
    translations = Path(environment["QUIETLINE_TRANSLATIONS"])
    english = (translations / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    entry = 'msgid "person.thanks"'
    assert english.count(entry) == 1
    welsh = translations / "cy" / "LC_MESSAGES" / "messages.po"
    welsh.parent.mkdir(parents=True)
    welsh.write_text(english.replace("Language: en", "Language: cy")
                     .replace(entry, f"#, fuzzy\n{entry}"), encoding="utf-8")

    completed = flows_check(tmp_path, **environment)

    assert completed.returncode == 0, completed.stderr
    assert "warning: " in completed.stderr
    assert "person.thanks [cy]: is fuzzy" in completed.stderr
    # Each warning is counted in the summary (the shipped DASH checklist's topic wording is
    # one more, until a partnership puts in the published questions).
    warnings = [line for line in completed.stderr.splitlines() if line.startswith("warning:")]
    assert f"{len(warnings)} warning(s)" in completed.stdout
