"""Delivery status callbacks: signed, idempotent, status only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services import Services
from app.storage.models import DeliveryReceipt
from tests.support.sms import count
from tests.support.twilio_signing import TwilioSigner, new_sid

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

STATUS = "/webhooks/twilio/status"


def callback(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32,
            "To": "+447700900123", **extra}


def test_signed_callback_stores_the_status_only(twilio: TwilioSigner, built: Services) -> None:
    sid = new_sid()
    assert twilio.post(STATUS, callback(sid, "delivered")).status_code == 204
    with built.database.session() as session:
        receipt = session.scalars(select(DeliveryReceipt)).one()
    assert (receipt.provider_sid, receipt.status, receipt.error_code) == (sid, "delivered", None)


def test_repeated_callback_is_stored_once(twilio: TwilioSigner, built: Services) -> None:
    params = callback(new_sid(), "sent")
    assert twilio.post(STATUS, params).status_code == 204
    assert twilio.post(STATUS, params).status_code == 204
    assert count(built, DeliveryReceipt) == 1


def test_each_status_of_a_message_is_kept(twilio: TwilioSigner, built: Services) -> None:
    sid = new_sid()
    for status in ("queued", "sent", "undelivered"):
        twilio.post(STATUS, callback(sid, status, ErrorCode="30003"))
    assert count(built, DeliveryReceipt) == 3


def test_unsigned_callback_is_refused_and_stores_nothing(
    twilio: TwilioSigner, built: Services
) -> None:
    response = twilio.client.post(STATUS, data=callback(new_sid(), "delivered"))
    assert response.status_code == 403
    assert count(built, DeliveryReceipt) == 0


@pytest.mark.parametrize(("sid", "status"), [("", "sent"), ("SMnothex", "sent"),
                                             (new_sid(), ""), (new_sid(), "exploded")])
def test_bad_callback_is_a_clear_400(
    twilio: TwilioSigner, built: Services, sid: str, status: str
) -> None:
    response = twilio.post(STATUS, callback(sid, status))
    assert response.status_code == 400
    assert "MessageStatus" in response.get_data(as_text=True)
    assert count(built, DeliveryReceipt) == 0
