"""The partnership report's counters, summed by measure: what a test compares before and
after erasure or retention to show that the report did not change."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from app.services import services
from app.storage.models import ReportCount


def counted(app: Flask) -> dict[str, int]:
    with app.app_context(), services().database.session() as session:
        return {measure: int(total) for measure, total in session.execute(
            select(ReportCount.measure, func.sum(ReportCount.count))
            .group_by(ReportCount.measure))}
