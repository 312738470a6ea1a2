"""The partnership's deployment file, and the errors that name file and key (app/deployment/)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from app.deployment import DeploymentConfigError, load_deployment, parse_deployment
from app.deployment.sections import END_OF_DAY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO = PROJECT_ROOT / "config" / "demo.toml"


def demo_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the demo file with one exact piece of text replaced."""
    text = DEMO.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"demo.toml no longer has exactly one {old!r}"
    path = tmp_path / "partnership.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_demo_file_loads() -> None:
    deployment = load_deployment(DEMO)
    assert deployment.organisation_name == "Quietline demo partnership"
    assert deployment.default_language == "en"
    assert deployment.languages == ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
    assert deployment.duress_words == ("bluebell",)
    assert deployment.extra_keywords == {}
    assert deployment.sms_numbers == ("+447700900000",)
    assert deployment.conversation_idle_minutes == 240
    assert deployment.retention_days == 90
    assert deployment.exit_url.startswith("https://")
    assert deployment.source == str(DEMO)


def test_demo_services_keep_their_numbers() -> None:
    services = load_deployment(DEMO).services
    assert [s.phone for s in services] == ["0808 2000 247", "0800 408 1552", "116 123"]
    assert services[0].name == "National Domestic Abuse Helpline"


def test_demo_opening_hours_are_weekdays_nine_to_five_in_london() -> None:
    hours = load_deployment(DEMO).opening_hours
    assert hours.timezone == "Europe/London"
    assert hours.weekly[0] == ((time(9, 0), time(17, 0)),)
    assert hours.weekly[4] == ((time(9, 0), time(17, 0)),)
    assert hours.weekly[5] == ()
    assert hours.weekly[6] == ()
    assert date(2026, 12, 25) in hours.holidays


def test_minimal_deployment_gets_safe_defaults() -> None:
    deployment = parse_deployment({"organisation": {"name": "Harbour Light"}})
    assert deployment.languages == ("en",)
    assert deployment.duress_words == ()
    assert deployment.extra_keywords == {}
    assert deployment.provider_handles_keywords is True
    assert deployment.exit_url.startswith("https://")
    assert deployment.services == ()


def test_a_span_may_end_at_midnight_as_24_00(tmp_path: Path) -> None:
    path = demo_with(tmp_path, 'friday = ["09:00-17:00"]', 'friday = ["18:00-24:00"]')
    assert load_deployment(path).opening_hours.weekly[4] == ((time(18, 0), END_OF_DAY),)


def test_holidays_may_be_toml_dates(tmp_path: Path) -> None:
    path = demo_with(tmp_path, '"2026-12-28"', "2026-12-28")
    assert date(2026, 12, 28) in load_deployment(path).opening_hours.holidays


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param('name = "Quietline demo partnership"', "", "organisation.name",
                     id="missing-organisation-name"),
        pytest.param('name = "Quietline demo partnership"', "name = 42", "organisation.name",
                     id="organisation-name-not-text"),
        pytest.param('default = "en"', 'default = "fr"', "languages.default",
                     id="default-language-not-enabled"),
        pytest.param('numbers = ["+447700900000"]', 'numbers = ["07700900000"]', "sms.numbers",
                     id="number-without-country-code"),
        pytest.param('numbers = ["+447700900000"]', 'numbers = ["+44 7700 900000"]',
                     "sms.numbers", id="number-with-spaces"),
        pytest.param('numbers = ["+447700900000"]', 'numbers = "+447700900000"', "sms.numbers",
                     id="numbers-not-a-list"),
        pytest.param('exit_url = "https://www.bbc.co.uk/weather"',
                     'exit_url = "http://www.bbc.co.uk/weather"', "webchat.exit_url",
                     id="exit-url-not-https"),
        pytest.param('monday = ["09:00-17:00"]', 'monday = ["9am-5pm"]', "opening_hours.monday",
                     id="span-not-like-hh-mm"),
        pytest.param('tuesday = ["09:00-17:00"]', 'tuesday = ["17:00-09:00"]',
                     "opening_hours.tuesday", id="span-ends-before-it-starts"),
        pytest.param('wednesday = ["09:00-17:00"]', 'wednesday = ["09:00-09:00"]',
                     "opening_hours.wednesday", id="span-of-no-time"),
        pytest.param('thursday = ["09:00-17:00"]', 'thursday = ["09:00-25:00"]',
                     "opening_hours.thursday", id="span-not-a-real-time"),
        pytest.param('thursday = ["09:00-17:00"]', 'thursday = ["09:00-24:30"]',
                     "opening_hours.thursday", id="span-past-midnight"),
        pytest.param('thursday = ["09:00-17:00"]', 'thursday = ["24:00-24:00"]',
                     "opening_hours.thursday", id="span-starting-at-the-days-end"),
        pytest.param('timezone = "Europe/London"', 'timezone = "Europe/Atlantis"',
                     "opening_hours.timezone", id="unknown-timezone"),
        pytest.param('"2026-12-25"', '"2026-25-12"', "opening_hours.holidays",
                     id="holiday-not-a-date"),
        pytest.param("idle_minutes = 240", "idle_minutes = true", "conversation.idle_minutes",
                     id="bool-where-int-wanted"),
        pytest.param("idle_minutes = 240", 'idle_minutes = "240"', "conversation.idle_minutes",
                     id="text-where-int-wanted"),
        pytest.param("days = 90", "days = -1", "retention.days", id="negative-retention"),
        pytest.param("days = 90", "days = 0", "retention.days", id="zero-retention"),
        pytest.param("provider_handles_keywords = true", "provider_handles_keywords = 1",
                     "sms.provider_handles_keywords", id="int-where-bool-wanted"),
        pytest.param('phone = "116 123"', "", "services[2]", id="service-missing-phone"),
        pytest.param('phone = "0800 408 1552"', "phone = 42", "services[1]",
                     id="service-phone-not-text"),
    ],
)
def test_invalid_value_is_refused_naming_file_and_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    path = demo_with(tmp_path, old, new)
    with pytest.raises(DeploymentConfigError) as caught:
        load_deployment(path)
    assert str(caught.value).startswith(f"{path}: {key}: ")


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(DeploymentConfigError, match="absent.toml: deployment file not found"):
        load_deployment(path)


def test_invalid_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = demo_with(tmp_path, "[retention]", "[retention")
    with pytest.raises(DeploymentConfigError, match="partnership.toml: not valid TOML"):
        load_deployment(path)


def test_keywords_and_duress_words_must_be_lists_of_words(tmp_path: Path) -> None:
    path = tmp_path / "partnership.toml"
    path.write_text(DEMO.read_text(encoding="utf-8").replace(
        '# person = ["caseworker"]', 'person = ["caseworker", 3]'), encoding="utf-8")
    with pytest.raises(DeploymentConfigError, match="keywords.person"):
        load_deployment(path)


def test_extra_keyword_words_are_read(tmp_path: Path) -> None:
    path = tmp_path / "partnership.toml"
    path.write_text(DEMO.read_text(encoding="utf-8").replace(
        '# person = ["caseworker"]', 'person = [" caseworker "]'), encoding="utf-8")
    assert load_deployment(path).extra_keywords == {"person": ("caseworker",)}
