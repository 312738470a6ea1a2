"""STOP, START and HELP: the carrier keywords, and the opt-out they record.

On most numbers Twilio answers these words itself (its default or Advanced Opt-Out replies),
blocks our replies to a number after STOP, and still forwards the message to our webhook. So
by default we record what the survivor asked for and send no second reply. A deployment whose
numbers do not have Twilio's handling sets `sms.provider_handles_keywords = false`, and then we
send the short confirmations ourselves.

Whatever the mode, after STOP nothing is sent to that contact until START: no advocate reply,
no reminder (shared/SAFETY.md, A2).
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.storage.models import AuditEvent, OptOut

log = logging.getLogger(__name__)


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


def is_opted_out(session: Session, contact_hash: str) -> bool:
    return session.get(OptOut, contact_hash) is not None


def apply(
    session: Session,
    keyword: ProviderKeyword | None,
    contact_hash: str,
    now: datetime,
    provider_handles_keywords: bool,
) -> tuple[str, ...]:
    """Record what a carrier keyword asks for; return the message ids to reply with, if any.

    Called with `keyword=None` for an ordinary message from an opted-out contact: it is stored
    by the caller, and we stay silent until START.
    """
    if keyword is ProviderKeyword.STOP:
        if session.get(OptOut, contact_hash) is None:
            session.add(OptOut(contact_hash=contact_hash, opted_out_at=now))
            session.add(AuditEvent(occurred_at=now, actor="survivor", action="contact.opted_out"))
        log.info("event=sms.opt_out")
        return () if provider_handles_keywords else ("sms.stopped",)
    if keyword is ProviderKeyword.START:
        removed = session.execute(delete(OptOut).where(OptOut.contact_hash == contact_hash))
        if getattr(removed, "rowcount", 0):
            session.add(AuditEvent(occurred_at=now, actor="survivor", action="contact.opted_in"))
        log.info("event=sms.opt_in")
        return () if provider_handles_keywords else ("sms.started",)
    if keyword is ProviderKeyword.HELP:
        # Twilio's own HELP reply goes out; a deployment sets it (Advanced Opt-Out) to the
        # emergency options, as the README explains. Without Twilio's handling we send ours.
        return () if provider_handles_keywords else ("emergency.options",)
    return ()
