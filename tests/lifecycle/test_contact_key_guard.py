"""Production refuses to start with contact values under a key no longer listed.

Before, removing the old QUIETLINE_CONTACT_KEY too early (before `flask keys rotate-contacts`
said nothing was left) started cleanly, and every opt-out and resume word under the removed key
silently stopped being recognised: a number that had sent STOP could be answered again.
"""

from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from app.config import ConfigError, load_settings
from app.crypto import generate_key_token
from app.services import services
from tests.conftest import AppWith
from tests.safety.test_failsafe import production_environ
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def production(environ: dict[str, str], contact_keys: str) -> Flask:
    return create_app(load_settings({**environ, **production_environ(),
                                     "QUIETLINE_CONTACT_KEY": contact_keys}))


def test_a_removed_contact_key_with_values_under_it_stops_production(
        environ: dict[str, str], app_with: AppWith) -> None:
    old = environ["QUIETLINE_CONTACT_KEY"]
    texted = app_with()
    reply = TwilioSigner(texted.test_client(), environ["TWILIO_AUTH_TOKEN"]).sms(
        "STOP", sender="+447700900123")
    assert reply.status_code == 200
    new = generate_key_token()

    with pytest.raises(ConfigError, match="no longer listed in QUIETLINE_CONTACT_KEY"):
        production(environ, new)

    started = production(environ, f"{new},{old}")  # the old key still listed: fine
    with started.app_context():
        services().close()


def test_nothing_stored_under_an_old_key_starts_as_before(
        environ: dict[str, str], app_with: AppWith) -> None:
    app_with()  # the database exists, with nothing in it
    started = production(environ, generate_key_token())
    with started.app_context():
        services().close()
