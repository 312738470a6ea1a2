"""The on-call phones in the deployment file (issue 23, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.deployment import DeploymentConfigError, load_deployment, parse_deployment

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.toml"
MINIMAL = {"organisation": {"name": "Partnership"}}


def test_the_demo_names_a_reserved_on_call_number_and_has_no_warning() -> None:
    deployment = load_deployment(DEMO)
    assert deployment.staff.on_call_sms == ("+447700900998",)
    assert deployment.warnings() == []


def test_without_on_call_phones_the_deployment_warns_naming_the_key() -> None:
    deployment = parse_deployment(MINIMAL, source="partnership.toml")
    assert deployment.staff.on_call_sms == ()
    (warning,) = deployment.warnings()
    assert warning.startswith("partnership.toml: advocates.on_call_sms: no on-call phone")


@pytest.mark.parametrize("number", ["07700900998", "+44 7700 900998", 447700900998])
def test_an_on_call_number_that_is_not_e164_is_refused(number: object) -> None:
    raw = {**MINIMAL, "advocates": {"on_call_sms": [number]}}
    with pytest.raises(DeploymentConfigError, match=r"advocates\.on_call_sms"):
        parse_deployment(raw, source="partnership.toml")
