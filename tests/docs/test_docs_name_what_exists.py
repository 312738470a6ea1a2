"""What the newcomer's and the administrator's pages name exists: every path, make target,
`flask` command and option, environment variable, deployment-file setting and module.

Helpers change code every session; a renamed module, option or setting must take these pages
with it, because an administrator copies their lines as written (the README's own commands are
also checked in test_readme.py, through Flask's command line).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask

from app.deployment import parse_deployment
from app.deployment.reader import Reader
from tests.docs.test_readme import resolve

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ("README.md", "docs/architecture.md", "docs/threat-model.md", "docs/deploy.md",
        "docs/languages.md")
TEXTS = {name: (ROOT / name).read_text(encoding="utf-8") for name in DOCS}
# Lines wrapped inside a backticked span are joined, so `flask --app wsgi advocates phone
# EMAIL` split over two lines is still one command.
FLAT = {name: re.sub(r"\s*\n\s*", " ", text) for name, text in TEXTS.items()}


def found(pattern: str, flat: bool = False) -> list[tuple[str, Any]]:
    """(page, match) for every distinct match of `pattern` in the pages: the match is a
    string, or a tuple of the groups when the pattern has several (as `re.findall`)."""
    texts = FLAT if flat else TEXTS
    return sorted({(name, m) for name, text in texts.items()
                   for m in re.findall(pattern, text)})


# A repository path: a top folder of ours, then a path (placeholders like <code> and globs
# are left out: they name a family of files, not one).
PATHS = [(page, path.rstrip("/.")) for page, path in found(
    r"(?<![\w/.-])((?:app|docs|deploy|flows|tests|scripts|config|bench|translations|eval)"
    r"/[A-Za-z0-9_./@-]*[A-Za-z0-9_/@])") if not path.startswith("eval/messages/heldout")]
MAKE_TARGETS = found(r"`make ([a-z][a-z-]*)")
FLASK_LINES = found(r"`(?:\.venv/bin/)?flask (?:--app wsgi )?([a-z][^`]*)`", flat=True)
# Environment variables: ours (QUIETLINE_*), and the unprefixed ones the service reads.
ENV_NAMES = found(r"`((?:QUIETLINE|REDIS|TWILIO)_[A-Z0-9_]+|SECRET_KEY|DATABASE_URL|"
                  r"PUBLIC_BASE_URL|PORT)(?:=[^`]*)?`")
# `[section] key` and `section.key = ...` as the pages write deployment-file settings.
SETTINGS = found(r"`\[([a-z_]+)\] ([a-z_]+)") + found(r"`([a-z_]+)\.([a-z_]+) = [^`]*`")
SECTIONS = found(r"`\[\[?([a-z_]+)\]\]?`")
MODULES = found(r"`(app(?:\.[a-z_]+)+)`")


def readable_environment() -> set[str]:
    """Every environment variable a part of Quietline reads: app/config.py (the service),
    scripts/run.py (`make run`), the Makefile and the language-model builders."""
    sources = [ROOT / "app" / "config.py", ROOT / "scripts" / "run.py", ROOT / "Makefile",
               ROOT / "app" / "content" / "ngram_build.py",
               ROOT / "app" / "content" / "second_opinion_map.py", ROOT / "gunicorn.conf.py"]
    names: set[str] = set()
    for source in sources:
        text = source.read_text(encoding="utf-8")
        names |= set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"\$\(?([A-Z][A-Z0-9_]+)", text))
        names |= set(re.findall(r"^([A-Z][A-Z0-9_]+) \??=", text, re.M))
    return names


# Set by others, read by the service only through them (Twilio's SDK, systemd, make's own).
NOT_OURS = {"XDG_CACHE_HOME", "TWILIO_EDGE", "TWILIO_REGION"}


def deployment_keys() -> set[str]:
    """Every dotted key the deployment file's reader asks for (each is asked for, with its
    default, whether or not the file sets it)."""
    asked: set[str] = set()
    original_get = Reader.get

    def recording_get(self: Reader, key: str, kind: type, *default: Any) -> Any:
        asked.add(key)
        return original_get(self, key, kind, *default)

    demo = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Reader, "get", recording_get)
        parse_deployment(tomllib.loads(demo), source="config/demo.toml")
    return asked | {f"opening_hours.{day}" for day in
                    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "holidays", "timezone")}


@pytest.mark.parametrize(("page", "path"), PATHS)
def test_every_path_the_pages_name_exists(page: str, path: str) -> None:
    assert (ROOT / path).exists(), f"{page} names {path}, which is not there"


def test_the_pages_name_paths() -> None:
    assert len(PATHS) > 100


@pytest.mark.parametrize(("page", "target"), MAKE_TARGETS)
def test_every_make_target_the_pages_name_exists(page: str, target: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(target)}:", makefile, re.M), \
        f"{page} names `make {target}`, which the Makefile has no target for"


@pytest.mark.parametrize(("page", "line"), FLASK_LINES)
def test_every_flask_command_and_option_the_pages_name_exists(app: Flask, page: str,
                                                              line: str) -> None:
    words = line.replace("\\|", "|").replace("[", " ").replace("]", " ").split()
    if words[0] == "...":
        return
    command = resolve(app, [w for w in words if not w.startswith("-")][:2])
    assert not isinstance(command, click.Group), f"{page}: `flask {line}` names no command"
    assert command.name in words, f"{page}: `flask {line}`: no such command"
    options = {name for param in command.params for name in param.opts}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in options, f"{page}: `flask {line}`: no {word}"


@pytest.mark.parametrize(("page", "name"), ENV_NAMES)
def test_every_environment_variable_the_pages_name_is_read(page: str, name: str) -> None:
    if name in NOT_OURS:
        return
    assert name in readable_environment(), f"{page} names {name}, which nothing reads"


@pytest.mark.parametrize(("page", "setting"), SETTINGS)
def test_every_deployment_setting_the_pages_name_is_read(page: str,
                                                         setting: tuple[str, str]) -> None:
    key = ".".join(setting)
    assert key in deployment_keys(), f"{page} names [{setting[0]}] {setting[1]}, which the " \
                                     "deployment file's reader never reads"


@pytest.mark.parametrize(("page", "section"), SECTIONS)
def test_every_deployment_section_the_pages_name_is_read(page: str, section: str) -> None:
    sections = {key.split(".")[0] for key in deployment_keys()} | {"services", "keywords"}
    assert section in sections, f"{page} names [{section}], which no setting is read from"


@pytest.mark.parametrize(("page", "module"), MODULES)
def test_every_module_the_pages_name_exists(page: str, module: str) -> None:
    assert importlib.util.find_spec(module) is not None, f"{page} names {module}: not there"



def documented_defaults() -> list[tuple[str, str, str]]:
    """(page, setting, default as written) from every table with a "default" column whose
    rows name deployment settings: `contact_burst`, `contact_per_minute` | ... | 20, 10."""
    rows = []
    for page, text in TEXTS.items():
        column = None
        for line in text.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("|"):
                column = None
            elif "default" in cells:
                column = cells.index("default")
            elif column is not None and not set(cells[0]) <= set("- "):
                names = re.findall(r"`([a-z_]+)`", cells[0])
                defaults = [value.strip() for value in cells[column].split(",")]
                if names and len(names) == len(defaults):
                    rows += [(page, name, value) for name, value in zip(names, defaults,
                                                                        strict=True)]
    return rows


def code_defaults() -> dict[str, str]:
    """Each numeric or true/false deployment setting's default, as the code has it."""
    defaults = parse_deployment({"organisation": {"name": "Example"}})
    found: dict[str, str] = {}
    for section in (defaults.floods, defaults.casework, defaults.return_codes, defaults.staff):
        for name in section.__dataclass_fields__:
            value = getattr(section, name)
            if isinstance(value, bool):
                found[name] = str(value).lower()
            elif isinstance(value, int):
                found[name] = str(value)
    return found


