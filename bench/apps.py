"""The two comparison apps bench/webhook.py runs next to the real one, under gunicorn.

- `bare()`: Flask answering the webhook path with a fixed TwiML string. The floor: what
  gunicorn, Werkzeug and Flask cost per request before any work is done.
- `reference()`: only the irreducible work for one inbound SMS. Twilio's signature check
  against the public URL, an HMAC of the number (`ContactHasher`), an AES-GCM seal of the body
  (`DataKey.seal` with a `FieldContext`), one row inserted and committed to SQLite in WAL mode
  with synchronous=FULL (`make_engine` sets those pragmas), and a TwiML reply built with
  Twilio's `MessagingResponse`.

Both read their settings from the same environment variables as the real app (DATABASE_URL,
PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN, QUIETLINE_DATA_KEYS, QUIETLINE_CONTACT_KEY), so gunicorn
can start them as `bench.apps:bare()` and `bench.apps:reference()` with PYTHONPATH at the repo
root. The reference table is created by the benchmark before gunicorn starts
(`create_reference_schema`), so the two workers never race to create it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import Flask, Response, request
from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
)
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from app.crypto import ContactHasher, DataKey, FieldContext, parse_key_token
from app.storage.db import make_engine

WEBHOOK_PATH = "/webhooks/twilio/sms"

# About the length of the real app's first reply (greeting and menu), so both send alike.
REPLY_TEXT = (
    "Hi, thanks for your message. You can delete this chat from your phone at any time.\n\n"
    "Reply with a number:\n1 Information\n2 Services near you\n3 Talk to a person\n"
    "4 Emergency options"
)

metadata = MetaData()

# One inbound message: the provider's id (unique, so a retry cannot be stored twice, as in the
# real schema), the contact's HMAC, the sealed body and when it arrived.
inbound_messages = Table(
    "bench_inbound_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("provider_sid", String(64), nullable=False, unique=True),
    Column("contact_hash", String(64), nullable=False),
    Column("body_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# Built once: constructing a statement per request is avoidable work, not irreducible work.
INSERT_INBOUND = insert(inbound_messages)


def create_reference_schema(database_url: str) -> None:
    """Create the reference app's one table (run once, before gunicorn starts)."""
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def bare() -> Flask:
    """A Flask app that answers the webhook with a fixed TwiML and does nothing else."""
    app = Flask(__name__)
    reply = MessagingResponse()
    reply.message(REPLY_TEXT)
    body = str(reply)

    @app.post(WEBHOOK_PATH)
    def inbound() -> Response:
        return Response(body, status=200, mimetype="text/xml")

    return app


def reference(environ: Mapping[str, str] | None = None) -> Flask:
    """The irreducible work for one inbound SMS, and nothing else.

    Settings come from `environ` (the process environment when gunicorn calls `reference()`).
    """
    environ = os.environ if environ is None else environ
    validator = RequestValidator(environ["TWILIO_AUTH_TOKEN"])
    public_base_url = environ["PUBLIC_BASE_URL"].rstrip("/")
    hasher = ContactHasher(environ["QUIETLINE_CONTACT_KEY"])
    first_data_key = environ["QUIETLINE_DATA_KEYS"].split(",")[0]
    data_key = DataKey(parse_key_token(first_data_key))
    engine = make_engine(environ["DATABASE_URL"])
    app = Flask(__name__)

    @app.post(WEBHOOK_PATH)
    def inbound() -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        # Twilio signs the public URL it called, as app/channels/sms.py checks it.
        if not signature or not validator.validate(
            public_base_url + request.path, request.form, signature
        ):
            return Response("Forbidden\n", status=403, mimetype="text/plain")
        form = request.form
        row_id = uuid.uuid4()
        row = {
            "id": row_id,
            "provider_sid": form.get("MessageSid", ""),
            "contact_hash": hasher.hash("sms", form.get("From", "").strip()),
            "body_sealed": data_key.seal(
                form.get("Body", ""), FieldContext("bench_inbound_messages", "body", str(row_id))
            ),
            "created_at": datetime.now(UTC),
        }
        with engine.begin() as connection:
            connection.execute(INSERT_INBOUND, row)
        reply = MessagingResponse()
        reply.message(REPLY_TEXT)
        response = Response(str(reply), status=200, mimetype="text/xml")
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
