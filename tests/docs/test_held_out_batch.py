"""The pages name the held-out batch the results were measured on: when a new batch is held
out and the bench re-run, the README and architecture.md must move with it (architecture.md
still named batch e when batch k was held out)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def held_out_batch() -> str:
    results = (ROOT / "bench" / "results" / "understanding.txt").read_text(encoding="utf-8")
    found = re.search(r"heldout/ \(batch ([a-z])\)", re.sub(r"\s+", " ", results))
    assert found, "bench/results/understanding.txt names no held-out batch"
    return found.group(1)


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", (ROOT / page).read_text(encoding="utf-8"))


def test_the_readme_names_the_held_out_batch_of_the_results() -> None:
    batch = held_out_batch()
    assert f"The held-out part is batch {batch}" in flat("README.md")


def test_architecture_names_the_held_out_batch_of_the_results() -> None:
    batch = held_out_batch()
    named = re.findall(r"measured once on `heldout/` \(batch ([a-z])", flat("docs/architecture.md"))
    assert named == [batch]
