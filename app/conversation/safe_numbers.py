"""A safe number given in the web chat, for "text me" or "call me at a safe time".

docs/threat-model.md, A2. The chat cannot reach anyone once its tab is closed, so a survivor
who asks to be texted or called gives a safe UK mobile number (the page warns that texts and
calls come from a number that shows on the phone). It is sealed like every number and matched
only by its keyed value. Nothing is sent to it until it has written to the service itself: a
number typed into a web page may be someone else's, and the service never writes first.

The first text from that phone decides (`on_text`):
- the web conversation becomes the number's conversation (its channel SMS, its contact value
  the number's), so STOP, "pause", the duress word and the resume word sent from that phone
  apply to it, the advocate's replies go by text under the SMS rules, and later texts from the
  number find the case. The text is taken as the start of a conversation on that number: a
  resume word set on the number locks it first, as for any later conversation there, and the
  number is answered as any first text is, with nothing of the web chat in it.
- unless the number already has a conversation of its own with an unfinished case, or one
  that is locked, held (duress) or paused: that one is never touched or joined (its history and
  its locks are the number's), the text goes there as always, and the web case keeps its
  replies ("number_apart"). A number's own conversation without any of these is closed (its
  messages stay where they are, never joined to the chat's) and the chat's takes its place.
The transcripts are never merged in either direction.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from app.conversation.messages import Turn
from app.flows import ConversationState
from app.flows.model import Record
from app.storage import safe_numbers as rows
from app.storage import vault

log = logging.getLogger(__name__)

# What may separate a number's digits as people type it: spaces, dashes, dots, brackets.
_SEPARATORS = re.compile(r"[\s\-.()\u00a0]+")
# UK mobile numbers (Ofcom): 071-075 and 077-079, and 07624 (Isle of Man). 070 (personal
# numbers) and 076 (pagers) are not mobiles and may forward anywhere.
_MOBILE = re.compile(r"^7(?:[1-57-9]\d{8}|624\d{6})$")
# The choices that ask to be texted or called (flows/webchat.yaml).
ASKS_FOR_A_NUMBER = frozenset({"text_back", "call_back"})
# The web chat's steps that ask for a safe number (flows/webchat.yaml): a number saved there
# moves the conversation on to the flow's `number_saved` step.
ASKING_STEPS = frozenset({"web_person_text_back", "web_person_call_back"})


class NumberRefused(Exception):
    """The number cannot be taken; `reason` is "invalid" (not a UK mobile), "not_asked" (this
    chat did not ask to be texted or called) or "unavailable"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def uk_mobile(typed: object) -> str | None:
    """The number in E.164 (+447...), or None if it is not a UK mobile number. Accepts the
    ways people write one: 07700 900123, +44 7700 900123, 0044 7700-900-123, (07700) 900123."""
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    # Any script's digits (an Arabic or Urdu keyboard types ٠٧٧...) read as 0-9.
    digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch
                     for ch in _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)))
    for prefix in ("+44", "0044", "44", "0"):
        if digits.startswith(prefix):
            national = digits[len(prefix):]
            if national.startswith("0"):  # +44 (0)7700 ...
                national = national[1:]
            break
    else:
        return None
    if not national.isascii() or not _MOBILE.match(national):
        return None
    return "+44" + national


def asked_for_a_number(state: ConversationState) -> bool:
    """Whether this chat chose to be texted or called (and is not in cover mode, where only
    the cover reply is shown)."""
    wants = state.choices.get("wants")
    return wants is not None and wants.value in ASKS_FOR_A_NUMBER and not state.cover


def asks_again(turn: Turn) -> bool:
    """This web chat message chose "text me" or "call me" (flows/webchat.yaml), so the page
    shows its safe-number form; not when the message gave the number itself
    (app/conversation/typed_numbers.py), and never in cover mode."""
    return turn.safe_number is None and not turn.state.cover and any(
        isinstance(a, Record) and a.choice == "wants" and a.value in ASKS_FOR_A_NUMBER
        for a in turn.actions)


def take(connection: Connection, conversation: vault.OpenConversation, number: str,
         contact_hash: str, now: datetime) -> None:
    """Save `number` (E.164, a UK mobile) as the web conversation's safe number: sealed, found
    only by `contact_hash`, its keyed value; it waits for that phone to write. From the chat's
    number box (ChatSessions.give_number) or typed into a message at the step that asks for
    it (typed_numbers.answer): the number is never logged, and never in the transcript."""
    rows.save(connection, conversation, number, contact_hash, now)
    log.info("event=safe_number.given")


def follow_turn(connection: Connection, channel: str, conversation: vault.OpenConversation,
                turn: Turn, now: datetime, *, keyed: Callable[[str, str], str]) -> None:
    """A web chat message that gave the safe number in its words is taken (`take`; `keyed`
    gives the number's contact value). A web chat that gave a number and then chose another
    way (chat now, come back with a code, information only): the latest choice wins, and the
    number waiting for its first text is forgotten, so replies are not held for a number the
    survivor no longer wants used."""
    if channel != "web":
        return
    if turn.safe_number is not None:
        take(connection, conversation, turn.safe_number, keyed("sms", turn.safe_number), now)
    chose = [a.value for a in turn.actions if isinstance(a, Record) and a.choice == "wants"]
    if (chose and chose[-1] not in ASKS_FOR_A_NUMBER
            and rows.forget(connection, conversation.id)):
        log.info("event=safe_number.withdrawn")


def first_text_state(state: ConversationState) -> ConversationState:
    """The joined conversation as its first text on the number finds it: answered as any
    first text there is (the flow's start), with nothing of the web chat in the answer. In
    cover mode the cover reply goes on: whoever is there learns nothing."""
    return state if state.cover else replace(state, step=None)


def on_text(connection: Connection, lookup: vault.Lookup, contact_hash: str,
            now: datetime) -> bool:
    """A text from a number: if a web chat is waiting for it, join that chat to the number or
    keep it apart (see the module docstring). True if a chat was joined: the caller reads the
    number's conversation again and takes this text as the start of a conversation there."""
    if not lookup.safe_number_waiting:  # nearly every text: no extra read
        return False
    waiting = rows.waiting_for(connection, contact_hash)
    if not waiting:
        return False
    own = lookup.conversation
    own_state = (ConversationState.from_json(own.state_json)
                 if own is not None and own.state_json else ConversationState())
    if own is not None and (lookup.open_case is not None or own_state.cover
                            or own_state.paused or own_state.locked):
        rows.set_apart(connection, waiting, now)
        log.info("event=safe_number.apart chats=%s", len(waiting))
        return False
    if own is not None:
        # The number's own conversation ends here, its messages where they are; the chat's
        # conversation takes its place as the number's open one.
        vault.end_by_id(connection, own.id, now)
    latest, *older = waiting
    rows.join(connection, latest, contact_hash, now)
    rows.set_apart(connection, older, now)  # an earlier chat that gave the same number
    log.info("event=safe_number.joined closed_own=%s", own is not None)
    return True


def forget_unconfirmed(connection: Connection, now: datetime, hours: int) -> int:
    """Numbers given more than `hours` ago that never wrote: the link and the sealed number go
    (the sweeper calls this with `[webchat] resume_hours`). A chat the survivor left then has
    its waiting replies cancelled, as for any chat left without a way back."""
    forgotten = rows.purge_unconfirmed(connection, now - timedelta(hours=hours))
    if forgotten:
        log.info("event=safe_number.forgotten count=%s", forgotten)
    return forgotten
