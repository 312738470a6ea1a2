"""The deployment file's `[casework]` table (issue 20): defaults, values, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.deployment import DeploymentConfigError, load_deployment
from app.deployment.sections import CaseworkPolicy
from tests.foundation.test_deployment import DEMO, demo_with


def test_the_demo_keeps_the_safe_defaults() -> None:
    assert load_deployment(DEMO).casework == CaseworkPolicy(
        keep_notes_after_erasure=False, marac_threshold=14)


def test_without_the_table_the_defaults_apply(tmp_path: Path) -> None:
    start = DEMO.read_text(encoding="utf-8").index("[casework]")
    end = DEMO.read_text(encoding="utf-8").index("[retention]")
    path = tmp_path / "partnership.toml"
    text = DEMO.read_text(encoding="utf-8")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_deployment(path).casework == CaseworkPolicy()


def test_both_settings_are_read(tmp_path: Path) -> None:
    path = demo_with(tmp_path, "keep_notes_after_erasure = false",
                     "keep_notes_after_erasure = true")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "marac_threshold = 14", "marac_threshold = 12"), encoding="utf-8")
    assert load_deployment(path).casework == CaseworkPolicy(keep_notes_after_erasure=True,
                                                            marac_threshold=12)


@pytest.mark.parametrize(("old", "new", "named"), [
    ("keep_notes_after_erasure = false", 'keep_notes_after_erasure = "no"',
     "casework.keep_notes_after_erasure"),
    ("marac_threshold = 14", "marac_threshold = 0", "casework.marac_threshold"),
    ("marac_threshold = 14", "marac_threshold = true", "casework.marac_threshold"),
])
def test_a_wrong_value_is_refused_naming_the_key(tmp_path: Path, old: str, new: str,
                                                 named: str) -> None:
    with pytest.raises(DeploymentConfigError, match=named):
        load_deployment(demo_with(tmp_path, old, new))
