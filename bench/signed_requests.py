"""Inbound-SMS webhook requests, signed the way Twilio signs them, each with a new MessageSid."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.apps import WEBHOOK_PATH

PUBLIC_BASE_URL = "https://quietline.example.org"
SERVICE_NUMBER = "+447700900000"
ACCOUNT_SID = "AC" + "5" * 32
SEED = 20261125
SENDERS = 200
BODIES = (
    "hello", "hello", "hi", "1", "1", "2", "2", "3", "person", "menu",
    "Is anyone there?", "I don't feel safe at home", "thanks", "2", "1", "4",
)
# The request lists are sized for this rate, well above what two sync workers sustain here, so
# a round never runs out of fresh MessageSids; wrk reports it if one ever does.
LIST_RATE = 8000

# The other parameters Twilio sends with an inbound SMS to a UK number.
STATIC_PARAMS = {
    "ToCountry": "GB", "ToState": "", "NumMedia": "0", "ToCity": "", "FromZip": "",
    "FromState": "", "SmsStatus": "received", "FromCity": "", "FromCountry": "GB",
    "To": SERVICE_NUMBER, "ToZip": "", "NumSegments": "1", "AccountSid": ACCOUNT_SID,
    "ApiVersion": "2010-04-01",
}
STATIC_BODY = urlencode(STATIC_PARAMS)


def round_list_size(seconds: int) -> int:
    """How many requests to sign for a round of `seconds`."""
    return math.ceil(seconds * LIST_RATE) + 1000


@dataclass(frozen=True)
class SignedRequest:
    signature: str
    body: str  # application/x-www-form-urlencoded


class RequestFactory:
    """Signed inbound-SMS webhook requests, each with a MessageSid never used before."""

    def __init__(self, auth_token: str, seed: int = SEED) -> None:
        self.validator = RequestValidator(auth_token)
        self.url = PUBLIC_BASE_URL + WEBHOOK_PATH
        self.random = random.Random(seed)
        # A random prefix per run plus a counter: unique within the run, and across runs.
        self.prefix = secrets.token_hex(4)
        self.counter = 0

    def varying(self) -> dict[str, str]:
        """The parameters that change from message to message."""
        self.counter += 1
        sid = f"SM{self.prefix}{self.counter:024x}"
        return {
            "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
            "From": f"+447700900{self.random.randrange(100, 100 + SENDERS):03d}",
            "Body": self.random.choice(BODIES),
        }

    def make(self) -> SignedRequest:
        varying = self.varying()
        signature = str(self.validator.compute_signature(self.url, {**STATIC_PARAMS, **varying}))
        # Encoding only the varying part keeps signing a few hundred thousand requests quick.
        return SignedRequest(signature, f"{STATIC_BODY}&{urlencode(varying)}")

    def batch(self, count: int) -> list[SignedRequest]:
        return [self.make() for _ in range(count)]

    def write(self, path: Path, count: int) -> None:
        """Write `count` new requests, one `signature<TAB>body` line each, for the Lua script."""
        with path.open("w", encoding="ascii") as handle:
            for _ in range(count):
                request = self.make()
                handle.write(f"{request.signature}\t{request.body}\n")
