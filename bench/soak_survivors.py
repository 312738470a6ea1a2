"""The soak's survivors (bench/soak.py): signed SMS to the real webhook and the web chat's own
requests, the conversation paths they follow, and the ledger of everything sent.
"""


import contextlib
import itertools
import random
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up
from twilio.request_validator import RequestValidator  # noqa: E402

from app.content.failsafe import EMERGENCY_TEXT_EN  # noqa: E402
from bench.signed_requests import ACCOUNT_SID, PUBLIC_BASE_URL, SERVICE_NUMBER  # noqa: E402
from bench.soak_replies import (  # noqa: E402
    Accepted,
)
from bench.soak_stack import Stack  # noqa: E402

WEBHOOK_PATH = "/webhooks/twilio/sms"
FAILSAFE_MARK = EMERGENCY_TEXT_EN[:40]

SMS_PATH = ["hello", "1", "2", "person", "it has been really hard at home lately", "3",
            "is anyone there", "thank you", "menu", "2", "I am scared of what he will do",
            "ok", "4", "hello again", "person", "thanks", "1", "menu", "3", "bye"]
CHAT_PATH = ["hi", "1", "person", "I need to talk to someone", "2", "thank you", "menu",
             "3", "is anyone there", "ok"]


# --- the record of what was sent ----------------------------------------------------------

@dataclass
class Sent:
    survivor: str        # the number, or "chat:<n>"
    provider_id: str     # MessageSid or the chat message id
    text: str
    at: float            # time.monotonic() when first sent
    ms: float = 0.0      # to the answer (of the last try)
    status: int = 0
    tries: int = 0
    failsafe: bool = False
    empty: bool = False  # answered with no message (STOP, START, while opted out)
    epoch: int = 0       # erasures of this survivor before this message


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[Sent] = field(default_factory=list)
    erasures: Counter[str] = field(default_factory=Counter)
    replies: dict[str, Accepted] = field(default_factory=dict)  # by reference
    accepted_by_channel: Counter[str] = field(default_factory=Counter)
    refused_replies: int = 0
    stalls: Counter[str] = field(default_factory=Counter)  # what held an advocate up
    warm_up_sids: list[str] = field(default_factory=list)
    warm_up_numbers: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)

    def stall(self, what: str) -> None:
        with self.lock:
            self.stalls[what] += 1

    def event(self, what: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), what))
        print(f"  [{time.strftime('%H:%M:%S')}] {what}", flush=True)


# --- survivors ---------------------------------------------------------------------------

