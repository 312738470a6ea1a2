"""The soak's advocates (bench/soak.py): sign in through the staff pages, claim cases from the
queue and reply, counting what holds them up.
"""


import contextlib
import itertools
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up

from app.crypto import Totp  # noqa: E402
from bench.soak_replies import (  # noqa: E402
    Accepted,
    next_case,
)
from bench.soak_stack import Stack  # noqa: E402
from bench.soak_survivors import Ledger  # noqa: E402

# A case whose page or reply form keeps failing is left after this many tries, so it cannot
# hold its advocate for the rest of the run (the stalls are counted and reported).
CASE_TRIES = 3
PASSWORD = "soak-password-" + "x" * 12  # noqa: S105 -- a throwaway account on a private stack


# --- advocates ---------------------------------------------------------------------------

class Advocate:
    def __init__(self, stack: Stack, ledger: Ledger, number: int) -> None:
        self.stack = stack
        self.ledger = ledger
        self.number = number
        email = f"soak{number}@example.org"
        out = stack.run_flask("advocates", "create", email, "--role", "advocate",
                              "--password-stdin", stdin=PASSWORD + "\n")
        found = re.search(r"secret=([A-Z2-7]+)", out)
        if found is None:
            raise RuntimeError("advocates create printed no TOTP secret")
        self.email, self.secret = email, found.group(1)
        self.session = requests.Session()
        self.references = itertools.count(1)
        self.replied: set[int] = set()
        self.failed: Counter[int] = Counter()  # tries that stalled, per case
        self.given_up: set[int] = set()

    def sign_in(self) -> None:
        for _ in range(30):
            with contextlib.suppress(requests.RequestException):
                page = self.session.get(self.stack.url + "/advocates/login", timeout=15)
                token = csrf(page.text)
                done = self.session.post(self.stack.url + "/advocates/login", timeout=15,
                                         allow_redirects=False, data={
                    "csrf_token": token, "email": self.email, "password": PASSWORD,
                    "code": Totp.code_at(self.secret, time.time())})
                if done.status_code == 302:
                    return
            time.sleep(2.0)  # a TOTP code is used once: wait for the next one
        raise RuntimeError("an advocate could not sign in")

    def work(self, stop: threading.Event) -> None:
        self.sign_in()
        while not stop.is_set():
            try:
                self.shift()
            except (requests.RequestException, ValueError, KeyError) as error:
                self.ledger.stall(f"queue: {type(error).__name__}")
            stop.wait(1.0)

    def shift(self) -> None:
        answer = self.session.get(self.stack.url + "/advocates/queue.json", timeout=15,
                                  allow_redirects=False)
        if answer.status_code in (302, 401, 403):
            self.sign_in()
            return
        if answer.status_code != 200:
            self.ledger.stall(f"queue.json {answer.status_code}")
            return
        cases = answer.json()["cases"]
        with self.ledger.lock:
            accepted = Counter(self.ledger.accepted_by_channel)
        case = next_case(cases, accepted)
        if case is not None:
            token = csrf(self.session.get(self.stack.url + "/advocates/queue",
                                           timeout=15).text)
            self.session.post(f"{self.stack.url}/advocates/cases/{case['id']}/claim",
                              data={"csrf_token": token}, timeout=15,
                              allow_redirects=False)
        mine = [c for c in cases if c.get("mine")
                and int(c["id"]) not in self.replied | self.given_up]
        if mine:
            self.try_reply(int(mine[0]["id"]), str(mine[0].get("channel", "")))

    def try_reply(self, case_id: int, channel: str) -> None:
        """Reply once to a claimed case; a case that stalls CASE_TRIES times is left."""
        try:
            done = self.reply(case_id, channel)
        except (requests.RequestException, KeyError) as error:
            self.ledger.stall(f"reply: {type(error).__name__}")
            done = False
        if not done:
            self.failed[case_id] += 1
            if self.failed[case_id] >= CASE_TRIES:
                self.given_up.add(case_id)
                self.ledger.stall("case left after repeated stalls")

    def reply(self, case_id: int, channel: str) -> bool:
        """False if the case page did not open (a stall: tried again later)."""
        page = self.session.get(f"{self.stack.url}/advocates/cases/{case_id}", timeout=15)
        if page.status_code != 200:
            self.ledger.stall(f"case page {page.status_code}")
            return False
        reference = f"{self.number}-{next(self.references)}"
        text = f"Thanks for your message. We can talk when you are ready. Ref {reference}"
        done = self.session.post(f"{self.stack.url}/advocates/cases/{case_id}/reply",
                                 data={"csrf_token": csrf(page.text), "text": text},
                                 timeout=15, allow_redirects=False)
        self.replied.add(case_id)
        with self.ledger.lock:
            if done.status_code == 302:
                self.ledger.replies[reference] = Accepted(reference, case_id, channel)
                self.ledger.accepted_by_channel[channel] += 1
            else:
                self.ledger.refused_replies += 1
        return True


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'data-csrf="([^"]+)"', page)
    if found is None:
        raise KeyError("no CSRF token")
    return found.group(1)
