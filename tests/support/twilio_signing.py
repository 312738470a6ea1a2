"""Signs requests the way Twilio does, with Twilio's own validator, for the webhook tests."""

from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

PUBLIC_BASE_URL = "https://quietline.example.org"
SERVICE_NUMBER = "+447700900000"
SURVIVOR = "+447700900123"
_counter = itertools.count(1)


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_counter):032x}"


class TwilioSigner:
    def __init__(self, client: FlaskClient, auth_token: str) -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)

    def signature(self, path: str, params: dict[str, str]) -> str:
        return str(self.validator.compute_signature(PUBLIC_BASE_URL + path, params))

    def post(self, path: str, params: dict[str, str], signature: str | None = None,
             **kwargs: Any) -> TestResponse:
        headers = {"X-Twilio-Signature": signature if signature is not None
                   else self.signature(path, params)}
        return self.client.post(path, data=params, headers=headers, **kwargs)

    def sms_params(self, body: str, sender: str = SURVIVOR, sid: str | None = None,
                   **extra: str) -> dict[str, str]:
        params = {
            "MessageSid": sid or new_sid(),
            "AccountSid": "AC" + "1" * 32,
            "From": sender,
            "To": SERVICE_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        params.update(extra)
        return params

    def sms(self, body: str, sender: str = SURVIVOR, sid: str | None = None,
            **extra: str) -> TestResponse:
        """Send a correctly signed inbound SMS to the webhook."""
        return self.post("/webhooks/twilio/sms", self.sms_params(body, sender, sid, **extra))
