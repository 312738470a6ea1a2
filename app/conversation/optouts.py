"""STOP, START and HELP: the carrier keywords, and the opt-out they record.

On most numbers Twilio answers these words itself (its default or Advanced Opt-Out replies),
blocks our replies to a number after STOP, and still forwards the message to our webhook. So
by default we record what the survivor asked for and send no second reply. A deployment whose
numbers do not have Twilio's handling sets `sms.provider_handles_keywords = false`, and then we
send the short confirmations ourselves.

Whatever the mode, after STOP nothing is sent to that contact until START: no advocate reply,
no reminder (docs/threat-model.md, A2).

HELP is also a plea for help: it opens a case, so a person reads it (`keyword_actions`),
whoever sends the reply to the word itself.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime

from sqlalchemy import Connection, delete, insert

from app import audit
from app.flows import Escalate
from app.flows.model import Action
from app.storage.models import OptOut, table_of

log = logging.getLogger(__name__)
opt_outs = table_of(OptOut)


class ProviderKeyword(enum.Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# Twilio's default opt-out, opt-in and help keywords; Twilio matches the whole message body,
# trimmed and case-insensitive, so "stop" is a keyword and "please stop him" is not.
_KEYWORDS = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        ProviderKeyword.STOP,
    ),
    **dict.fromkeys(("start", "yes", "unstop"), ProviderKeyword.START),
    **dict.fromkeys(("help", "info"), ProviderKeyword.HELP),
}


def classify(body: str) -> ProviderKeyword | None:
    return _KEYWORDS.get(body.strip().casefold())


def in_effect(keyword: ProviderKeyword | None, *, opted_out: bool) -> ProviderKeyword | None:
    """The keyword a message acts as. "Yes" is one of Twilio's opt-in words, and our questions
    say "1 Yes": from a number that never opted out there is nothing to opt back in to, and
    the word is the survivor's answer to the flow, which a keyword would swallow unanswered."""
    if keyword is ProviderKeyword.START and not opted_out:
        return None
    return keyword


def keyword_reply(
    keyword: ProviderKeyword | None, provider_handles_keywords: bool
) -> tuple[str, ...]:
    """The message ids to answer a carrier keyword with: none when Twilio answers it itself.

    With `keyword=None` (an ordinary message from an opted-out contact) we stay silent until
    START: Twilio would block the reply anyway.
    """
    if keyword is None or provider_handles_keywords:
        return ()
    return {
        ProviderKeyword.STOP: ("sms.stopped",),
        ProviderKeyword.START: ("sms.started",),
        # Without Twilio's HELP reply (which a deployment sets to the emergency options, as
        # the README explains), ours is the emergency options.
        ProviderKeyword.HELP: ("emergency.options",),
    }[keyword]


# The reason the case page and the report give (app/casework/wording.py REASONS).
HELP_REASON = "texted_help"


def keyword_actions(keyword: ProviderKeyword | None, *, opted_out: bool,
                    cover: bool) -> tuple[Action, ...]:
    """What a carrier keyword does besides its reply: HELP opens a case (routine, like any
    request for a person), so the shortest plea a frightened person can type reaches someone
    and is not left to the provider's automatic answer alone. Never after STOP (nothing may
    be sent until START, so no advocate could answer), nor in cover mode (after the duress
    word, whoever holds the phone sees only ordinary texts; that case is open already)."""
    if keyword is ProviderKeyword.HELP and not opted_out and not cover:
        return (Escalate(priority="routine", reason=HELP_REASON),)
    return ()


def record(
    connection: Connection,
    keyword: ProviderKeyword | None,
    *,
    contact_hash: str,
    opted_out: bool,
    now: datetime,
) -> None:
    """Record the opt-out or opt-in a keyword asks for (once), with an audit row."""
    if keyword is ProviderKeyword.STOP and not opted_out:
        connection.execute(insert(opt_outs).values(contact_hash=contact_hash, opted_out_at=now))
        audit.record(connection, now=now, actor="survivor", action="contact.opted_out")
        log.info("event=sms.opt_out")
    elif keyword is ProviderKeyword.START and opted_out:
        connection.execute(delete(opt_outs).where(opt_outs.c.contact_hash == contact_hash))
        audit.record(connection, now=now, actor="survivor", action="contact.opted_in")
        log.info("event=sms.opt_in")

