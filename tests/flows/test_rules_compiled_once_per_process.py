"""A second parse of the same triage rules reuses the first one's compiled patterns.

The rules compile to more patterns than `re` keeps (512), so before app/flows/wording.py kept
its own, every parse (each `flows check`, each test of a changed copy of flows/) compiled them
all again: the suite took twice as long. Asserted by identity, not by time."""

from __future__ import annotations

from pathlib import Path

from app.flows.loader import read_yaml
from app.flows.triage import parse_rules

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_parse_of_the_rules_reuses_every_compiled_pattern() -> None:
    raw = read_yaml(ROOT / "flows" / "triage.yaml")
    first, second = parse_rules(raw), parse_rules(raw)
    patterns = [(a, b) for rule_a, rule_b in zip(first.rules, second.rules, strict=True)
                for kind in ("patterns", "unless", "excepted")
                for language, compiled in getattr(rule_a, kind).items()
                for a, b in zip(compiled, getattr(rule_b, kind)[language], strict=True)]
    patterns += [(first.screens[k], second.screens[k]) for k in first.screens]
    assert len(patterns) > 512
    assert all(a is b for a, b in patterns)
