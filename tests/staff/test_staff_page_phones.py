"""An administrator sets a colleague's own phone (for safe call-backs) on the staff page (issue
20 follow-up, item 3): sealed as on the advocate's own page, audited (who, whose account, never
the number), never shown back beyond its last three digits; admins only, table-tested by role
and route; every form needs its CSRF token."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.staff import authz
from app.storage.models import Advocate, AuditEvent
from tests.staff.test_authz import member
from tests.support.calls import ADVOCATE_PHONE
from tests.support.staff import TestAdvocate, csrf, make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
FORMS_OF_THE_NUMBER = (ADVOCATE_PHONE, ADVOCATE_PHONE[1:], "07700 900456", "07700900456",
                       "7700 900456", "7700900456", "900456")


@pytest.mark.parametrize(("role", "expected"), [
    pytest.param("admin", True, id="admin"),
    pytest.param("supervisor", False, id="supervisor"),
    pytest.param("advocate", False, id="advocate"),
    pytest.param("Admin", False, id="roles-are-exact"),
    pytest.param("", False, id="no-role"),
])
def test_who_may_manage_staff(role: str, expected: bool) -> None:
    assert authz.can_manage_staff(member(role)) is expected


@pytest.fixture
def ana(app: Flask) -> TestAdvocate:
    return make_advocate(app, "ana@example.org")


def signed_in(app: Flask, email: str, role: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, make_advocate(app, email, role)).status_code == 302
    return client


def phone_of(app: Flask, advocate_id: int) -> str | None:
    with app.app_context():
        return services().phones.number(advocate_id)


def set_for(client: FlaskClient, advocate_id: int, phone: str, *,
            token: str | None = None) -> int:
    if token is None:
        token = csrf(client.get("/advocates/queue").get_data(as_text=True))
    return client.post(f"/advocates/staff/{advocate_id}/phone",
                       data={"csrf_token": token, "phone": phone}).status_code


# role, then the status of: the staff page, a colleague's phone form, saving it.
ROUTES = [
    pytest.param("admin", 200, 200, 302, id="admin"),
    pytest.param("supervisor", 403, 403, 403, id="supervisor"),
    pytest.param("advocate", 403, 403, 403, id="advocate"),
]


@pytest.mark.parametrize(("role", "listing", "form", "save"), ROUTES)
def test_the_staff_routes_by_role(app: Flask, ana: TestAdvocate, role: str, listing: int,
                                  form: int, save: int) -> None:
    client = signed_in(app, f"{role}@example.org", role)
    assert client.get("/advocates/staff").status_code == listing
    assert client.get(f"/advocates/staff/{ana.id}/phone").status_code == form
    assert set_for(client, ana.id, "07700 900456") == save
    assert phone_of(app, ana.id) == (ADVOCATE_PHONE if save == 302 else None)


def test_signed_out_the_staff_routes_go_to_sign_in(app: Flask, ana: TestAdvocate) -> None:
    client = app.test_client()
    assert client.get("/advocates/staff").status_code == 302
    assert client.get(f"/advocates/staff/{ana.id}/phone").status_code == 302


def test_saving_without_the_csrf_token_changes_nothing(app: Flask, ana: TestAdvocate) -> None:
    admin = signed_in(app, "admin@example.org", "admin")
    assert set_for(admin, ana.id, "07700 900456", token="forged") == 400
    assert admin.post(f"/advocates/staff/{ana.id}/phone",
                      data={"phone": "07700 900456"}).status_code == 400
    assert phone_of(app, ana.id) is None


def test_the_number_is_sealed_audited_and_shown_only_by_its_last_three_digits(
        app: Flask, ana: TestAdvocate) -> None:
    admin = signed_in(app, "admin@example.org", "admin")
    admin_id = services_id(app, "admin@example.org")
    assert set_for(admin, ana.id, "+44 7700 900456") == 302
    listing = admin.get(f"/advocates/staff?saved={ana.id}").get_data(as_text=True)
    form = admin.get(f"/advocates/staff/{ana.id}/phone").get_data(as_text=True)
    assert "ending … 456" in listing
    assert "Phone saved for ana@example.org" in listing
    assert "ending … 456" in form
    for page in (listing, form):
        for shape in FORMS_OF_THE_NUMBER:
            assert shape not in page
        assert "+44 … 456" not in page  # not even the country code
    with app.app_context(), services().database.session() as session:
        sealed = session.scalar(select(Advocate.phone_sealed).where(Advocate.id == ana.id))
        rows = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "advocate.phone_set")))
    assert sealed is not None
    assert b"900456" not in sealed
    (row,) = rows
    assert (row.actor, row.purpose) == (f"advocate:{admin_id}", f"account:{ana.id}")
    assert "900456" not in " ".join(str(v) for v in vars(row).values())


def test_an_empty_number_removes_the_phone_and_a_bad_one_is_refused_without_echo(
        app: Flask, ana: TestAdvocate) -> None:
    admin = signed_in(app, "admin@example.org", "admin")
    assert set_for(admin, ana.id, "07700 900456") == 302
    token = csrf(admin.get("/advocates/queue").get_data(as_text=True))
    refused = admin.post(f"/advocates/staff/{ana.id}/phone",
                         data={"csrf_token": token, "phone": "call 0770090045x"})
    assert refused.status_code == 400
    assert "0770090045x" not in refused.get_data(as_text=True)
    assert phone_of(app, ana.id) == ADVOCATE_PHONE
    assert set_for(admin, ana.id, "") == 302
    assert phone_of(app, ana.id) is None
    with app.app_context(), services().database.session() as session:
        cleared = session.scalars(select(AuditEvent.purpose).where(
            AuditEvent.action == "advocate.phone_cleared")).one()
    assert cleared == f"account:{ana.id}"


def test_an_unknown_account_is_refused(app: Flask) -> None:
    admin = signed_in(app, "admin@example.org", "admin")
    assert admin.get("/advocates/staff/999999/phone").status_code == 404


def test_an_advocate_setting_their_own_phone_is_audited_as_before(
        app: Flask, ana: TestAdvocate) -> None:
    client = app.test_client()
    sign_in(client, ana)
    token = csrf(client.get("/advocates/account/phone").get_data(as_text=True))
    client.post("/advocates/account/phone", data={"csrf_token": token, "phone": "07700 900456"})
    with app.app_context(), services().database.session() as session:
        purpose = session.scalars(select(AuditEvent.purpose).where(
            AuditEvent.action == "advocate.phone_set")).one()
    assert purpose is None


def services_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = services().accounts.find(email)
    assert found is not None
    return found.id