DEFAULTS = documented_defaults()


def test_the_pages_give_defaults() -> None:
    assert len(DEFAULTS) > 20


@pytest.mark.parametrize(("page", "setting", "default"), DEFAULTS)
def test_every_default_the_pages_give_is_the_codes(page: str, setting: str, default: str) -> None:
    assert code_defaults().get(setting) == default, \
        f"{page} says {setting} defaults to {default}; the code says {code_defaults().get(setting)}"


EVENTS = found(r"`event=([a-z_]+(?:\.[a-z_]+)?)")


def logged_events() -> str:
    """The source of everything that logs: `event=name` is written literally or passed to a
    helper as "name" (`refuse_unsigned("sms.forged")`)."""
    return "\n".join(path.read_text(encoding="utf-8") for folder in ("app", "scripts")
                     for path in (ROOT / folder).rglob("*.py")) + \
        "\n".join((ROOT / name).read_text(encoding="utf-8")
                  for name in ("wsgi.py", "worker.py", "gunicorn.conf.py"))


@pytest.mark.parametrize(("page", "event"), EVENTS)
def test_every_log_event_the_pages_tell_you_to_look_for_is_logged(page: str, event: str) -> None:
    source = logged_events()
    assert f"event={event}" in source or f'"{event}"' in source, \
        f"{page} says to look for event={event}, which nothing logs"


# Addresses the pages name (`/webhooks/twilio/voice/inbound`, `/chat/erase`): a prefix
# written as `/advocates/...` names the family, not one route.
ADDRESSES = [(page, path.rstrip(".")) for page, path in found(
    r"(?<![\w.:/])(/(?:advocates|webhooks|chat|notes|healthz)[A-Za-z0-9_/<>.-]*)")
    if not path.endswith("...") and path not in ("/advocates", "/chat")]


def test_the_pages_name_addresses() -> None:
    assert len(ADDRESSES) > 20


@pytest.mark.parametrize(("page", "path"), ADDRESSES)
def test_every_address_the_pages_name_is_served(app: Flask, page: str, path: str) -> None:
    concrete = re.sub(r"<(?:int:)?[a-z_]+>", "1", path)
    adapter = app.url_map.bind("localhost")
    # test() is False for an unknown address and True for one served, whichever method.
    assert any(adapter.test(concrete, method=method) for method in ("GET", "POST")), \
        f"{page} names {path}, which no route serves"


# `app/casework/outbound_gate.py` (`decide`, ...): a module and the function, class or
# method the page says does the work in it.
NAMED_IN_MODULES = [(page, path, name) for page, (path, name) in found(
    r"`(app/[\w/]+\.py)`,? \(?`([A-Za-z_][\w.]*)`", flat=True) if not name.endswith(".py")]


def test_the_pages_name_what_modules_define() -> None:
    assert len(NAMED_IN_MODULES) > 10


@pytest.mark.parametrize(("page", "path", "name"), NAMED_IN_MODULES)
def test_every_name_the_pages_give_a_module_is_defined_there(page: str, path: str,
                                                             name: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    for part in name.split("."):
        assert re.search(rf"^\s*(?:def|class|async def) {re.escape(part)}\b|"
                         rf"^\s*{re.escape(part)}\s*[:=]", source, re.M), \
            f"{page} says {path} has {name}; it has no {part}"
