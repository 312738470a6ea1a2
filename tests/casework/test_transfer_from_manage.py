"""Handing a case over from the supervisor's manage page (issue 20 follow-up, item 6): with a
note, to a colleague on shift, without reading the case (no transcript audit row, no earlier
note shown); admins may still reassign there but hand nothing over with a note."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.casework.test_handover import NOTE, audit_rows, holder, signed_in
from tests.support.cases import claim, open_case
from tests.support.records import audit_rows as rows_of
from tests.support.staff import csrf
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def receivers(page: str) -> list[str]:
    found = re.search(r'<select id="transfer-to" name="to" required>(.*?)</select>', page)
    return re.findall(r"<option>([^<]+)</option>", found.group(1)) if found else []


def test_a_supervisor_hands_a_case_over_from_the_manage_page_without_reading_it(
        app: Flask, twilio: TwilioSigner) -> None:
    ana_client, ana = signed_in(app, "ana@example.org")
    case_id = open_case(twilio)
    assert claim(ana_client, case_id).status_code == 302
    _bea_client, bea = signed_in(app, "bea@example.org")
    supervisor, sue = signed_in(app, "sue@example.org", "supervisor")

    page = supervisor.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert 'id="transfer"' in page
    assert set(receivers(page)) == {bea.email}  # not ana, who holds it already
    handed = supervisor.post(f"/advocates/cases/{case_id}/transfer", data={
        "csrf_token": csrf(page), "to": bea.email, "note": NOTE, "from": "manage"})
    assert handed.status_code == 302
    assert handed.headers["Location"].endswith(f"/advocates/cases/{case_id}/manage?handed=1")
    assert holder(app, case_id) == bea.id
    after = supervisor.get(handed.headers["Location"]).get_data(as_text=True)
    assert "Handed over to bea@example.org" in after
    assert "Marigold" not in after  # the manage page shows no note
    assert audit_rows(app) == [(f"advocate:{sue.id}", "case.transferred", None)]
    assert [r.actor for r in rows_of(app, "transcript.viewed")] == []


def test_a_transfer_from_the_manage_page_needs_a_note(app: Flask, twilio: TwilioSigner) -> None:
    ana_client, _ana = signed_in(app, "ana@example.org")
    case_id = open_case(twilio)
    claim(ana_client, case_id)
    _bea_client, bea = signed_in(app, "bea@example.org")
    supervisor, _sue = signed_in(app, "sue@example.org", "supervisor")
    page = supervisor.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    refused = supervisor.post(f"/advocates/cases/{case_id}/transfer", data={
        "csrf_token": csrf(page), "to": bea.email, "note": "  ", "from": "manage"})
    assert refused.status_code == 409
    assert holder(app, case_id) != bea.id


def test_an_admin_reassigns_from_the_manage_page_but_hands_nothing_over(
        app: Flask, twilio: TwilioSigner) -> None:
    ana_client, _ana = signed_in(app, "ana@example.org")
    case_id = open_case(twilio)
    claim(ana_client, case_id)
    signed_in(app, "bea@example.org")
    admin, _adm = signed_in(app, "adm@example.org", "admin")
    page = admin.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert "Reassign" in page
    assert 'id="transfer"' not in page


def test_the_holder_hands_over_from_the_manage_page_too(app: Flask, twilio: TwilioSigner) -> None:
    ana_client, _ana = signed_in(app, "ana@example.org")
    case_id = open_case(twilio)
    claim(ana_client, case_id)
    _bea_client, bea = signed_in(app, "bea@example.org")
    page = ana_client.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert receivers(page) == [bea.email]
