"""docs/architecture.md's import rules are the ones `make lint` enforces: its diagram lists the
layers of pyproject.toml's import-linter contract, top to bottom, in the same order."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def layers_enforced() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = next(c for c in contracts if c["type"] == "layers")
    return [name for layer in layered["layers"] for name in re.findall(r"app\.[a-z_]+", layer)]


def layers_drawn() -> list[str]:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## The import rules", 1)[1]
    diagram = section.split("```", 2)[1]
    return re.findall(r"app\.[a-z_]+", diagram)


def test_the_pages_import_diagram_is_the_contract_make_lint_checks() -> None:
    assert layers_drawn() == layers_enforced()
