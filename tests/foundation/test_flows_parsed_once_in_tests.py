"""The suite parses flows/ and the triage rules once (tests/conftest.py, `parsed_flows_once`).

When app/services.py became a package, the fixture went on patching the names the package
re-exports, not the ones its wiring calls: every test app parsed the triage rules again
(about 6 s on a shared core), and a CI run that took 11 minutes crawled past 25."""

from __future__ import annotations

from flask import Flask

from app.services import services
from tests.conftest import AppWith


def test_two_test_apps_share_one_parse_of_the_flows_and_the_triage_rules(
        app: Flask, app_with: AppWith) -> None:
    other = app_with()
    with app.app_context():
        first = services()
        flow, triage = first.conversations.flow, first.conversations.triage
    with other.app_context():
        second = services()
        assert second.conversations.triage is triage
        assert second.conversations.flow is flow
