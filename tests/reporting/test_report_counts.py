"""The report's counts are kept at event time (app/storage/tallies.py), so the retention purge
does not change a past month's figures; and what the report shows cannot be differenced."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.reporting.suppression import SUPPRESSED, WITHHELD
from app.services import services
from app.storage.models import Conversation, ReportCount
from tests.conftest import MovableClock
from tests.reporting.test_report import month, run  # noqa: F401 -- the seeded month, as a fixture

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs", "month"),
              pytest.mark.databases("sqlite", "postgresql")]
NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
# The sections that add up to the contacts or the requests for a person.
PARTS_OF = {"contacts": ("contacts_by_channel", "contacts_by_language", "contacts_by_hour",
                         "contacts_by_day"),
            "escalations": ("escalations_by_priority", "outcomes")}


def count(app: Flask, model: type[Any]) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def november(app: Flask) -> dict[str, Any]:
    code, output = run(app, *NOVEMBER)
    assert code == 0, output
    figures: dict[str, Any] = json.loads(output)
    return figures


def test_the_purge_leaves_a_past_month_unchanged(app: Flask, clock: MovableClock) -> None:
    before = november(app)
    in_november = count(app, Conversation)
    clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))  # far past the 90 days kept
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    # Everything went but the three conversations whose case is still open (kept by design).
    assert count(app, Conversation) == 3 < in_november
    assert november(app) == before
    assert before["figures"]["contacts"] == 27


def test_the_counts_table_holds_no_identifier(app: Flask) -> None:
    assert count(app, ReportCount) > 0
    with app.app_context(), services().database.session() as session:
        rows = session.execute(select(ReportCount.measure, ReportCount.category)).all()
    for measure, category in rows:
        assert not re.search(r"\+?\d{6,}|[0-9a-f]{8}-[0-9a-f]{4}", category)  # no number, no id
        assert measure in {"contact_channel", "contact_language", "case_hours", "case_priority",
                           "case_reason", "first_reply", "outcome", "case_contact"}
        if measure == "case_contact":  # repeat contact (issue 20, item 6): no contact named
            assert category in {"repeat", "first"}


def test_no_suppressed_cell_of_the_seeded_month_can_be_worked_out(app: Flask) -> None:
    figures = november(app)
    for name, sections in PARTS_OF.items():
        known = figures["figures"][name]
        for section in sections:
            cells = figures[section]
            hidden = [key for key, value in cells.items() if value == SUPPRESSED]
            if not hidden or WITHHELD in cells or not isinstance(known, int):
                continue
            rest = known - sum(v for v in cells.values() if isinstance(v, int))
            # k hidden cells of at least 1 each adding up to `rest`: none is fixed.
            assert len(hidden) >= 2, (section, cells)
            assert rest > len(hidden), (section, cells)
