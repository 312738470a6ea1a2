"""The "Give to" list (issue 20, a gap left last session): it offers nobody who would be refused
or who already holds the case, and when nobody is left it says so instead of an empty list and
a button that can only fail."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app.services import services
from app.staff.accounts import StaffMember
from tests.support.cases import open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def offered(page: str) -> list[str] | None:
    """The e-mails in the reassign form's list; None when the page has no such list."""
    found = re.search(r'<select id="to" name="to">(.*?)</select>', page, re.S)
    return None if found is None else re.findall(r"<option>([^<]+)</option>", found.group(1))


@pytest.mark.parametrize("where", ["manage", ""])
def test_nobody_else_to_give_the_case_to_is_said_in_words(
        app: Flask, twilio: TwilioSigner, where: str) -> None:
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    path = f"/advocates/cases/{case_id}/{where}".rstrip("/")
    page = supervisor.get(path + ("" if where else "?purpose=supervision")).get_data(as_text=True)
    assert offered(page) is None
    assert 'id="nobody-to-give"' in page
    assert f'action="/advocates/cases/{case_id}/reassign"' not in page


def test_the_list_leaves_out_the_giver_and_the_holder(app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    make_advocate(app, "b@example.org")
    make_advocate(app, "c@example.org", "supervisor")
    make_advocate(app, "admin@example.org", "admin")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    page = supervisor.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert offered(page) == ["b@example.org", "c@example.org"]
    assert 'id="nobody-to-give"' not in page
