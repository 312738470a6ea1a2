"""`bench/second_opinion.py --write-higher` (bench/second_opinion_higher.py): the curve's
allowance-0.05 threshold goes into the model file as `higher_urgent`, its `made` says where it
came from, a second run changes nothing, and a curve measured for another model is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.content import second_opinion
from bench.second_opinion_higher import write_higher
from tests.content.test_second_opinion_file import CHOICE, write_messages


def curve(thresholds: object) -> dict[str, object]:
    return {"shipping_thresholds": thresholds, "folds": 12, "messages": 8301, "points": [
        {"name": "allowance 0.01", "threshold": 0.9},
        {"name": "allowance 0.05", "threshold": -0.4567},
    ]}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """(the curve's JSON, a model file taught with urgent threshold 1.0)."""
    write_messages(tmp_path / "labelled")
    model = tmp_path / second_opinion.FILE
    second_opinion.retrain([tmp_path / "labelled"], CHOICE, model, "a test")
    curve_path = tmp_path / "second-opinion-curve.json"
    curve_path.write_text(json.dumps(curve(CHOICE["thresholds"])), encoding="utf-8")
    return curve_path, model


def test_it_writes_the_allowance_point_and_says_so(files: tuple[Path, Path]) -> None:
    curve_path, model = files
    before = json.loads(model.read_text(encoding="utf-8"))
    assert write_higher(curve_path, model) == -0.457  # noqa: PLR2004 -- rounded as thresholds
    after = json.loads(model.read_text(encoding="utf-8"))
    assert after["higher_urgent"] == -0.457  # noqa: PLR2004
    assert after["made"].startswith(before["made"])
    assert "'allowance 0.05' point" in after["made"]
    assert "--write-higher" in after["made"]
    assert {k: v for k, v in after.items() if k not in ("made", "higher_urgent")} == \
        {k: v for k, v in before.items() if k != "made"}
    assert second_opinion.load(model.parent).higher_urgent == -0.457  # noqa: PLR2004


def test_a_second_run_changes_nothing(files: tuple[Path, Path]) -> None:
    curve_path, model = files
    write_higher(curve_path, model)
    once = model.read_bytes()
    write_higher(curve_path, model)
    assert model.read_bytes() == once


def test_a_curve_of_another_model_is_refused(files: tuple[Path, Path]) -> None:
    curve_path, model = files
    curve_path.write_text(json.dumps(curve({"urgent": 14.828, "person": -1.341})),
                          encoding="utf-8")
    before = model.read_bytes()
    with pytest.raises(ValueError, match="run `--curve` on this model first"):
        write_higher(curve_path, model)
    assert model.read_bytes() == before


def test_a_point_not_below_the_urgent_threshold_is_refused(files: tuple[Path, Path]) -> None:
    curve_path, model = files
    shifted = curve(CHOICE["thresholds"])
    shifted["points"] = [{"name": "allowance 0.05", "threshold": 3.0}]
    curve_path.write_text(json.dumps(shifted), encoding="utf-8")
    with pytest.raises(ValueError, match="higher_urgent must be a number below"):
        write_higher(curve_path, model)
