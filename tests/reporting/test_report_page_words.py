"""The report page says each category in words (issue 20: "every code is shown in plain
words"): languages, channels, reasons and outcomes, never the codes `flask report` exports."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.reporting.test_report import month
from tests.support.staff import make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
__all__ = ["month"]  # a fixture, used by name


@pytest.mark.usefixtures("month")
def test_the_report_page_names_categories_in_words(app: Flask) -> None:
    staff = app.test_client()
    sign_in(staff, make_advocate(app, "s@example.org", "supervisor"))
    html = staff.get("/advocates/report?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    labels = set(re.findall(r'<text x="0" [^>]*>([^<]+)</text>', html))
    assert {"SMS", "web chat", "English", "Polish", "asked to talk to a person",
            "supported", "still open"} <= labels
    assert not labels & {"sms", "web", "en", "pl", "asked_for_person", "asked for person",
                         "open"}
