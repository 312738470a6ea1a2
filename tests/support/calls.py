"""Safe call-backs for tests: a survivor who asked to be called, an advocate with a phone, and
Twilio's voice webhooks signed as Twilio signs them (URL with its query string)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.cases import claim, latest_case
from tests.support.staff import csrf, csrf_from
from tests.support.twilio_signing import PUBLIC_BASE_URL, SURVIVOR, TwilioSigner

ADVOCATE_PHONE = "+447700900456"
# Tuesday 10:00 (the `advocate` fixture's clock) is inside the first and outside the second.
OPEN_WINDOW = "daily 09:00-12:00"
CLOSED_WINDOW = "mon-fri 18:00-20:00"
# "3" asks for a person, "1" says it is safe now, "2" asks to be called at a safe time.
CALL_BACK_FLOW = ("hello", "3", "1", "2", "weekday evenings", "3")


def asks_for_a_call(twilio: TwilioSigner, sender: str = SURVIVOR) -> int:
    """A survivor texts and chooses "call me at a safe time"; returns the case id."""
    for body in CALL_BACK_FLOW:
        assert twilio.sms(body, sender=sender).status_code == 200
    return latest_case(twilio)


def set_window(client: FlaskClient, case_id: int, window: str) -> TestResponse:
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/window",
                       data={"csrf_token": csrf(page), "window": window})


def set_phone(client: FlaskClient, phone: str = ADVOCATE_PHONE) -> TestResponse:
    token = csrf_from(client, "/advocates/account/phone")
    return client.post("/advocates/account/phone", data={"csrf_token": token, "phone": phone})


def call_back_case(twilio: TwilioSigner, advocate: FlaskClient,
                   window: str = OPEN_WINDOW, sender: str = SURVIVOR) -> int:
    """A survivor who asked for a call, a case the advocate holds with `window` confirmed and
    the advocate's phone set."""
    case_id = asks_for_a_call(twilio, sender)
    assert claim(advocate, case_id).status_code in (200, 302)
    assert set_window(advocate, case_id, window).status_code == 302
    assert set_phone(advocate).status_code == 302
    return case_id


def call_now(client: FlaskClient, case_id: int) -> TestResponse:
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/call", data={"csrf_token": csrf(page)})


def webhook_path(url: str) -> str:
    """The path and query of a webhook URL the service gave Twilio."""
    assert url.startswith(PUBLIC_BASE_URL), url
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def call_id_of(url: str) -> int:
    found = re.search(r"[?&]call=(\d+)$", url)
    assert found is not None, url
    return int(found.group(1))


def voice(twilio: TwilioSigner, url: str, call_sid: str, **params: str) -> TestResponse:
    """Twilio posting to one of the voice webhook URLs, signed over the full URL."""
    form = {"CallSid": call_sid, "AccountSid": "AC" + "1" * 32, "From": "+447700900000",
            "To": ADVOCATE_PHONE, "Direction": "outbound-api", **params}
    return twilio.post(webhook_path(url), form)
