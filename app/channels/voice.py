"""The voice channel: Twilio's webhooks for safe call-backs, TwiML out.

The call service (app/casework/callbacks.py) rings the advocate's own phone; these answer
Twilio as that call goes on. Same order as SMS (docs/architecture.md, habit 5): the signature
is checked with Twilio's validator against PUBLIC_BASE_URL + path + query before anything is
read (a forged request is 403 and changes nothing); each URL names one call by our id, never a
number; the service's conditional updates make a retried webhook change nothing twice.

What people hear (docs/threat-model.md, A1 and A2): the advocate hears one short neutral line
and is asked to press 1 (an advocate's voicemail never presses 1, so it is never connected to
the survivor); the survivor hears only their phone ringing from the service's number, then
the advocate, whose first words are theirs to choose (the case page reminds them). If the
gate has closed, or anything fails, the advocate hears that the call cannot go ahead and
Twilio hangs up: a failure never dials anyone. Nothing here logs the form, which holds both
numbers.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.casework.callbacks import VOICE_PATH, Step
from app.channels.sms import refuse_unsigned, signature_is_valid
from app.logs import exception_summary
from app.services import services

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix=VOICE_PATH)

_CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
_MAX_ID = 2**31 - 1
LANGUAGE = "en-GB"
# Said to the advocate only. Neutral: the advocate may be on a bus.
READY = "Your call is ready. Press 1 to connect now, or hang up to cancel."
NO_KEY = "No key was pressed. Goodbye."
CANNOT_GO_AHEAD = "The call cannot go ahead now. Please check the case. Goodbye."
# Anyone who calls the service's number back (the survivor, or whoever has their phone) hears
# this, and nothing that names the service or what it is for.
INBOUND = "Sorry, this number cannot take calls. Goodbye."


def twiml(reply: VoiceResponse) -> Response:
    response = Response(str(reply), status=200, mimetype="text/xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def said(text: str) -> Response:
    reply = VoiceResponse()
    reply.say(text, language=LANGUAGE)
    reply.hangup()
    return twiml(reply)


def _placed() -> tuple[int, str] | None:
    """The call id in the URL and Twilio's CallSid in the form, if both are well formed."""
    raw, sid = request.args.get("call", ""), request.form.get("CallSid", "")
    if not raw.isdecimal() or not 0 < int(raw) <= _MAX_ID or not _CALL_SID.match(sid):
        return None
    return int(raw), sid


def answer_for(step: Step, call_id: int) -> Response:
    reply = VoiceResponse()
    calls = services().calls
    if step.action == "confirm":
        gather = reply.gather(num_digits=1, action=calls.url("connect", call_id),
                              method="POST", timeout=10)
        gather.say(READY, language=LANGUAGE)
        reply.say(NO_KEY, language=LANGUAGE)
        reply.hangup()
    elif step.action == "dial" and step.number and step.caller_id:
        # The caller ID is the service's number, so the survivor never sees the advocate's;
        # the advocate's phone shows the same number, so they never see the survivor's.
        dial = reply.dial(caller_id=step.caller_id, action=calls.url("dialled", call_id),
                          method="POST", timeout=25)
        dial.number(step.number)
    elif step.action == "stop":
        return said(CANNOT_GO_AHEAD)
    else:
        reply.hangup()
    return twiml(reply)


@bp.post("/answer")
def answer() -> Response:
    """The advocate's phone answered."""
    if not signature_is_valid():
        return refuse_unsigned("voice.forged")
    placed = _placed()
    if placed is None:
        return said(CANNOT_GO_AHEAD)
    step = services().calls.answered(*placed)
    log.info("event=voice.answer request_id=%s call=%s step=%s", g.request_id, placed[0],
             step.action)
    return answer_for(step, placed[0])


@bp.post("/connect")
def connect() -> Response:
    """The advocate pressed a key: the gate again, then dial the survivor or stop."""
    if not signature_is_valid():
        return refuse_unsigned("voice.forged")
    placed = _placed()
    if placed is None:
        return said(CANNOT_GO_AHEAD)
    step = services().calls.connect(*placed, request.form.get("Digits", ""))
    log.info("event=voice.connect request_id=%s call=%s step=%s", g.request_id, placed[0],
             step.action)
    return answer_for(step, placed[0])


@bp.post("/dialled")
def dialled() -> Response:
    """The <Dial> to the survivor ended: how, then hang up."""
    if not signature_is_valid():
        return refuse_unsigned("voice.forged")
    placed = _placed()
    if placed is not None:
        services().calls.dialled(*placed, request.form.get("DialCallStatus", "").lower(),
                                 request.form.get("DialCallSid", ""))
    reply = VoiceResponse()
    reply.hangup()
    return twiml(reply)


@bp.post("/status")
def status() -> Response:
    """The advocate's call ended (Twilio's status callback)."""
    try:
        if not signature_is_valid():
            return refuse_unsigned("voice.status_forged")
        placed = _placed()
        if placed is None:
            return Response("Bad request: call and CallSid are required.\n", status=400,
                            mimetype="text/plain")
        services().calls.leg_status(*placed, request.form.get("CallStatus", "").lower())
        log.info("event=voice.status request_id=%s call=%s", g.request_id, placed[0])
        return Response(status=204)
    except Exception as error:  # noqa: BLE001 -- Twilio re-tries on 5xx; we log and say so
        log.error("event=voice.status_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return Response("Temporarily unavailable.\n", status=503, mimetype="text/plain")


@bp.post("/inbound")
def inbound() -> Response:
    """Someone called the service's number (the caller ID they saw on a call-back)."""
    if not signature_is_valid():
        return refuse_unsigned("voice.forged")
    log.info("event=voice.inbound request_id=%s", g.request_id)
    return said(INBOUND)


@bp.errorhandler(Exception)
def unhandled(error: Exception) -> Response:
    """Whatever failed, nobody is dialled: the advocate hears that the call cannot go ahead."""
    log.error("event=voice.failed request_id=%s %s", g.get("request_id", "-"),
              exception_summary(error))
    return said(CANNOT_GO_AHEAD)
