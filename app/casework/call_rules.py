"""Safe call-backs, the pure part: may this survivor be called now, and what each outcome means.

docs/threat-model.md, A2: a call is the most exposing thing the service can do. The survivor's
phone rings aloud, perhaps in the abuser's hand. So a call needs everything a text needs
(`outbound_gate.decide`: no STOP, pause, duress/cover mode, erasure, resume word pending,
information only, inside the confirmed window) and more: the survivor wrote by SMS (a web
chat has no number), chose "call me at a safe time" themselves, and an advocate confirmed the
window. No clock of its own: `now` is an argument.
"""

from __future__ import annotations

from datetime import datetime

from app.casework import outbound_gate
from app.casework.outbound_gate import Circumstances, Gate

# Reasons only a call has, in the words the case page shows.
CALL_EXPLANATIONS = {
    "not_by_phone": "The survivor wrote through the web chat: there is no number to call.",
    "no_call_asked": "The survivor did not ask to be called. Only someone who chose \"call "
                     "me at a safe time\" is called.",
    "needs_window": "The survivor asked to be called at a safe time: confirm their safe time "
                    "on the case first.",
    "not_holder": "Only the advocate who holds the case can call.",
    "no_address": "There is no number on this conversation.",
    "outside_window": "Outside the survivor's safe time.",
    "paused": "The survivor said it is not safe now: no call until they write again.",
    "information_only": "The survivor asked for information only: no call until they write "
                        "again.",
}

# How a call ended, as the case page says it. No number, no duration of anyone's silence.
OUTCOMES = {
    "advocate_no_answer": "Your phone did not answer, so the survivor was not called.",
    "not_connected": "Your phone answered but 1 was not pressed, so the survivor was not "
                     "called.",
    "stopped": "Stopped before the survivor was called.",
    "survivor_answered": "Connected: the survivor answered.",
    "survivor_no_answer": "The survivor did not answer.",
    "survivor_busy": "The survivor's line was busy.",
    "cancelled": "Hung up before the survivor answered.",
    "failed": "The call failed (phone network or Twilio).",
    "unknown": "No outcome was reported.",
}
LIVE_STATES = {
    "calling_advocate": "Ringing your phone now.",
    "advocate_answered": "Your phone answered: press 1 to call the survivor.",
    "dialling_survivor": "Calling the survivor.",
}

# Twilio's DialCallStatus (the <Dial> action) for the survivor's leg.
DIAL_OUTCOMES = {
    "completed": "survivor_answered", "answered": "survivor_answered",
    "busy": "survivor_busy", "no-answer": "survivor_no_answer",
    "canceled": "cancelled", "failed": "failed",
}
# Twilio's final CallStatus for the advocate's leg, when the survivor was never dialled.
ADVOCATE_LEG_OUTCOMES = {
    "busy": "advocate_no_answer", "no-answer": "advocate_no_answer",
    "canceled": "advocate_no_answer", "failed": "failed",
}


def decide(c: Circumstances, now: datetime) -> Gate:
    """May the survivor be called now? The text gate first, then what only a call needs."""
    if c.channel != "sms":
        # A web chat's safe number that has not written (or stays apart): say that, not
        # "no number"; once it has written the conversation is an SMS one.
        waiting = outbound_gate.decide(c, now)
        if waiting.reason in ("awaiting_number", "number_apart"):
            return waiting
        return Gate(False, "not_by_phone")
    gate = outbound_gate.decide(c, now)
    if not gate.open:
        return gate
    if c.wants != "call_back":
        return Gate(False, "no_call_asked")
    if c.window is None:
        return Gate(False, "needs_window")
    return gate


def explain(gate: Gate) -> str:
    return CALL_EXPLANATIONS.get(gate.reason or "", gate.explanation)


def leg_outcome(call_status: str, dialled: bool, answered: bool) -> str | None:
    """The outcome the advocate leg's final status says, if the <Dial> action has not set one:
    None while the call is not over."""
    if call_status in ADVOCATE_LEG_OUTCOMES:
        return ADVOCATE_LEG_OUTCOMES[call_status]
    if call_status != "completed":
        return None
    if dialled:
        return "unknown"
    return "not_connected" if answered else "advocate_no_answer"
