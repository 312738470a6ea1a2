"""Local services' texts per language in the deployment file (app/deployment/sections.py):
`hours = "..."` is still one text for every language; `hours = { en = "...", ur = "..." }`
(or a `[services.hours]` table) gives each language its own, falling back to the default
language, then English. Found before (survivor6, N3): "(free, 24 hours, every day)" inside an
Urdu reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.deployment import DeploymentConfigError, load_deployment, parse_deployment

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.toml"
HELPLINE = {"name": "National Domestic Abuse Helpline", "phone": "0808 2000 247"}


def deployment_with(hours: Any, *, default: str = "en",
                    enabled: tuple[str, ...] = ("en", "cy", "ur")) -> Any:
    return parse_deployment({"organisation": {"name": "Harbour Light"},
                             "languages": {"default": default, "enabled": list(enabled)},
                             "services": [{**HELPLINE, "hours": hours}]},
                            source="partnership.toml")


def test_one_text_is_every_languages() -> None:
    service = deployment_with("free, 24 hours, every day").services[0]
    assert service.hours == "free, 24 hours, every day"
    assert service.worded("hours", "ur") == "free, 24 hours, every day"


def test_a_language_gets_its_own_text() -> None:
    service = deployment_with({"en": "free, 24 hours", "ur": "مفت، 24 گھنٹے"}).services[0]
    assert service.worded("hours", "ur") == "مفت، 24 گھنٹے"
    assert service.worded("hours", "en") == "free, 24 hours"
    assert service.hours == "free, 24 hours"  # the English, as before


@pytest.mark.parametrize(("default", "expected"), [("en", "free, 24 hours"),
                                                   ("cy", "am ddim, 24 awr")])
def test_a_language_without_one_falls_back_to_the_default_then_english(
        default: str, expected: str) -> None:
    service = deployment_with({"en": "free, 24 hours", "cy": "am ddim, 24 awr"},
                              default=default).services[0]
    assert service.worded("hours", "ur", default) == expected
    assert service.worded("hours", "en", default) == "free, 24 hours"
    assert service.worded("name", "ur", default) == "National Domestic Abuse Helpline"


@pytest.mark.parametrize(("hours", "key", "why"), [
    pytest.param({"en": "free", "urdu": "مفت"}, "services[0].hours.urdu",
                 "not a language code", id="a-name-not-a-code"),
    pytest.param({"en": "free", "UR": "مفت"}, "services[0].hours.UR", "not a language code",
                 id="capitals"),
    pytest.param({"ur": "مفت"}, "services[0].hours", "needs an English text", id="no-english"),
    pytest.param({"en": "free", "ur": ""}, "services[0].hours.ur", "must be text",
                 id="empty-text"),
    pytest.param({"en": "free", "ur": 24}, "services[0].hours.ur", "must be text",
                 id="not-text"),
])
def test_a_wrong_table_is_refused_naming_the_key(hours: dict[str, Any], key: str,
                                                 why: str) -> None:
    with pytest.raises(DeploymentConfigError) as caught:
        deployment_with(hours)
    assert str(caught.value).startswith(f"partnership.toml: {key}: "), caught.value
    assert why in str(caught.value)


def test_a_language_turned_off_keeps_its_texts_unused(tmp_path: Path) -> None:
    """A partnership can take a language out of languages.enabled without deleting its
    texts (a code of no language at all is `flows check`'s to refuse: test_local_services_check)."""
    text = DEMO.read_text(encoding="utf-8")
    enabled = 'enabled = ["en", "cy", "pl", "pa", "ur", "ar", "ro", "so"]'
    assert text.count(enabled) == 1
    path = tmp_path / "partnership.toml"
    path.write_text(text.replace(enabled, 'enabled = ["en"]'), encoding="utf-8")
    service = load_deployment(path).services[0]
    assert service.worded("hours", "en") == "free, 24 hours, every day"


def test_the_demo_writes_every_service_in_every_enabled_language() -> None:
    deployment = load_deployment(DEMO)
    for service in deployment.services:
        for field in ("hours", "description"):
            assert set(service.translations[field]) | {"en"} == set(deployment.languages)
