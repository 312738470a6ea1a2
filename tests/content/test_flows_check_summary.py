"""`flows check --summary` (what `make run` prints on every start): errors and other warnings in
full, the translations awaiting a translator's confirmation as one line; `flows check` alone
still lists every one of them."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask

from app.content.lint import Problem, summary
from tests.support.catalogues import with_unconfirmed

UNCONFIRMED = re.compile(r"^warning: .*\[(\w+)\]: is fuzzy \(unconfirmed\); English is sent")


@pytest.fixture
def translations(tmp_path: Path, environ: dict[str, str]) -> Path:
    """The shipped catalogues, with two Polish texts left unconfirmed (the shipped ones have
    none: tests/content/test_every_text_translated.py)."""
    copy = with_unconfirmed(tmp_path, "pl", "messages", ("welcome.greeting", "menu.hint"))
    environ["QUIETLINE_TRANSLATIONS"] = str(copy)
    return copy


def flows_check(app: Flask, *args: str) -> list[str]:
    result = app.test_cli_runner().invoke(args=["flows", "check", *args])
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()


def test_summary_puts_unconfirmed_texts_on_one_line(translations: Path, app: Flask) -> None:
    full = flows_check(app)
    waiting = Counter(m.group(1) for line in full if (m := UNCONFIRMED.match(line)))
    assert waiting["pl"] >= 1

    short = flows_check(app, "--summary")

    assert not any(UNCONFIRMED.match(line) for line in short)
    [line] = [line for line in short if "translator's confirmation" in line]
    listed = ", ".join(f"{language}: {count}" for language, count
                       in sorted(waiting.items(), key=lambda item: (-item[1], item[0])))
    assert line == (f"warning: {waiting.total()} texts await a translator's confirmation "
                    f"({listed}); English is sent meanwhile; details: "
                    "flask --app wsgi flows check")
    others = [line for line in full if not UNCONFIRMED.match(line)]
    assert [line for line in short if "translator's confirmation" not in line] == others


def test_summary_keeps_errors_and_other_warnings_in_full() -> None:
    problems = [
        Problem("flows/welcome.yaml: step 'welcome': welcome.greeting [so]",
                "is fuzzy (unconfirmed); English is sent instead", warning=True,
                unconfirmed_language="so"),
        Problem("flows/triage.yaml", "is missing: triage is off", warning=True),
        Problem("translations/pl/LC_MESSAGES/messages.po: welcome.greeting",
                "breaks the lock-screen rule"),
    ]
    assert summary(problems, details="flows check") == [
        "warning: flows/triage.yaml: is missing: triage is off",
        "translations/pl/LC_MESSAGES/messages.po: welcome.greeting: breaks the lock-screen rule",
        "warning: 1 text awaits a translator's confirmation (so: 1); English is sent "
        "meanwhile; details: flows check",
    ]


def test_summary_of_nothing_is_nothing() -> None:
    assert summary([], details="flows check") == []
