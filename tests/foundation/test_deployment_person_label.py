"""`[webchat] person_label`: the words above an advocate's reply in the web chat (issue 19)."""

from __future__ import annotations

from typing import Any

import pytest

from app.deployment import DeploymentConfigError, parse_deployment


def deployment_with(webchat: dict[str, Any]) -> dict[str, Any]:
    return {"organisation": {"name": "Northvale Partnership"}, "webchat": webchat}


def test_without_it_the_page_uses_its_own_translated_wording() -> None:
    assert parse_deployment(deployment_with({})).person_label is None


def test_the_partnerships_wording_is_kept_trimmed() -> None:
    parsed = parse_deployment(deployment_with({"person_label": "  Sam, from the team "}))
    assert parsed.person_label == "Sam, from the team"


@pytest.mark.parametrize("label", [
    "From the domestic abuse team", "Refuge worker", "Northvale Partnership",
    "northvale partnership staff", "", "   ", "x" * 41,
])
def test_wording_that_names_the_service_or_is_empty_or_long_is_refused(label: str) -> None:
    with pytest.raises(DeploymentConfigError, match=r"webchat\.person_label"):
        parse_deployment(deployment_with({"person_label": label}))


def test_wording_that_is_not_text_is_refused() -> None:
    with pytest.raises(DeploymentConfigError, match=r"webchat\.person_label: must be str"):
        parse_deployment(deployment_with({"person_label": 3}))
