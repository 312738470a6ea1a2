"""The SMS channel: Twilio's webhooks in, TwiML out. The only module that imports `twilio`.

Order of work for an inbound message (docs/architecture.md, habit 5): verify the signature before
reading or storing anything; hand the message to the conversation service, which stores it
sealed and de-duplicates on Twilio's MessageSid; answer inside the request with TwiML. If any
of that fails, the survivor still gets the fail-safe emergency reply (docs/threat-model.md, A5)
in their language when memory can tell, English second (app/conversation/failsafe.py), the
signed message goes to the sealed spool to be stored once the database is back, and the log
gets an event name and request id, never the text or the number.
"""

from __future__ import annotations

import contextlib
import logging
import re
from functools import lru_cache
from xml.sax.saxutils import escape

from flask import Blueprint, Response, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from app.content.failsafe import emergency_text
from app.conversation import optouts
from app.conversation.service import InboundMessage
from app.crypto import same_secret
from app.logs import exception_summary
from app.outbound import receipts
from app.services import services

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/webhooks/twilio")

_SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")
TWIML = "text/xml; charset=utf-8"


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# What twilio's MessagingResponse makes of no message at all.
_NOTHING = str(MessagingResponse())


def twiml(text: str | None) -> Response:
    """A TwiML reply with one message, or an empty <Response/> that sends nothing.

    Written out directly, escaped as twilio's MessagingResponse escapes it (ElementTree's
    text escaping: &, < and >); building it through ElementTree cost as much as checking the
    signature. tests/channels/test_twiml_text.py checks that the two agree."""
    body = (f"{_XML_DECLARATION}<Response><Message>{escape(text)}</Message></Response>"
            if text else _NOTHING)
    response = Response(body, status=200, mimetype="text/xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def failsafe(message: InboundMessage | None = None) -> Response:
    """The emergency reply for `message` (spooled), or for a request we could not place."""
    try:
        text = services().failsafe.answer(message)
    except Exception:  # noqa: BLE001 -- even without our services, the built-in English text
        text = emergency_text(None)
    return twiml(text)


def signature_is_valid() -> bool:
    """Check X-Twilio-Signature against the URL Twilio called.

    Twilio signs the public URL it was configured with, so behind a TLS proxy we must use
    PUBLIC_BASE_URL + path, not request.url (which would be http://127.0.0.1:8000/...).
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    settings = services().settings
    url = settings.public_base_url + request.path
    validator = _validator(settings.twilio_auth_token)
    form = request.form
    if not request.query_string:
        # The URL exactly as configured is what Twilio signs for nearly every request, so it
        # is tried first: one HMAC per genuine message. validate() below also tries the URL
        # with and without an explicit port (Twilio is not consistent about that) and handles
        # query strings, so it stays the authority whenever this first try fails.
        expected = str(validator.compute_signature(url, form))
        if same_secret(expected, signature):
            return True
    else:
        url += "?" + request.query_string.decode("latin-1")
    return bool(validator.validate(url, form, signature))


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def refuse_unsigned(event: str) -> Response:
    log.warning("event=%s result=refused request_id=%s", event, g.request_id)
    return Response("Forbidden: this address only accepts requests signed by Twilio.\n",
                    status=403, mimetype="text/plain")


@bp.post("/sms")
def inbound() -> Response:
    message = None  # set once the request is a signed message we can place
    try:
        if not signature_is_valid():
            return refuse_unsigned("sms.forged")
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        sender = form.get("From", "").strip()
        if not _SID.match(sid) or not sender:
            # Signed by Twilio but not an inbound message we can place: answer, store nothing.
            log.warning("event=sms.malformed request_id=%s", g.request_id)
            return failsafe()
        known = services().settings.deployment.sms_numbers
        if known and form.get("To") not in known:
            # Still Twilio, on our account: a number added without telling us. Answer anyway.
            log.warning("event=sms.unknown_to request_id=%s", g.request_id)
        body = form.get("Body", "")
        message = InboundMessage("sms", sender, body, sid, optouts.classify(body),
                                 reply_address=sender)
        outcome = services().conversations.handle_inbound(message)
        services().failsafe.remember(message, outcome.language)
        # What an operator needs to see the webhook is healthy, and no more: not the flow's
        # step (it says what the survivor did: "disclosure", "cover" after the duress word),
        # nor the conversation or case it joins (a log outlives an erasure, and those ids
        # would tie every line about one survivor together). docs/deploy.md, "Logs".
        log.info("event=sms.inbound request_id=%s replied=%s replayed=%s", g.request_id,
                 outcome.text is not None, outcome.replayed)
        return twiml(outcome.text)
    except HTTPException as error:
        # e.g. a body over the size limit: not Twilio, but still answered, never a trace.
        log.warning("event=sms.rejected request_id=%s status=%s", g.request_id, error.code)
        return failsafe()
    except Exception as error:  # noqa: BLE001 -- whatever broke, the survivor gets an answer
        log.error("event=sms.failsafe request_id=%s %s", g.request_id, exception_summary(error))
        return failsafe(message)


@bp.post("/status")
def status() -> Response:
    """Delivery callbacks: status only, stored once per (message, status)."""
    try:
        if not signature_is_valid():
            return refuse_unsigned("sms.status_forged")
        sid = request.form.get("MessageSid", "")
        state = request.form.get("MessageStatus", "").strip().lower()
        if not _SID.match(sid) or not receipts.is_known_status(state):
            return Response("Bad request: MessageSid and MessageStatus are required.\n",
                            status=400, mimetype="text/plain")
        recorded = receipts.record(
            services().database, sid, state, request.form.get("ErrorCode") or None
        )
        log.info("event=sms.status request_id=%s status=%s new=%s", g.request_id, state, recorded)
        return Response(status=204)
    except Exception as error:  # noqa: BLE001 -- Twilio re-tries on 5xx; we log and say so
        log.error("event=sms.status_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return Response("Temporarily unavailable.\n", status=503, mimetype="text/plain")


@bp.errorhandler(Exception)
def unhandled(error: Exception) -> Response:
    """Anything that escapes a view or a request hook here still gets the emergency reply,
    in the survivor's language when that can be known safely, English second."""
    with contextlib.suppress(Exception):  # a broken log must not cost the survivor the reply
        log.error("event=sms.failsafe request_id=%s %s", g.get("request_id", "-"),
                  exception_summary(error))
    return twiml(_last_resort_text())


def _last_resort_text() -> str:
    """The fail-safe text when a request hook broke, before the view could answer. Never raises.

    Only a message Twilio signed is treated as the survivor's: it is answered as the view's
    own fail-safe would be (the language this process last answered the number in, else a
    clear guess from its text) and spooled, so a request for a person is not lost when a hook
    fails before the view stored it (a message the view did store is found by its MessageSid
    on replay and not stored twice). An unsigned request never reaches the language memory:
    a reply in Polish to a forged "From" would tell whoever forged it that the number has
    written to us. It gets a guess from its own text at most, which tells nothing.
    """
    try:
        message = (_signed_message() if request.method == "POST"
                   and request.endpoint in ("sms.inbound", "sms.fallback") else None)
        if message is not None:
            return services().failsafe.answer(message)
        return services().failsafe.text_for_unverified(request.form.get("Body", ""))
    except Exception:  # noqa: BLE001 -- the built-in English text whatever broke
        return emergency_text(None)


@bp.route("/fallback", methods=["GET", "POST"])
def fallback() -> Response:
    """Static emergency TwiML for Twilio's Fallback URL.

    Twilio calls this when the primary webhook fails or times out. It answers without checking
    signatures: it must keep working when the secrets, the database or anything else is
    misconfigured, and it reveals nothing that is not public. Only a message Twilio signed is
    also spooled (and answered in its language when memory can tell): the primary may have
    died before it could; if it did store it, the replay finds the MessageSid and stores
    nothing twice.
    """
    try:
        message = _signed_message() if request.method == "POST" else None
    except Exception:  # noqa: BLE001 -- the emergency numbers go out whatever this was
        message = None
    return failsafe(message)


def _signed_message() -> InboundMessage | None:
    if not signature_is_valid():
        return None
    form = request.form
    sid, sender = form.get("MessageSid") or "", form.get("From", "").strip()
    if not _SID.match(sid) or not sender:
        return None
    body = form.get("Body", "")
    return InboundMessage("sms", sender, body, sid, optouts.classify(body), reply_address=sender)
