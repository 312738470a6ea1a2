"""The deployment's local services as replies list them, in each language
(app/content/local_services.py), and `flask flows check` holding every reply that lists them
to the lock-screen rule, isolated numbers in right-to-left text and the SMS limit."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pytest

from app.config import ConfigError, load_settings
from app.content.catalogues import Catalogues
from app.content.lint import check
from app.content.local_services import services_problems, services_text
from app.content.lockscreen import LockScreenRule
from app.content.numbers import LRI, NBSP, PDI
from app.content.segments import encoding_of
from app.deployment import Deployment, load_deployment, parse_deployment
from app.services import refuse_unchecked_content

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = "Harbour Light"
ENABLED = ["en", "cy", "pl", "pa", "ur", "ar", "ro", "so"]


@pytest.fixture(scope="module")
def catalogues() -> Catalogues:
    return Catalogues.load(ROOT / "translations", "en")


@pytest.fixture(scope="module")
def rule() -> LockScreenRule:
    return LockScreenRule.load(ROOT / "flows" / "outbound.yaml", ORGANISATION)


def with_service(**service: Any) -> Deployment:
    entry = {"name": "Samaritans", "phone": "116 123", "hours": "free, 24 hours", **service}
    return parse_deployment({"organisation": {"name": ORGANISATION},
                             "languages": {"enabled": ENABLED}, "services": [entry]},
                            source="partnership.toml")


def test_each_language_gets_its_hours_and_rtl_numbers_are_isolated() -> None:
    deployment = with_service(hours={"en": "free, 24 hours", "ur": "مفت، 24 گھنٹے"})
    assert services_text(deployment, "en") == "Samaritans: 116 123 (free, 24 hours)"
    assert services_text(deployment, "ur") == f"Samaritans: {LRI}116{NBSP}123{PDI} (مفت، 24 گھنٹے)"
    # Arabic has no hours of its own: English, its number still isolated.
    assert services_text(deployment, "ar") == f"Samaritans: {LRI}116{NBSP}123{PDI} (free, 24 hours)"
    assert encoding_of(services_text(deployment, "cy")).name == "GSM-7"


def test_the_demo_services_pass_in_every_language(catalogues: Catalogues,
                                                  rule: LockScreenRule) -> None:
    assert services_problems(catalogues, load_deployment(ROOT / "config" / "demo.toml"),
                             rule) == []


def test_a_name_showing_on_the_lock_screen_fails(catalogues: Catalogues,
                                                 rule: LockScreenRule) -> None:
    found = services_problems(catalogues, with_service(name="Refuge outreach"), rule)
    assert ("partnership.toml: [[services]] in services.list [en]"
            in {where for where, _ in found}), found
    assert all("lock-screen rule" in why for _, why in found), found


def test_a_number_in_a_right_to_left_text_must_be_isolated(catalogues: Catalogues,
                                                           rule: LockScreenRule) -> None:
    hours = {"en": "free", "ar": "مجاني، أو اتصل على 0808 2000 247"}
    found = services_problems(catalogues, with_service(hours=hours), rule)
    assert any(where.endswith("in services.list [ar]") and "'0808 2000 247'" in why
               for where, why in found), found
    isolated = {"en": "free", "ar": f"مجاني، أو اتصل على {LRI}0808{NBSP}2000{NBSP}247{PDI}"}
    assert services_problems(catalogues, with_service(hours=isolated), rule) == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_direction_override_pasted_into_a_service_fails(
        catalogues: Catalogues, rule: LockScreenRule, language: str) -> None:
    # A right-to-left override turns "116 123" round on the phone ("321 611"): a wrong number
    # for someone in crisis. Pasted from a word processor, never typed on purpose.
    deployment = with_service(hours={"en": "free, 24 hours", language: "free \u202e24 hours"})
    problems = services_problems(catalogues, deployment, rule)
    assert problems
    assert {why for _where, why in problems} == {
        "holds U+202E, which makes a phone show the name or number after it in another "
        "order: retype that text rather than pasting it"}
    # English's text is every other language's fallback, so it fails there too.
    assert any(where.endswith(f"[{language}]") for where, _why in problems)


def test_a_list_too_long_for_the_sms_limit_fails(catalogues: Catalogues,
                                                 rule: LockScreenRule) -> None:
    hours = {"en": "free", "pl": "bezpłatnie, " * 60}
    found = services_problems(catalogues, with_service(hours=hours), rule)
    assert any(where.endswith("[pl]") and "SMS segments" in why for where, why in found), found


def test_a_misspelt_language_code_fails(catalogues: Catalogues, rule: LockScreenRule) -> None:
    found = services_problems(catalogues, with_service(hours={"en": "free", "ue": "مفت"}), rule)
    assert [where for where, _ in found] == ["partnership.toml: services[0].hours.ue"], found
    assert "'ue' is no language code" in found[0][1]



def test_a_real_language_not_offered_is_warned_of_not_refused(catalogues: Catalogues,
                                                              rule: LockScreenRule) -> None:
    # Found (survivor8): "ru" typed for "ur" was accepted silently, and Urdu replies listed the
    # services with the English hours. It is a real language, so it cannot be refused without
    # refusing every copy of the demo file with fewer languages enabled: it is warned of.
    deployment = with_service(hours={"en": "free", "ru": "مفت، 24 گھنٹے"})
    assert services_problems(catalogues, deployment, rule) == []
    (warned,) = [p for p in check(ROOT / "flows", catalogues, "en", ORGANISATION,
                                  tuple(ENABLED), deployment=deployment)
                 if "does not offer" in p.why]
    assert warned.warning
    assert warned.where == "partnership.toml: services (services[0].hours).ru"


def test_a_language_not_offered_is_warned_of_once(catalogues: Catalogues) -> None:
    deployment = dataclasses.replace(
        with_service(hours={"en": "free", "pa": "ਮੁਫ਼ਤ"}, name={"en": "Samaritans",
                                                             "pa": "Samaritans"}),
        languages=("en", "ur"))
    warnings = [p for p in check(ROOT / "flows", catalogues, "en", ORGANISATION,
                                 ("en", "ur"), deployment=deployment)
                if "does not offer" in p.why]
    assert len(warnings) == 1, warnings
    assert warnings[0].warning
    assert warnings[0].where == ("partnership.toml: services (services[0].name, "
                                 "services[0].hours).pa")
    # Nothing to say when every text is in an offered language.
    offered = dataclasses.replace(deployment, languages=("en", "ur", "pa"))
    assert not [p for p in check(ROOT / "flows", catalogues, "en", ORGANISATION,
                                 ("en", "ur", "pa"), deployment=offered)
                if "does not offer" in p.why]


def test_flows_check_reports_them_with_the_deployment(catalogues: Catalogues) -> None:
    deployment = with_service(name="Refuge outreach")
    found = [str(p) for p in check(ROOT / "flows", catalogues, "en", ORGANISATION,
                                   tuple(ENABLED), deployment=deployment) if not p.warning]
    assert any(p.startswith("partnership.toml: [[services]] in services.list [en]")
               for p in found), found


def test_production_does_not_start_with_them(catalogues: Catalogues, tmp_path: Path) -> None:
    settings = load_settings({"QUIETLINE_INSTANCE": str(tmp_path / "instance")})
    settings = dataclasses.replace(settings, env="production",
                                   deployment=with_service(name="Refuge outreach"))
    with pytest.raises(ConfigError, match=r"\[\[services\]\] in services\.list \[en\]"):
        refuse_unchecked_content(settings, catalogues)


def test_production_says_at_start_up_which_texts_no_one_is_offered(
        catalogues: Catalogues, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"QUIETLINE_INSTANCE": str(tmp_path / "instance")})
    deployment = dataclasses.replace(with_service(hours={"en": "free", "pa": "ਮੁਫ਼ਤ"}),
                                     languages=("en", "ur"))
    settings = dataclasses.replace(settings, env="production", deployment=deployment)
    with caplog.at_level(logging.WARNING, logger="app.services.start_up"):
        refuse_unchecked_content(settings, catalogues)  # a warning: it starts
    assert any("event=start.services_language_not_offered" in r.getMessage()
               and "hours).pa" in r.getMessage() for r in caplog.records), caplog.records
