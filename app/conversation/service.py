"""The conversation service: one inbound message in, the reply out, everything stored sealed.

Channels (SMS, web chat) turn provider requests into an `InboundMessage` and call
`ConversationService.handle_inbound`; this module joins storage, crypto and the message
catalogues to the turn (app/conversation/turn.py: triage, the pure flow engine and what the
reply holds back, composed before anything is written). Everything for one message happens in
one transaction: find the conversation, store the inbound message, step the flow, store the
reply, record an escalation. The provider's message id is unique within its conversation, so a
retried webhook fails that transaction and is answered from what the first delivery stored in
the sender's own conversation (the database decides, not a prior SELECT); the same id from
anyone else is their own new message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from app.content.catalogues import Catalogues
from app.content.language import LanguageGuesser
from app.content.local_services import services_text
from app.conversation import (
    case_side,
    floods,
    lookup,
    optouts,
    reply_text,
    safe_numbers,
    spool,
    typed_numbers,
)
from app.conversation.messages import InboundMessage, Outcome, Turn
from app.conversation.return_codes import ReturnCodes
from app.conversation.spool import Replay, Spool
from app.conversation.throttle import ALLOWED, Throttle, Verdict
from app.conversation.triage_source import TriageSource
from app.conversation.turn import Readers, compose
from app.crypto import ContactHasher, Keyring
from app.deployment import Deployment
from app.dispatch import Dispatcher
from app.flows import ConversationState, Flow
from app.flows.learned import SecondOpinion
from app.flows.model import Record, RequestErasure
from app.flows.triage import TriageRules
from app.lifecycle import erasure
from app.logs import exception_summary
from app.storage import tallies, vault
from app.storage.db import Database

# Re-exported: the channels and chat sessions import these from here.
__all__ = ["ConversationService", "FlowUnavailable", "InboundMessage", "Outcome", "Replay",
           "Turn"]

log = logging.getLogger(__name__)
ERASED_REPLY = ("erase.done",)
RACE_ATTEMPTS = 5


class FlowUnavailable(RuntimeError):
    """The flow failed to load; the channel answers with the fail-safe reply."""


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
        triage: TriageRules | None = None,
        load_triage: Callable[[bool], TriageRules | None] | None = None,
        second_opinion: SecondOpinion | None = None,
        guesser: LanguageGuesser | None = None,
        dispatcher: Dispatcher | None = None,
        throttle: Throttle | None = None,
        return_codes: ReturnCodes | None = None,
        texts_safe_numbers: bool = False,
        service_number: str = "",
        spool: Spool | None = None,
    ) -> None:
        self.database = database
        self.spool = spool
        self.keyring = keyring
        self.hasher = hasher
        self.flow = flow
        self.catalogues = catalogues
        self.deployment = deployment
        self.clock = clock
        # Given, or loaded on the first message read (app/conversation/triage_source.py).
        self.triage_source = TriageSource(triage, load_triage)
        # The learned second opinion (app/flows/learned.py), when the deployment turns it on:
        # it only adds an urgent or a person reading the rules missed.
        self.second_opinion = second_opinion
        self.guesser = guesser
        self.dispatcher = dispatcher
        self.throttle = throttle
        self.return_codes = return_codes
        # The web chat runs the flow with its own steps where SMS would offer to text or call
        # (flows/webchat.yaml): the chat never offers a way of contact it cannot make. It
        # offers a safe number only where the service has a number to text and call from.
        self.web_flow = (flow.for_channel("web", texts=texts_safe_numbers)
                         if flow is not None else None)
        # Numbers the service publishes, kept when a survivor writes one (typed_numbers).
        self.published_numbers = typed_numbers.published(
            [service.phone for service in deployment.services]
            + [*deployment.sms_numbers, service_number])

    @property
    def triage(self) -> TriageRules | None:
        return self.triage_source.get()

    def contact_hash(self, channel: str, address: str) -> str:
        return self.hasher.hash(channel, address)

    def adopt_contact(self, connection: Connection, channel: str, address: str) -> str:
        """The contact's value under the newest contact key (app/conversation/lookup.py)."""
        return lookup.adopt(connection, self.hasher, channel, address)

    def handle_inbound(self, inbound: InboundMessage, replay: Replay | None = None) -> Outcome:
        """Store the message, run the flow, store and return the reply; once per provider id.
        With `replay`, a spooled message is stored as described on `Replay`."""
        contact_hash = self.contact_hash(inbound.channel, inbound.address)
        # A phone number typed into the message is withheld before anything reads or stores
        # the message (app/conversation/typed_numbers.py): what is read has a wordless mark in
        # its place, and what is stored says it was withheld (`_handle`).
        typed = typed_numbers.withhold(inbound.body, self.published_numbers)
        inbound = replace(inbound, body=typed.read) if typed is not None else inbound
        # A spooled message was answered (by the fail-safe) and counted when it came in.
        verdict = (self.throttle.check(contact_hash, inbound.source_address)
                   if self.throttle and replay is None else ALLOWED)
        # When this message arrived: a spooled one when the fail-safe answered it. If the
        # contact erased a conversation after that, the message was that conversation's.
        arrived = replay.received_at if replay else self.clock()
        seen: list[uuid.UUID] = []  # the conversation each attempt found
        # Several messages from one number at once race to open its conversation, then its
        # case (a unique index lets one of each win). A loser reads again and goes on; one
        # that loses the conversation and then the case needs a third try, and every lost
        # race means another message was stored, so RACE_ATTEMPTS bounds it: past that, the
        # fail-safe answers and the spool keeps the message.
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with self.database.transaction() as connection:
                    outcome = self._handle(connection, inbound, contact_hash, replay, verdict,
                                           arrived=arrived, seen=seen, typed=typed)
                # After the commit: the case row exists whatever happens to this enqueue.
                if outcome.erased:
                    self.forget_spooled(inbound.channel, inbound.address)
                outcome = floods.follow_flood_lead(outcome, verdict, self.throttle,
                                                   self.database)
                floods.cap_new_cases(outcome, self.throttle, self.database)
                self._dispatch(outcome)
                return outcome
            except IntegrityError:
                if inbound.provider_sid:
                    stored = self._replay(inbound.channel, contact_hash,
                                          inbound.provider_sid)
                    if stored is not None:
                        return stored
                if attempt == RACE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def forget_spooled(self, channel: str, address: str) -> None:
        """After an erasure: drop what the fail-safe spooled from this contact and is not stored
        yet, so a message sent before the erasure does not come back after it, in a new
        conversation (app/conversation/spool.py). Never raises: the erasure is done."""
        if self.spool is None:
            return
        try:
            removed = self.spool.forget(channel, address)
        except Exception as error:  # noqa: BLE001 -- logged; the erasure itself stands
            log.error("event=spool.forget_failed %s", exception_summary(error))
            return
        if removed:
            log.info("event=spool.forgotten count=%s", removed)

    def _dispatch(self, outcome: Outcome) -> None:
        """After the commit: the rows exist whatever happens to these enqueues."""
        if self.dispatcher is None:
            return
        due = outcome.case_opened or outcome.raised_to_urgent or outcome.stands_alone
        if due and outcome.escalation_id and not outcome.under_flood_lead:
            self.dispatcher.notify(outcome.escalation_id, urgent=outcome.risk == "urgent")
        self.dispatcher.delete_copies(list(outcome.deletion_ids))
        if outcome.erased:
            self.dispatcher.reclaim()

    def _handle(
        self, connection: Connection, inbound: InboundMessage, contact_hash: str,
        replay: Replay | None, verdict: Verdict, *, arrived: datetime, seen: list[uuid.UUID],
        typed: typed_numbers.Typed | None = None,
    ) -> Outcome:
        now = replay.received_at if replay else self.clock()
        # One read, then the writes: on SQLite the first write takes the database's write
        # lock, so the flow is stepped and every text sealed before anything is written.
        found = lookup.find(connection, self.keyring, self.hasher, inbound, contact_hash)
        if found.erased_message or lookup.erased_since(found, arrived, seen):
            # The provider's retry of the message that erased a conversation, or a message of
            # a conversation erased since it arrived: the same neutral confirmation, and
            # nothing stored (docs/threat-model.md, A4).
            return Outcome(self.render(None, ERASED_REPLY, channel=inbound.channel),
                           uuid.uuid4(), None, replayed=True)
        seen.extend([found.conversation.id] if found.conversation else [])
        # A text from a safe number a web chat gave: the chat may become this number's
        # conversation now (app/conversation/safe_numbers.py), and this text its first.
        joined = (inbound.channel == "sms" and replay is None
                  and safe_numbers.on_text(connection, found, contact_hash, now))
        if joined:
            found = lookup.find_again(connection, self.keyring, inbound, contact_hash)
        conversation, opted_out = found.conversation, found.opted_out
        state = (ConversationState.from_json(conversation.state_json)
                 if conversation and conversation.state_json
                 else ConversationState(language=conversation.language if conversation else None))
        state = safe_numbers.first_text_state(state) if joined else state

        keyword = optouts.in_effect(inbound.provider_keyword, opted_out=opted_out)
        if keyword is None and not opted_out:
            turn = self._turn(inbound, contact_hash, state, now,
                              stored=found.resume_word_hash, joined=joined,
                              typed=typed if replay is None else None)
        else:
            turn = Turn(state, optouts.keyword_reply(
                keyword, self.deployment.provider_handles_keywords), flow_ran=False,
                actions=optouts.keyword_actions(keyword, opted_out=opted_out,
                                                cover=state.cover))
        if replay is not None:
            turn = spool.replayed_turn(turn, state)
        state = turn.state
        rendered = (self.render(state.language, turn.reply_ids, now, channel=inbound.channel)
                    if turn.reply_ids else None)

        def render(language: str | None, message_ids: tuple[str, ...]) -> str:
            return self.render(language, message_ids, channel=inbound.channel)

        text = (replay.reply_text if replay is not None  # what the fail-safe already sent
                else floods.sent_text(inbound.channel, turn, rendered, verdict, render,
                                      has_case=found.open_case is not None))
        # The case page names an automated reply by its messages ("menu sent"); only when it
        # is the flow's own reply (a flood notice or a replayed answer is not).
        flow_ids = turn.reply_ids if text is not None and text is rendered else ()

        conversation = self._store(connection, conversation, inbound, turn,
                                   contact_hash=contact_hash, text=text, flow_ids=flow_ids,
                                   typed=typed, replay=replay, now=now)
        if any(isinstance(a, RequestErasure) for a in turn.actions):
            deletions = erasure.erase(connection, conversation.id, also=inbound.provider_sid,
                                      now=now)
            return Outcome(text, conversation.id, state.language, step=state.step,
                           deletion_ids=tuple(deletions), erased=True)
        # A carrier keyword's opt-out or opt-in (any other message records nothing).
        optouts.record(connection, keyword, contact_hash=contact_hash, opted_out=opted_out,
                       now=now)
        if not turn.flow_ran and not turn.actions:  # HELP goes on, to open its case
            return Outcome(text, conversation.id, state.language, step=state.step)
        change = case_side.follow(
            connection, turn, conversation=conversation, was=found.open_case,
            contact_hash=contact_hash, channel=inbound.channel, limited=verdict.limited,
            deployment=self.deployment, hasher=self.hasher, keyed=self.contact_hash, now=now)
        case = change.case
        code = (self._return_code(connection, conversation.id, turn, now)
                if replay is None and not verdict.limited and inbound.channel == "web" else None)
        return Outcome(text, conversation.id, state.language, step=state.step,
                       escalation_id=case.id if case else None, keyword=turn.keyword,
                       risk=turn.risk.level,
                       case_opened=change.opened, raised_to_urgent=change.raised_to_urgent,
                       throttled=verdict.limited, stands_alone=change.stands_alone,
                       return_code=code, ask_number=inbound.channel == "web"
                       and replay is None and safe_numbers.asks_again(turn),
                       number_saved=turn.safe_number is not None)

    def _store(self, connection: Connection, conversation: vault.OpenConversation | None,
               inbound: InboundMessage, turn: Turn, *, contact_hash: str, text: str | None,
               flow_ids: tuple[str, ...], typed: typed_numbers.Typed | None,
               replay: Replay | None, now: datetime) -> vault.OpenConversation:
        """The message and its reply, sealed, in the contact's conversation (opened now if it
        has none), and the flow's state moved on. The message is stored as kept: with any
        typed phone number withheld, or as the turn says (a resume word is never stored)."""
        if conversation is None:
            conversation = vault.create(
                connection, self.keyring, channel=inbound.channel, contact_hash=contact_hash,
                address=inbound.reply_address, now=now)
            tallies.contact_started(connection, now, channel=inbound.channel,
                                    language=turn.state.language)
        received = uuid.uuid4()
        kept = typed.text if typed is not None else inbound.body
        new = [vault.NewMessage("in", "survivor", turn.stored_body or kept,
                                inbound.provider_sid, received)]
        if text is not None:
            new.append(vault.NewMessage("out", "flow", text, reply_to=received,
                                        flow_ids=tuple(flow_ids)))
        vault.add_messages(connection, conversation, new, now)
        if spool.moves_state(replay, new_conversation=conversation.is_new):
            vault.save_state(connection, conversation, turn.state.to_json(),
                             turn.state.language, now)
        return conversation

    def _return_code(self, connection: Connection, conversation_id: uuid.UUID, turn: Turn,
                     now: datetime) -> str | None:
        """A code for the page to show once, when this message chose "come back later"
        (flows/webchat.yaml records wants=come_back). Never in cover mode: whoever is there
        must see only the cover reply."""
        chose = any(isinstance(a, Record) and a.choice == "wants" and a.value == "come_back"
                    for a in turn.actions)
        if not chose or turn.state.cover or self.return_codes is None:
            return None
        return self.return_codes.issue(connection, conversation_id, now)

    def _turn(self, inbound: InboundMessage, contact_hash: str, state: ConversationState,
              now: datetime, *, stored: str | None, joined: bool = False,
              typed: typed_numbers.Typed | None = None) -> Turn:
        """What the flow answers to this message (app/conversation/turn.py; reads only, the
        caller writes), with the flow of the message's channel; when a number was withheld
        from it, what the reply says about that (typed_numbers.answer)."""
        flow = self.web_flow if inbound.channel == "web" else self.flow
        if flow is None:
            raise FlowUnavailable("no valid flow is loaded")
        readers = Readers(self.deployment, self.hasher, triage=self.triage,
                          second_opinion=self.second_opinion, guesser=self.guesser)
        turn = compose(readers, flow, inbound, state, now, contact_hash=contact_hash,
                       stored=stored, joined=joined)
        if typed is None or not turn.flow_ran:
            return turn
        return typed_numbers.answer(turn, typed, flow=flow, channel=inbound.channel,
                                    before=state)

    def render(self, language: str | None, message_ids: tuple[str, ...],
               now: datetime | None = None, channel: str | None = None) -> str:
        """The messages as one reply, in the channel's own wording where a message has one
        (app/conversation/reply_text.py)."""
        return reply_text.render(self.catalogues, self.deployment, language, message_ids,
                                 now=now, channel=channel)

    def services_text(self, language: str | None) -> str:
        """The deployment's services for a reply's {services}, in `language`."""
        return services_text(self.deployment, language)

    def _replay(self, channel: str, contact_hash: str, provider_sid: str) -> Outcome | None:
        """Answer a provider's retry with exactly what the first delivery was answered, found
        in the sender's own conversation only."""
        with self.database.transaction() as connection:
            found = vault.find_reply(connection, self.keyring, channel=channel,
                                     contact_hash=contact_hash, provider_sid=provider_sid)
        if found is None:
            return None
        conversation_id, language, text = found
        return Outcome(text, conversation_id, language, replayed=True)
