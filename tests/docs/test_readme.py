"""The README's commands, options and paths exist: a reorganisation or a renamed option must
take the README with it (a newcomer copies these lines first)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

ROOT = Path(__file__).resolve().parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# `flask --app wsgi GROUP [COMMAND] [ARGS and --options]` in backticks.
COMMANDS = sorted(set(re.findall(r"`(?:\.venv/bin/)?flask --app wsgi ([^`]+)`", README)))
PATHS = sorted(set(re.findall(r"`((?:app|docs|deploy|flows|tests|scripts|config|bench)/[^`\s]*)`",
                              README)) | set(re.findall(r"\]\(((?:docs|deploy)/[^)]+)\)", README)))


def resolve(app: Flask, words: list[str]) -> click.Command:
    """The command the words name, through Flask's own command line (plugins included)."""
    group: click.Command = FlaskGroup(create_app=lambda: app)
    # Closed at the end: FlaskGroup pushes an app context onto it, which must not outlive the
    # test (the next test's app would not be current).
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app)) as context:
        for word in words:
            if not isinstance(group, click.Group):
                break
            found = group.get_command(context, word)
            if found is None:
                break
            group = found
    return group


@pytest.mark.parametrize("line", COMMANDS)
def test_every_command_and_option_in_the_readme_exists(app: Flask, line: str) -> None:
    words = line.replace("\\|", "|").replace("[", " ").replace("]", " ").split()
    command = resolve(app, [w for w in words if not w.startswith("-")][:2])
    assert not isinstance(command, click.Group), f"{line}: names no command"
    assert command.name in words, f"{line}: no such command"
    options = {name for param in command.params for name in param.opts}
    for word in words:
        if word.startswith("--"):
            assert word in options, f"{line}: {command.name} has no {word}"


def test_the_readme_names_commands() -> None:
    assert len(COMMANDS) > 10


@pytest.mark.parametrize("path", PATHS)
def test_every_path_in_the_readme_exists(path: str) -> None:
    assert (ROOT / path.rstrip("/")).exists(), f"README names {path}, which is not there"


def commands_offered(app: Flask) -> list[str]:
    """Every command Quietline adds to `flask` ("keys rotate", "report"), not Flask's own."""
    group = FlaskGroup(create_app=lambda: app)
    offered = []
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app)) as context:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if name in ("run", "shell", "routes") or command is None:
                continue
            if isinstance(command, click.Group):
                offered += [f"{name} {sub}" for sub in command.list_commands(context)]
            else:
                offered.append(name)
    return offered


def test_the_readme_lists_every_command_the_service_offers(app: Flask) -> None:
    # The README's "Commands" table is where an administrator looks for what they can run;
    # a command added without a row there is one they never learn of.
    first_cells = [line.split(" | ")[0] for line in README.splitlines()
                   if line.startswith("| `flask --app wsgi ")]
    missing = [name for name in commands_offered(app)
               if not any(f"wsgi {name.split()[0]}" in cell and
                          re.search(rf"[ `]{re.escape(name.split()[-1])}\b", cell)
                          for cell in first_cells)]
    assert commands_offered(app), "no commands found"
    assert not missing, f"the README's Commands table has no row for: {missing}"


def test_the_quick_start_names_every_debian_package_make_run_installs() -> None:
    # A newcomer without root reads the list to install them by hand (Troubleshooting).
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    packages = set(re.findall(r"[\w:-]+=([a-z0-9][a-z0-9.+-]+)", " ".join(
        line for line in makefile.splitlines()
        if line.startswith(("SYSTEM_PACKAGES", "FONT_PACKAGES")) or "font:" in line)))
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert packages >= {"redis-server", "chromium", "postgresql", "gettext", "nginx-light"}
    missing = sorted(package for package in packages if f"`{package}`" not in quick_start)
    assert not missing, f"the Quick start does not name {missing}"


def test_the_readme_names_every_environment_variable_the_service_and_make_run_read() -> None:
    # Set by the Makefile itself (`make run-prod-like`), never by a person.
    internal = {"QUIETLINE_RUN_PROFILE"}
    read = set()
    for source in ("app/config.py", "scripts/run.py"):
        text = (ROOT / source).read_text(encoding="utf-8")
        read |= set(re.findall(r"\"((?:QUIETLINE|REDIS|TWILIO)_[A-Z0-9_]+|SECRET_KEY|"
                               r"DATABASE_URL|PUBLIC_BASE_URL|PORT)\"", text))
    assert "QUIETLINE_DATA_KEYS" in read
    missing = sorted(name for name in read - internal if f"`{name}" not in README)
    assert not missing, f"the README does not name {missing}"
