"""What the conversation service does with a message over its source's allowance.

app/conversation/throttle.py counts the allowances in Redis; this module decides what a message
over one is answered with and how its case is marked (docs/threat-model.md, A2). Over the
allowance a message is still stored and stepped through the flow, so the duress word, pause,
erasure and a request for a person all work as always; only the reply and the case's marking
change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from app.casework import escalation
from app.content.one_turn import FLOOD_REPLY
from app.conversation.messages import Outcome, Turn
from app.conversation.throttle import Throttle, Verdict
from app.flows import Escalate
from app.flows.model import RequestErasure
from app.storage import vault
from app.storage.db import Database

log = logging.getLogger(__name__)
# Renders catalogue message ids in a language: ConversationService.render.
Render = Callable[[str | None, tuple[str, ...]], str]


def cap_new_cases(outcome: Outcome, throttle: Throttle | None, database: Database) -> None:
    """A new case beyond the service-wide cap is marked "possible flood" (before its alert
    is enqueued, so the alert is coalesced with the others; app/casework/alerts.py)."""
    if not (outcome.case_opened and outcome.escalation_id and throttle):
        return
    if not throttle.new_case_allowed():
        with database.transaction() as connection:
            escalation.add_reason(connection, outcome.escalation_id, escalation.FLOOD_REASON)


def follow_flood_lead(outcome: Outcome, verdict: Verdict, throttle: Throttle | None,
                      database: Database) -> Outcome:
    """A burst of new web chats from one network address is one case, not one per chat.

    Each address may open a few cases at once on their own (`address_new_cases_burst`, then
    `address_new_cases_per_minute`: survivors sharing a refuge's wifi). Beyond that, or while
    the address is over its message allowance, the first case a chat from it opens is the
    burst's lead (its id kept in Redis under the address's keyed hash, `lead_minutes`); each
    later case from it is listed under the lead: not on its own in the queue, no alert of its
    own, listed on the lead's page, claimed with it. Its survivor is answered as every other.
    A case that is urgent or asks for a person always shows on its own (and comes out from
    under the lead if it becomes so later: `escalation.stand_alone_if_needed`). Runs after the
    commit, so the lead's row exists before anything points at it. Redis down: each case stands
    alone, as without flood control.
    """
    if not (outcome.case_opened and outcome.escalation_id and verdict.address_hash
            and throttle):
        return outcome
    within = throttle.new_case_from_address_allowed(verdict.address_hash)
    if within and verdict.address_key is None:
        return outcome
    lead = throttle.flood_lead(verdict.address_hash, outcome.escalation_id)
    if lead == outcome.escalation_id:
        return outcome
    with database.transaction() as connection:
        result = escalation.follow_flood_lead(connection, outcome.escalation_id, lead)
    if result == "lead finished":
        throttle.replace_flood_lead(verdict.address_hash, outcome.escalation_id)
    return replace(outcome, under_flood_lead=result == "followed")


def mark_flood(connection: Connection, conversation: vault.OpenConversation,
               case: vault.OpenCase | None, language: str, now: datetime
               ) -> vault.OpenCase | None:
    """One source's burst is one conversation, so it is one case: the advocate sees why it
    may be noise, and its alert is coalesced with other floods' (app/casework/alerts.py)."""
    if case is None:
        return None
    return escalation.request(connection, conversation.id, case,
                              channel=conversation.channel, priority="routine",
                              reason=escalation.FLOOD_REASON, language=language, now=now)


def sent_text(channel: str, turn: Turn, text: str | None, verdict: Verdict, render: Render,
              *, has_case: bool) -> str | None:
    """The reply that goes out: the flood notice over the allowance, otherwise the flow's."""
    if verdict.limited and turn.flow_ran:
        return flood_reply(channel, turn, text, verdict, render, has_case=has_case)
    return text


def flood_reply(channel: str, turn: Turn, text: str | None, verdict: Verdict, render: Render,
                *, has_case: bool) -> str | None:
    """What a message over its allowance is answered with (docs/threat-model.md, A2).

    A short static notice with the emergency options instead of the flow's reply: by SMS
    once per episode, and again when the message opens a case (it asks for a person or
    reads as high risk), so they know it reached us; on the web every time, since an
    answer there costs nothing and silence would look broken. After the duress word, or
    while the history is locked, someone else may hold the phone: the flow's own discreet
    reply stays, under the same once-only rule. An erasure's confirmation is never
    withheld.
    """
    if any(isinstance(action, RequestErasure) for action in turn.actions):
        return text
    asks = not has_case and (turn.risk.at_least("high") or any(
        isinstance(action, Escalate) for action in turn.actions))
    if channel == "sms" and not (verdict.notice_due or asks):
        return None
    if turn.state.cover or turn.state.locked:
        return text
    return render(turn.state.language, FLOOD_REPLY)