class Survivors:
    """Signed SMS to the real webhook, and the web chat's own requests, each retried (same
    provider id) after a connection error or a 5xx, as Twilio and the chat's page do."""

    def __init__(self, stack: Stack, ledger: Ledger) -> None:
        self.stack = stack
        self.ledger = ledger
        self.validator = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"])
        self.local = threading.local()
        self.chat_tokens: dict[str, str] = {}
        self.sids = itertools.count(1)
        self.prefix = secrets.token_hex(6)

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def sms(self, number: str, text: str) -> None:
        sid = f"SM{self.prefix}{next(self.sids):020x}"
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": number,
                  "To": SERVICE_NUMBER, "Body": text, "NumMedia": "0", "NumSegments": "1"}
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + WEBHOOK_PATH, params)
        with self.ledger.lock:
            record = Sent(number, sid, text, time.monotonic(),
                          epoch=self.ledger.erasures[number])
            self.ledger.sent.append(record)
        for attempt in range(1, 6):
            record.tries = attempt
            started = time.monotonic()
            try:
                answer = self.session().post(
                    self.stack.url + WEBHOOK_PATH, data=params, timeout=15,
                    headers={"X-Twilio-Signature": signature})
            except requests.RequestException:
                record.status = 0
                time.sleep(1.0)
                continue
            record.ms = (time.monotonic() - started) * 1000
            record.status = answer.status_code
            if answer.status_code < 500:
                messages = [m.text or "" for m in
                            ElementTree.fromstring(answer.text).iter("Message")]  # noqa: S314
                record.empty = not messages
                record.failsafe = any(FAILSAFE_MARK in m for m in messages)
                return
            time.sleep(1.0)

    def chat(self, name: str, text: str) -> None:
        session = self.session()
        token = self.chat_tokens.get(name)
        if token is None:
            token = self._post(session, "/chat/start", {})["token"]
            self.chat_tokens[name] = token
        message_id = secrets.token_hex(16)
        with self.ledger.lock:
            record = Sent(name, "WB" + message_id, text, time.monotonic(),
                          epoch=self.ledger.erasures[name])
            self.ledger.sent.append(record)
        for attempt in range(1, 6):
            record.tries = attempt
            started = time.monotonic()
            try:
                answer = session.post(self.stack.url + "/chat/send", timeout=15, json={
                    "token": token, "id": message_id, "text": text, "language": "en"})
            except requests.RequestException:
                time.sleep(1.0)
                continue
            record.ms = (time.monotonic() - started) * 1000
            record.status = answer.status_code
            if answer.status_code < 500:
                body = answer.text
                record.failsafe = FAILSAFE_MARK in body
                self.poll(name)
                return
            time.sleep(1.0)

    def poll(self, name: str) -> None:
        """What the open chat page does every few seconds: fetch replies waiting for it."""
        token = self.chat_tokens.get(name)
        if token is None:
            return
        with contextlib.suppress(requests.RequestException):
            self.session().post(self.stack.url + "/chat/poll", json={"token": token},
                                timeout=15)

    def erase_chat(self, name: str) -> None:
        token = self.chat_tokens.pop(name, None)
        if token is None:
            return
        with self.ledger.lock:
            self.ledger.erasures[name] += 1
        for _ in range(5):
            try:
                answer = self.session().post(self.stack.url + "/chat/erase", timeout=15,
                                             json={"token": token, "language": "en"})
            except requests.RequestException:
                time.sleep(1.0)
                continue
            if answer.status_code < 500:
                return
            time.sleep(1.0)

    def _post(self, session: requests.Session, path: str, payload: dict[str, Any]
              ) -> dict[str, Any]:
        for _ in range(10):
            with contextlib.suppress(requests.RequestException, ValueError):
                answer = session.post(self.stack.url + path, json=payload, timeout=15)
                if answer.status_code < 500:
                    result: dict[str, Any] = answer.json()
                    return result
            time.sleep(1.0)
        raise RuntimeError(f"{path} never answered")


def scripts(sms_count: int, chat_count: int, survivors: int, rng: random.Random
            ) -> list[tuple[str, str]]:
    """(survivor, text) in the order they are sent: each survivor's path interleaved with
    everyone else's. About one SMS survivor in ten erases (delete, 1) midway, one in seven
    sends STOP and later START; one chat survivor in ten erases."""
    sms_people = [f"+447700900{n:03d}" for n in range(100, 100 + survivors * 4 // 5)]
    chat_people = [f"chat:{n}" for n in range(survivors - len(sms_people))]
    queues: dict[str, list[str]] = {}
    per_sms = max(1, sms_count // len(sms_people))
    for index, person in enumerate(sms_people):
        path = list(itertools.islice(itertools.cycle(SMS_PATH), per_sms))
        if index % 10 == 3 and per_sms > 8:
            path[per_sms // 2:per_sms // 2] = ["delete", "1"]
        if index % 7 == 5 and per_sms > 12:
            path[per_sms // 3:per_sms // 3] = ["STOP"]
            path[per_sms // 3 + 3:per_sms // 3 + 3] = ["START"]
        queues[person] = path[:max(per_sms, 1) + 3]
    per_chat = max(1, chat_count // max(1, len(chat_people)))
    for index, person in enumerate(chat_people):
        path = list(itertools.islice(itertools.cycle(CHAT_PATH), per_chat))
        if index % 10 == 4 and per_chat > 6:
            path[per_chat // 2:per_chat // 2] = ["<erase>"]
        queues[person] = path
    order: list[tuple[str, str]] = []
    pending = {person: iter(path) for person, path in queues.items()}
    while pending:
        for person in rng.sample(sorted(pending), len(pending)):
            text = next(pending[person], None)
            if text is None:
                del pending[person]
            else:
                order.append((person, text))
    return order
