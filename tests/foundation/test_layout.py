"""The root of app/ holds only the composition root and the foundation (docs/architecture.md).

A new module directly under app/ hides a concern that deserves a package; add it to a package,
or, if it truly is foundation that everything may use, add it here and to the layers contract
in pyproject.toml with a reason.
"""

from __future__ import annotations

from pathlib import Path

import app

ROOT = Path(app.__file__).parent
COMPOSITION_ROOT = {"__init__", "factory"}
# The composition root's services, a package (wiring, start-up, Redis) imported as one name.
COMPOSITION_PACKAGES = {"services"}
# cover_sites: the built-in covers the deployment file picks from (data only, under it).
# networks: which network a client address counts as; both the conversation's and the staff
# sign-in's allowances need it, and it needs nothing but the standard library.
FOUNDATION = {"config", "cover_sites", "logs", "hours", "dispatch", "private_files", "networks"}
# Foundation large enough to be split into modules, still imported as one name (`app.crypto`,
# `app.deployment`).
FOUNDATION_PACKAGES = {"crypto", "deployment"}


def test_only_the_composition_root_and_the_foundation_sit_directly_under_app() -> None:
    modules = {path.stem for path in ROOT.glob("*.py")}
    assert modules == COMPOSITION_ROOT | FOUNDATION
    assert len(modules) <= 12
    for package in FOUNDATION_PACKAGES | COMPOSITION_PACKAGES:
        assert (ROOT / package / "__init__.py").is_file()


def test_every_package_says_what_it_owns_and_what_it_may_import() -> None:
    for package in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        if package.name == "web_assets":
            continue
        doc = (package / "__init__.py").read_text(encoding="utf-8")
        assert doc.startswith('"""'), package.name
        assert "import" in doc.split('"""')[1], f"{package.name}: say what it may import"
