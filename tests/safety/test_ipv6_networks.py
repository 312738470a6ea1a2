"""Allowances counted per network address hold against a client with a whole IPv6 /64
(app/networks.py; docs/threat-model.md, A2 and A3).

Before: each IPv6 address was counted on its own. A home line or the cheapest rented server
has a /64 and can send every request from a new address in it, so the staff sign-in's
per-address hold-back and "one wrong try per address at a guarded e-mail", the wrong-code
limit per address and the web chat's flood allowance per address each gave that client a
fresh allowance per request. Now an IPv6 address counts as its /64, as one IPv4 address does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.code_words import code_words
from app.networks import network_of
from tests.advocates.test_sign_in_lockout import WRONG, attempt, proxied, right
from tests.conftest import MovableClock
from tests.conversation.test_floods import NOTICE, chat
from tests.support.return_codes import come_back_later, resume
from tests.support.staff import make_advocate

__all__ = ["proxied"]  # the fixture, imported so this module's tests can use it

TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# One client's /64 (documentation addresses, RFC 3849), and another network.
ONE_NETWORK = [f"2001:db8:a:b::{n:x}" for n in range(1, 200)]
ELSEWHERE = "2001:db8:ffff:1::1"


@pytest.mark.parametrize(("address", "network"), [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:a:b::1", "2001:db8:a:b::/64"),
    ("2001:db8:a:b:ffff:ffff:ffff:ffff", "2001:db8:a:b::/64"),
    ("2001:DB8:A:B:0:0:0:1", "2001:db8:a:b::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("fe80::1%eth0", "fe80::/64"),
    (" 192.0.2.7 ", "192.0.2.7"),
    ("unknown", "unknown"),
    ("", ""),
])
def test_an_address_is_counted_as_its_network(address: str, network: str) -> None:
    assert network_of(address) == network


def test_staff_sign_in_counts_a_v6_network_not_each_address(
        proxied: Flask, clock: MovableClock) -> None:  # noqa: F811 -- the imported fixture
    advocate = make_advocate(proxied, "a@example.org")
    # Ten wrong guesses, each from a new address in one /64 (the tenth uses the network's
    # last slot, so it already says "locked until", as from one IPv4 address)...
    statuses = [attempt(proxied, address, advocate.email, WRONG, "123456").status_code
                for address in ONE_NETWORK[:10]]
    assert statuses == [401] * 9 + [429]
    # ...and that network is held back, as one IPv4 address would be: another address in it
    # does not get a fresh try, not even with the right password and code.
    assert right(proxied, advocate, ONE_NETWORK[50], clock).status_code == 429
    # The owner, on another network, still signs in.
    assert right(proxied, advocate, ELSEWHERE, clock).status_code == 302


def test_wrong_codes_count_a_v6_network_not_each_address(app: Flask) -> None:
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    words = code_words()
    for n in range(10):  # [webchat] wrong_codes_per_address; a new first word each time
        status, _ = resume(app.test_client(), f"{words[n * 7]} {words[n * 3 + 1]} {words[5]}",
                           address=ONE_NETWORK[n])
        assert status == 400
    status, answer = resume(app.test_client(), came.code, address=ONE_NETWORK[99])
    assert (status, answer["error"]) == (429, "busy")
    assert resume(app.test_client(), came.code, address=ELSEWHERE)[0] == 200


def test_the_chat_flood_allowance_counts_a_v6_network_not_each_address(
        client: FlaskClient, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)  # the allowance does not refill while the test runs
    # A fresh conversation per message, each from a new address in one /64: only the
    # per-address allowance ([floods] address_burst, 30) can notice.
    answers = [chat(client, "hello", address=address)["replies"]
               for address in ONE_NETWORK[:35]]
    last = answers[-1]
    assert isinstance(last, list)
    assert last[0].startswith(NOTICE), last
    elsewhere = chat(client, "hello", address=ELSEWHERE)["replies"]
    assert isinstance(elsewhere, list)
    assert not elsewhere[0].startswith(NOTICE)
