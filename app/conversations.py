"""The conversation service: one inbound message in, the reply out, everything stored sealed.

Channels (SMS, web chat) turn provider requests into an `InboundMessage` and call
`ConversationService.handle_inbound`; this module joins storage, crypto, the pure flow engine
and the message catalogues. Everything for one message happens in one transaction: find the
conversation, store the inbound message, step the flow, store the reply, record an escalation.
The provider's message id is unique in the database, so a retried webhook fails that
transaction and is answered from what the first delivery stored (the database decides, not a
prior SELECT).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import escalation, optouts
from app.crypto import ContactHasher, Keyring
from app.deployment import Deployment
from app.flows import ConversationState, Escalate, Flow
from app.flows import step as flow_step
from app.i18n import Catalogues
from app.storage import vault
from app.storage.db import Database
from app.storage.models import Conversation

log = logging.getLogger(__name__)


class FlowUnavailable(RuntimeError):
    """The flow failed to load; the channel answers with the fail-safe reply."""


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    address: str  # E.164 for SMS; never logged
    body: str
    provider_sid: str | None
    provider_keyword: optouts.ProviderKeyword | None = None


@dataclass(frozen=True)
class Outcome:
    """What the channel sends back. `text` None means: send nothing (e.g. after STOP)."""

    text: str | None
    conversation_id: uuid.UUID
    language: str | None
    replayed: bool = False
    escalation_id: int | None = None


class ConversationService:
    def __init__(
        self,
        *,
        database: Database,
        keyring: Keyring,
        hasher: ContactHasher,
        flow: Flow | None,
        catalogues: Catalogues,
        deployment: Deployment,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.keyring = keyring
        self.hasher = hasher
        self.flow = flow
        self.catalogues = catalogues
        self.deployment = deployment
        self.clock = clock

    def contact_hash(self, channel: str, address: str) -> str:
        return self.hasher.hash(channel, address)

    def handle_inbound(self, inbound: InboundMessage) -> Outcome:
        """Store the message, run the flow, store and return the reply; once per provider id."""
        contact_hash = self.contact_hash(inbound.channel, inbound.address)
        # Two attempts: the second covers the race where two first messages from one number
        # both try to open a conversation and the database lets only one of them.
        for attempt in (1, 2):
            try:
                with self.database.session() as session:
                    outcome = self._handle(session, inbound, contact_hash)
                    session.commit()
                    return outcome
            except IntegrityError:
                if inbound.provider_sid:
                    replay = self._replay(inbound.provider_sid)
                    if replay is not None:
                        log.info("event=conversation.replayed conversation=%s",
                                 replay.conversation_id)
                        return replay
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _handle(self, session: Session, inbound: InboundMessage, contact_hash: str) -> Outcome:
        now = self.clock()
        # Reads first, writes last: on SQLite the first write takes the database's write lock,
        # so nothing is added to the session until every look-up is done.
        opted_out = optouts.is_opted_out(session, contact_hash)
        conversation, key = vault.open_conversation(
            session, self.keyring, channel=inbound.channel, contact_hash=contact_hash,
            address=inbound.address, now=now,
        )
        received = vault.add_message(
            session, conversation, key, direction="in", author="survivor", body=inbound.body,
            provider_sid=inbound.provider_sid, now=now,
        )
        stored_state = vault.read_state(conversation, key)
        state = (ConversationState.from_json(stored_state) if stored_state
                 else ConversationState(language=conversation.language))

        keyword = inbound.provider_keyword
        if keyword is not None or opted_out:
            reply_ids = optouts.apply(session, keyword, contact_hash, now,
                                      self.deployment.provider_handles_keywords)
            escalation_id = None
        else:
            if self.flow is None:
                raise FlowUnavailable("no valid flow is loaded")
            idle = timedelta(minutes=self.deployment.conversation_idle_minutes)
            result = flow_step(self.flow, state, inbound.body, now, idle)
            state = result.state
            reply_ids = tuple(ref.id for ref in result.replies)
            escalation_id = self._escalate(session, conversation, result.actions, state, now)

        text = self.render(state.language, reply_ids) if reply_ids else None
        if text is not None:
            vault.add_message(session, conversation, key, direction="out", author="flow",
                              body=text, provider_sid=None, now=now, reply_to=received)
        vault.write_state(conversation, key, state.to_json(), state.language, now)
        log.info("event=conversation.step conversation=%s step=%s replied=%s escalation=%s",
                 conversation.id, state.step, text is not None, escalation_id)
        return Outcome(text, conversation.id, state.language, escalation_id=escalation_id)

    def _escalate(
        self,
        session: Session,
        conversation: Conversation,
        actions: tuple[Escalate, ...],
        state: ConversationState,
        now: datetime,
    ) -> int | None:
        escalation_id = None
        for action in actions:
            escalation_id = escalation.request(
                session, conversation, priority=action.priority, reason=action.reason,
                language=state.language or self.deployment.default_language, now=now,
            )
        return escalation_id

    def render(self, language: str | None, message_ids: tuple[str, ...]) -> str:
        return self.catalogues.join(language, message_ids, {"services": self._services_text()})

    def _services_text(self) -> str:
        return "\n".join(
            f"{s.name}: {s.phone} ({s.hours})" for s in self.deployment.services
        )

    def _replay(self, provider_sid: str) -> Outcome | None:
        """Answer a provider's retry with exactly what the first delivery was answered."""
        with self.database.session() as session:
            found = vault.find_reply(session, self.keyring, provider_sid)
        if found is None:
            return None
        conversation, text = found
        return Outcome(text, conversation.id, conversation.language, replayed=True)

