"""What the service's automated reply says: the lines the hours add to a reply that opens or
raises a case (out of hours, when someone will read it; urgent, the emergency options first),
and the rendering of message ids into the one text a survivor reads.

Both read the deployment (opening hours, the on-call phone, the helplines) and the catalogues
at the time of the call, never a copy taken earlier: the conversation service passes its own.
Pure apart from the catalogues' look-ups: no storage, no clock (the time is an argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app import hours
from app.content.catalogues import Catalogues
from app.content.emergency_replies import is_emergency
from app.content.local_services import NAMES_SERVICES, services_text
from app.content.written_times import written_time
from app.deployment import Deployment

# Texts that name when the team is next at work ({opens}).
NAMES_OPENING = frozenset({"hours.closed", "hours.reads_from"})


@dataclass(frozen=True)
class HoursReply:
    """A reply as the hours make it: what is sent now, and what an emergency reply left out so
    that it fits what a phone shows as one message (a step's own words: they follow with the
    next reply that is not an emergency one, app/conversation/held.py)."""

    reply_ids: tuple[str, ...]
    held: tuple[str, ...] = ()


def with_hours(deployment: Deployment, now: datetime, reply_ids: tuple[str, ...], *,
               urgent: bool, urgent_step: bool, pauses: bool = False) -> HoursReply:
    """A case was opened or raised: say honestly when someone will read it, and put the
    emergency options first when the message reads as urgent.

    An urgent case out of hours is answered with the emergency options first (999, the
    Silent Solution, the 24-hour helpline), then whether the on-call phone is being
    alerted (only if the deployment has one), then when the team will read it: the same
    reply whichever step it comes from, and nothing more (issue 21, item 4: it fits 3 GSM-7 /
    4 UCS-2 segments in every language, with a few characters to spare). The flow's own
    urgent reply is left out: it promises the team reads it first, which is not true at
    night. Any other step's own words (the person step's "is it safe to be texting now? 1 Yes
    2 No") are held back, and asked with the survivor's next reply that is not an emergency
    one: someone in danger reads the numbers first and whole, on a phone someone else may
    see, and a survivor who cannot write again is never sent the question unasked for (the
    survivor always writes first). The step's acknowledgement before its question ("someone
    will reply here when they can") is dropped: the on-call and reading lines say, truly for
    the night, when someone will.

    A step that pauses (`pauses`: "I can't talk now") is the exception: its own words are
    the promise that nothing is sent until the survivor writes again, which cannot wait for
    their next message (that message lifts the pause). It keeps them, and says only that the
    team is not at work, instead of the on-call and reading lines: while paused, neither the
    on-call person nor the team sends anything (app/casework/outbound_gate.py), so "we are
    letting the person on call know, but we cannot promise a quick reply" would invite a
    survivor who cannot talk to wait for a text that must not come. The on-call phone is
    still alerted to the urgent case.

    A routine request says when the team is back right after the step's first message.

    In hours, an urgent message answered from a step other than the urgent one (a
    deployment's own keyword comes before triage, app/flows/engine.py: its word for a person,
    "caseworker", in "caseworker he is kicking the door in") gets the urgent reply in place
    of the step's first message, whose words were at most "if you are in danger now, call
    999": 999, then 55 from a mobile, and that the team reads it first. The rest of the step's
    words are held back, or kept after it by a step that pauses, as out of hours.
    (`flows check` measures each of these compositions as one SMS: app/content/one_turn.py.)
    """
    opening = deployment.opening_hours
    own = () if urgent_step else (reply_ids[1:] if len(reply_ids) > 1 else reply_ids)
    if hours.is_open(opening, now):
        if not urgent or urgent_step or is_emergency(reply_ids):
            return HoursReply(reply_ids)
        # In hours, an urgent message answered from another step (a deployment's keyword):
        # that step's words alone said no more than "if you are in danger now, call 999".
        # The urgent reply comes instead, with 999 then 55 and "our team reads it first";
        # the step's question is held as out of hours, and a pause keeps its promise.
        if pauses:
            return HoursReply(("urgent.reply", *own))
        return HoursReply(("urgent.reply",), held=own)
    known = hours.next_opening(opening, now) is not None
    if not urgent:
        # After the step's acknowledgement ("someone will reply here") and before its
        # question ("is it safe to talk? 1 Yes 2 No"), so the reply reads as one message
        # and ends with what the survivor is asked to answer.
        closed = "hours.closed" if known else "hours.unknown"
        return HoursReply((*reply_ids[:1], closed, *reply_ids[1:]))
    if pauses:
        return HoursReply(("urgent.closed", "hours.off_duty", *own))
    on_call = "hours.on_call" if deployment.staff.on_call_sms else "hours.off_duty"
    reads = "hours.reads_from" if known else "hours.reads_unknown"
    return HoursReply(("urgent.closed", on_call, reads), held=own)


def render(catalogues: Catalogues, deployment: Deployment, language: str | None,
           message_ids: tuple[str, ...], *, now: datetime | None = None,
           channel: str | None = None) -> str:
    """The messages as one reply. On `channel`, a message's wording for it comes first
    (`erase.done@web`, app/content/catalogues.py): the web chat is not told to delete a
    chat "from your phone" or asked whether it is safe to be "texting"."""
    listing = [mid for mid in message_ids if mid in NAMES_SERVICES]
    # Like {opens} below: in the language of the sentence the lines go into.
    params = {"services": services_text(deployment, catalogues.language_of(
        language, listing[0], channel) if listing else language)}
    opening = [mid for mid in message_ids if mid in NAMES_OPENING]
    if now is not None and opening:
        # In the language of the sentence it goes into: an unconfirmed translation is
        # sent in English, and "Isniin 7 Diseembar" inside English would read as noise.
        written_in = catalogues.language_of(language, opening[0], channel)
        params["opens"] = _opens_text(deployment, written_in, now)
    return catalogues.join(language, message_ids, params, channel)


def _opens_text(deployment: Deployment, language: str | None, now: datetime) -> str:
    """When the team is next at work, in the survivor's language ("Monday 7 December,
    09:00"), in the deployment's time zone."""
    opens = hours.next_opening(deployment.opening_hours, now)
    return "" if opens is None else written_time(opens, language or "en")
