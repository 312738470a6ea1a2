"""`higher_urgent` in flows/second_opinion.json and `[triage] urgent_sensitivity`: the
loader checks the number (finite, below the standard urgent threshold), the mapped file
carries it, the deployment refuses a value it does not know, and a deployment asking for
"higher" with a file that has no such number is refused at start with a clear message."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from app.config import ConfigError, Settings
from app.content import second_opinion, second_opinion_map
from app.deployment import DeploymentConfigError, parse_deployment
from app.flows import learned
from app.services import load_second_opinion
from tests.content.test_second_opinion_file import CHOICE, write_messages

ROOT = Path(__file__).resolve().parents[2]
BASE = {"organisation": {"name": "Test"}}


@pytest.fixture
def taught(tmp_path: Path) -> Path:
    """A flows folder with a small model taught in it (urgent threshold 1.0), no
    higher_urgent: what `make second-opinion` writes until `--write-higher` is run."""
    write_messages(tmp_path / "labelled")
    flows = tmp_path / "flows"
    flows.mkdir()
    second_opinion.retrain([tmp_path / "labelled"], CHOICE, flows / second_opinion.FILE, "a test")
    return flows


def with_higher(flows: Path, value: object) -> None:
    path = flows / second_opinion.FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**raw, learned.HIGHER_URGENT: value}), encoding="utf-8")


def test_the_shipped_file_holds_a_lower_urgent_threshold() -> None:
    shipped = second_opinion.load(ROOT / "flows")
    assert shipped.higher_urgent is not None
    assert shipped.higher_urgent < shipped.thresholds["urgent"]
    assert "--write-higher" in json.loads(
        (ROOT / "flows" / second_opinion.FILE).read_text(encoding="utf-8"))["made"]


@pytest.mark.parametrize("value", [1.0, 5.0, "0.5", True, math.inf, math.nan])
def test_a_higher_urgent_not_a_finite_number_below_the_urgent_threshold_is_refused(
        taught: Path, value: object) -> None:
    with_higher(taught, value)
    with pytest.raises(learned.SecondOpinionError, match="higher_urgent must be a number below"):
        second_opinion.load(taught)
    assert "higher_urgent" in second_opinion.problems(taught)[0][1]


def test_more_sensitive_lowers_only_the_urgent_threshold(taught: Path) -> None:
    with_higher(taught, -2.5)
    loaded = second_opinion.load(taught)
    assert loaded.higher_urgent == -2.5  # noqa: PLR2004
    more = loaded.more_sensitive()
    assert more.thresholds == {**loaded.thresholds, "urgent": -2.5}
    assert more.thresholds["person"] == loaded.thresholds["person"]


def test_the_mapped_file_carries_it(taught: Path, tmp_path: Path) -> None:
    mapped = second_opinion_map.load(taught / second_opinion.FILE, tmp_path / "models")
    assert mapped.higher_urgent is None
    with_higher(taught, -2.5)
    mapped = second_opinion_map.load(taught / second_opinion.FILE, tmp_path / "models")
    assert mapped.higher_urgent == -2.5  # noqa: PLR2004
    assert mapped.more_sensitive().thresholds["urgent"] == -2.5  # noqa: PLR2004


def test_a_file_without_it_cannot_be_made_more_sensitive(taught: Path) -> None:
    with pytest.raises(learned.SecondOpinionError, match="no higher_urgent"):
        second_opinion.load(taught).more_sensitive()


def test_the_deployment_defaults_to_standard_and_refuses_other_values() -> None:
    assert parse_deployment(BASE).urgent_sensitivity == "standard"
    higher = parse_deployment({**BASE, "triage": {"urgent_sensitivity": "higher"}})
    assert higher.urgent_sensitivity == "higher"
    for wrong in ("highest", "Higher", 1, True):
        with pytest.raises(DeploymentConfigError, match=r"triage\.urgent_sensitivity"):
            parse_deployment({**BASE, "triage": {"urgent_sensitivity": wrong}})


def test_higher_with_the_second_opinion_off_is_warned_of() -> None:
    off = parse_deployment({**BASE, "triage": {"urgent_sensitivity": "higher",
                                               "second_opinion": False}})
    assert any("urgent_sensitivity" in warning for warning in off.warnings())
    assert not any("urgent_sensitivity" in warning for warning in parse_deployment(
        {**BASE, "triage": {"urgent_sensitivity": "higher"}}).warnings())


@pytest.mark.parametrize("production", [False, True])
def test_higher_with_a_file_without_it_refuses_the_start(
        settings: Settings, taught: Path, production: bool) -> None:
    asking = replace(settings, flows_path=taught, env="production" if production else "development",
                     deployment=replace(settings.deployment, urgent_sensitivity="higher"))
    with pytest.raises(ConfigError, match=r'urgent_sensitivity = "higher" needs a higher_urgent'):
        load_second_opinion(asking)
    standard = replace(asking, deployment=replace(asking.deployment,
                                                  urgent_sensitivity="standard"))
    assert load_second_opinion(standard) is not None
