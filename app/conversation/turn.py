"""One message's turn: what the service answers to it, composed before anything is written.

The conversation service (app/conversation/service.py) reads the conversation, calls `compose`,
and stores what comes back. Composing a turn reads and decides only: the resume word's lock
(app/conversation/resume_word.py), triage and the learned second opinion, one step of the pure
flow engine, the hours lines of an answer that opens a case (app/conversation/reply_text.py),
the words an emergency reply held back and the locked reply's prompt
(app/conversation/held.py), and the offer to choose a language written in Latin letters
(app/content/romanised.py). Nothing here touches the database; the clock is an argument.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.content.language import LanguageGuesser
from app.content.romanised import offer_in_conversation
from app.conversation import held, reply_text, resume_word
from app.conversation.messages import InboundMessage, Turn
from app.crypto import ContactHasher
from app.deployment import Deployment
from app.flows import ConversationState, Escalate, Flow, StepResult, learned
from app.flows import step as flow_step
from app.flows.learned import NO_OPINION, SecondOpinion
from app.flows.model import Pause, SetSecret
from app.flows.said import Said
from app.flows.triage import NONE as NO_RISK
from app.flows.triage import Assessment, TriageRules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readers:
    """What a turn reads a message with, besides the flow: the service's own, passed at the
    time of the call (a test may change one on the service between messages)."""

    deployment: Deployment
    hasher: ContactHasher
    triage: TriageRules | None = None
    second_opinion: SecondOpinion | None = None
    guesser: LanguageGuesser | None = None


def compose(readers: Readers, flow: Flow, inbound: InboundMessage, state: ConversationState,
            now: datetime, *, contact_hash: str, stored: str | None,
            joined: bool = False) -> Turn:
    """What the flow answers to this message (reads only; the caller writes). `stored`: the
    contact's resume word's hash, if one is set; `joined`: this text joined a web chat to its
    number, and starts a conversation there."""
    # The language this message reads as: the conversation's, when it has none yet, and
    # always one more for triage (a Polish message on an English page is read in Polish).
    guessed = (inbound.guessed.language if inbound.guessed is not None  # a replay's
               else readers.guesser.guess(inbound.body) if readers.guesser else None)
    if state.language is None:
        state = replace(state, language=inbound.language_hint or guessed)
    idle = timedelta(minutes=readers.deployment.conversation_idle_minutes)
    # A later conversation on an SMS number: it starts locked if the survivor set a word.
    # A web chat that has just become the number's counts as a later conversation on it,
    # however recent the chat: the web chat never gets round the number's resume word.
    starting = inbound.channel == "sms" and (
        joined or state.last_activity is None or now - state.last_activity > idle)
    # A reply to the locked prompt. In cover mode (after the duress word) even the right
    # word gets only the cover reply; past the limit of wrong tries, it counts as one more.
    locked_reply = inbound.channel == "sms" and state.locked and not starting
    given = locked_reply and stored is not None and resume_word.matches(
        readers.hasher, contact_hash, stored, inbound.body, address=inbound.address)
    if locked_reply and not state.cover and (
            stored is None or (given and resume_word.may_guess(state, now))):
        # The word (or no word any more): what was held for them can follow now.
        log.info("event=resume_word.given")
        return Turn(replace(state, locked=False, last_activity=now, wrong_guesses=(),
                            word_prompt_held=False),
                    ("resume.accepted",), stored_body=resume_word.GIVEN_MARKER,
                    actions=resume_word.upgrade(stored, inbound.body))
    if starting and stored is not None:
        # Locked before the flow runs, so nothing this first message asks for (a new word,
        # "my word") gets past the lock; even a duress message leaves it locked.
        state = replace(state, locked=True)
    # Folded once, for triage and the intents both; a long body is read in part, so a
    # huge message cannot hold a web worker (app/flows/said.py). It is stored whole.
    said = Said.of(inbound.body)
    risk, opinion = _assess(readers, said, state.language, guessed)
    result = flow_step(flow, state, inbound.body, now, idle,
                       urgent=risk.at_least("urgent"),
                       disclosure=risk.at_least("routine"),
                       person=opinion.person,
                       secrets=resume_word.ContactSecrets(readers.hasher, contact_hash, stored,
                                                          inbound.address),
                       folded=said)
    state, reply_ids = _reply(readers.deployment, flow, result, risk, body=inbound.body,
                              now=now, starting=starting)
    actions = result.actions
    if state.locked:
        # The engine already refuses (rule 6); this keeps it so whatever a flow says.
        actions = tuple(a for a in actions if not isinstance(a, SetSecret))
    secret_set = any(isinstance(a, SetSecret) for a in actions)
    stored_body = (resume_word.SET_MARKER if secret_set
                   else resume_word.WITHHELD_MARKER if result.secret_given else None)
    if locked_reply and (given or resume_word.is_guess(inbound.body, result, risk)):
        # A wrong try at the word (or the word past the limit): not kept, and counted.
        log.info("event=resume_word.wrong_guess")
        state, stored_body = (resume_word.count_wrong_guess(state, now),
                              resume_word.GUESS_MARKER)
    return Turn(state, reply_ids, actions=actions, risk=risk, keyword=result.keyword,
                stored_body=stored_body)


def _assess(readers: Readers, said: Said, language: str | None,
            guessed: str | None) -> tuple[Assessment, learned.Opinion]:
    """The risk the rules read, raised by what the learned second opinion (when the
    deployment turns it on) reads that they missed; it never lowers it."""
    risk = (readers.triage.assess(said, language, also=(guessed,) if guessed else ())
            if readers.triage else NO_RISK)
    opinion = (readers.second_opinion.read(said, guessed or language)
               if readers.second_opinion else NO_OPINION)
    return learned.raised(risk, opinion), opinion


def _reply(deployment: Deployment, flow: Flow, result: StepResult, risk: Assessment, *,
           body: str, now: datetime, starting: bool) -> tuple[ConversationState, tuple[str, ...]]:
    """The step's reply as the survivor gets it, and the state that says what it held back:
    the hours lines of an answer that opens a case, what an earlier emergency reply held,
    the language offer, the locked reply's prompt."""
    state = result.state
    reply_ids = tuple(ref.id for ref in result.replies)
    # Never after the duress word: the cover reply must stay an ordinary text.
    escalations = [a for a in result.actions if isinstance(a, Escalate)]
    held_back: tuple[str, ...] = ()
    if not state.cover and escalations:
        urgent = risk.at_least("urgent") or any(a.priority == "urgent" for a in escalations)
        hours_said = reply_text.with_hours(
            deployment, now, reply_ids, urgent=urgent,
            urgent_step=result.keyword == "urgent",
            pauses=any(isinstance(a, Pause) for a in result.actions))
        reply_ids, held_back = hours_said.reply_ids, hours_said.held
    # What an earlier emergency reply held back follows this reply, if it is the one it
    # waits for; then what this one holds back waits in turn (app/conversation/held.py).
    state, reply_ids = held.follow(flow, result, state, reply_ids)
    state = held.hold(state, held_back)
    if not state.cover and state.language is None:
        # Urdu or Punjabi in Latin letters, which no model reads: how to choose either,
        # in the letters they wrote in (app/content/romanised.py).
        reply_ids, read, given = offer_in_conversation(
            reply_ids, body, read=state.romanised, given=state.romanised_line_given)
        state = replace(state, romanised=read, romanised_line_given=given)
    # The locked reply, after this reply or, after an emergency one, the next that is not.
    # (A try at setting a word while locked got it from the flow's `locked` step already,
    # and nothing more: rule 6 in app/flows/engine.py.)
    return held.with_word_prompt(state, reply_ids, starting=starting,
                                 refused=result.secret_refused)
