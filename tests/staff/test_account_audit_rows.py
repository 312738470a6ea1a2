"""The audit rows about an account name it (issue 20, a gap left last session): created, reset,
recovery codes issued, disabled and enabled each say which account, by id in the row (an
e-mail can change) and by e-mail on the audit page and in its CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent
from tests.support.staff import make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
PASSWORD = "a long enough password for a reset"


def account_rows(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context(), services().database.session() as session:
        return [(row.action, row.purpose) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("advocate.%"),
                                     AuditEvent.actor == "admin").order_by(AuditEvent.id))]


def test_each_row_about_an_account_names_it(app: Flask) -> None:
    ana = make_advocate(app, "ana@example.org")
    with app.app_context():
        accounts = services().accounts
        accounts.reset(ana.email, PASSWORD)
        accounts.set_active(ana.email, False)
        accounts.set_active(ana.email, True)
    named = f"account:{ana.id}"
    assert account_rows(app) == [
        ("advocate.created", named), ("advocate.recovery_codes_issued", named),
        ("advocate.reset", named), ("advocate.recovery_codes_issued", named),
        ("advocate.disabled", named), ("advocate.enabled", named)]


def test_the_audit_page_and_export_show_the_account_by_e_mail(app: Flask) -> None:
    ana = make_advocate(app, "ana@example.org")
    with app.app_context():
        services().accounts.set_active(ana.email, False)
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "sup@example.org", "supervisor"))
    page = supervisor.get("/advocates/audit?action=advocate.disabled").get_data(as_text=True)
    assert "account ana@example.org" in page
    exported = supervisor.get("/advocates/audit.csv?action=advocate.disabled")
    (row,) = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert (row["who"], row["action"], row["purpose"]) == (
        "admin", "advocate.disabled", "account ana@example.org")
