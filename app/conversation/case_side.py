"""What an answered message does beside its transcript, in the same transaction: a safe number
given or withdrawn, a resume word set, the case opened, raised or given its reasons, the
report's tallies, and a flood's burst kept to one case. The transcript itself is written first
(app/conversation/service.py); nothing here sends anything (the service does, after the commit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from app import hours
from app.casework import escalation
from app.conversation import floods, resume_word, safe_numbers
from app.conversation.messages import Turn
from app.crypto import ContactHasher
from app.deployment import Deployment
from app.flows.model import SetSecret
from app.storage import tallies, vault

log = logging.getLogger(__name__)
URGENT = escalation.PRIORITY_RANK["urgent"]


@dataclass(frozen=True)
class CaseChange:
    """The case after the message (None if it opened none), and what that means for alerts."""

    case: vault.OpenCase | None
    was: vault.OpenCase | None
    stands_alone: bool  # listed under a flood's first case before, shown on its own now

    @property
    def opened(self) -> bool:
        return self.case is not None and self.was is None

    @property
    def raised_to_urgent(self) -> bool:
        return (self.case is not None and self.was is not None
                and self.case.priority >= URGENT > self.was.priority)


def follow(connection: Connection, turn: Turn, *, conversation: vault.OpenConversation,
           was: vault.OpenCase | None, contact_hash: str, channel: str, limited: bool,
           deployment: Deployment, hasher: ContactHasher,
           keyed: Callable[[str, str], str], now: datetime) -> CaseChange:
    """Apply the turn's actions and risk reading; `limited` when the source is over its flood
    allowance (the case is then marked as a flood's, after the tallies: the report counts
    survivors' reasons, not ours)."""
    safe_numbers.follow_turn(connection, channel, conversation, turn, now, keyed=keyed)
    for action in turn.actions:
        if isinstance(action, SetSecret) and action.name == resume_word.SECRET_NAME:
            resume_word.save(connection, contact_hash,
                             resume_word.word_hash(hasher, contact_hash, action.value), now)
            log.info("event=resume_word.set")
    language = turn.state.language or deployment.default_language
    case = escalation.apply(connection, conversation.id, was, turn.actions, turn.risk,
                            channel=conversation.channel, language=language, now=now)
    tallies.case_changed(connection, now, was, case,
                         out_of_hours=not hours.is_open(deployment.opening_hours, now))
    if limited:
        case = floods.mark_flood(connection, conversation, case, language, now)
    stands_alone = (case is not None and was is not None and case != was
                    and escalation.stand_alone_if_needed(connection, case))
    return CaseChange(case, was, stands_alone)
