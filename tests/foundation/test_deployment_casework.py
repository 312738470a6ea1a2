"""`[casework]` in the deployment file: the targets for urgent and high cases (issue 20)."""

from __future__ import annotations

import pytest

from app.deployment import DeploymentConfigError, parse_deployment
from app.deployment.sections import CaseworkPolicy

BASE = {"organisation": {"name": "Example Partnership"}}


def test_the_targets_default_to_five_and_thirty_minutes() -> None:
    assert parse_deployment(BASE).casework == CaseworkPolicy(5, 30)


def test_the_targets_are_read_from_the_casework_table() -> None:
    raw = {**BASE, "casework": {"urgent_sla_minutes": 3, "high_sla_minutes": 20}}
    assert parse_deployment(raw).casework == CaseworkPolicy(3, 20)


@pytest.mark.parametrize("value", [0, -5, "5", True])
def test_a_target_that_is_not_a_positive_number_is_refused_by_name(value: object) -> None:
    with pytest.raises(DeploymentConfigError, match="casework.urgent_sla_minutes"):
        parse_deployment({**BASE, "casework": {"urgent_sla_minutes": value}})
