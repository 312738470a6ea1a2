"""The pure conversation step: (flow, state, text, now) -> (replies, next state, actions).

No I/O and no clock of its own (see the package docstring). The order of decisions is the
safety policy, so it is written out here once:

1. Cover mode (after the duress word) answers everything with the cover reply until the
   conversation goes idle: whoever holds the phone now learns nothing.
2. Global keywords ("999", "person", "pause", in any supported language) win from any step,
   even on first contact: a survivor whose first words are "help me" gets the emergency
   options, not a welcome. One exception: at a step that asks a yes-or-no question
   (`answers`), a whole-message yes or no (flows/answers.yaml) answers it before the pause and
   greeting keywords, some of whose words are answers ("not now", "nie teraz"; Somali "haye").
   Read as the keyword, "not now" to "delete this conversation?" paused and never said that
   nothing was deleted, and to "is it safe to be texting now?" it skipped recording "not safe".
3. A message that triage reads as immediate danger goes to the flow's urgent step.
4. A first message, or free text that is not an answer to the current step (not one of its
   options, and the step does not take free text or a secret), is read for intent
   (flows/intents.yaml: a person, help, cannot talk, a language, information, a greeting)
   and answered from that intent's step; text that triage reads as a disclosure is the
   `disclosure` intent, whose step offers a person at once.
5. A new conversation, or one idle past the timeout, starts again at the flow's start, so a
   message sent days later is not read as an answer to an old question.
6. Otherwise the reply is matched against the current step's options (or captured, where the
   step asks for free text); anything else goes to the step's `otherwise`, or the step is asked
   again.
Writing again after "pause" lifts the pause: the survivor has chosen to be in touch.

Secrets (the resume word) follow two more rules, whichever way a step is reached:
7. While the conversation is locked (the service locks a later conversation on a number with a
   resume word until the word is given), no step that takes or checks a secret is entered or
   answered: the conversation goes to the flow's `locked` step instead, which says only what
   the locked reply says already, and the result says `secret_refused`. Whoever holds the
   phone cannot set, change or clear the word, and learns nothing new by trying.
8. A secret that is already set is replaced only after its current value is given: entering
   its step leads first to the step named by its `change_via` (a `check` step), and only a
   right answer there goes on to take the new value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from app.flows.intents import Reading
from app.flows.model import (
    Action,
    Cover,
    Flow,
    MessageRef,
    Pause,
    Record,
    RequestErasure,
    SetLanguage,
    SetSecret,
    Step,
)
from app.flows.said import Said
from app.flows.state import Choice, ConversationState
from app.flows.text import normalise

# The global keywords a step's yes or no answers before (rule 2). Not the others: "999" and the
# duress word must win from anywhere, and no answer word is one of theirs.
ANSWERS_BEFORE_KEYWORDS = frozenset({"pause", "greeting"})
# A chain of `next` steps longer than this is a flow error the loader should have caught.
_MAX_CHAIN = 32


class Secrets(Protocol):
    """What the caller knows of the survivor's secrets: whether one is set and whether a text
    is it. The caller compares keyed hashes it read beforehand; the engine never sees a stored
    value and does no I/O through this."""

    def is_set(self, name: str) -> bool: ...

    def matches(self, name: str, text: str) -> bool: ...


class _NoSecrets:
    def is_set(self, name: str) -> bool:
        return False

    def matches(self, name: str, text: str) -> bool:
        return False


NO_SECRETS: Secrets = _NoSecrets()


@dataclass(frozen=True)
class StepResult:
    replies: tuple[MessageRef, ...]
    state: ConversationState
    actions: tuple[Action, ...]
    restarted: bool = False
    keyword: str | None = None
    # The conversation is locked and the message tried to reach a secret (rule 6).
    secret_refused: bool = False
    # The text was taken as a secret or checked against one: the caller must not keep it.
    secret_given: bool = False
    # The intent the text was read as (flows/intents.yaml), or "disclosure".
    intent: str | None = None


def step(
    flow: Flow,
    state: ConversationState,
    text: str,
    now: datetime,
    idle_timeout: timedelta,
    *,
    urgent: bool = False,
    disclosure: bool = False,
    secrets: Secrets = NO_SECRETS,
    folded: Said | None = None,
    person: bool = False,
) -> StepResult:
    """Advance a conversation by one inbound message.

    `urgent` is the triage result for this message (see `app.flows.triage`): a message that
    reads as immediate danger is answered from the flow's urgent step, not as a menu reply.
    `disclosure` says triage read any risk at all in it (a disclosure of abuse).
    `secrets` says which of the survivor's secrets are set and checks a text against one.
    `folded` is `text` as triage read it (`app/flows/said.py`), so the intents do not fold
    it again; without it the intents fold `text` themselves.
    `person` says the learned second opinion (`app.flows.learned`) read a request for a
    person in free text: on a message that starts a conversation (what it was taught on),
    the person intent answers it unless the intents read one already, or read "cannot talk"
    (pausing is what keeps that survivor safe). It adds, never removes: keywords and urgent
    triage still come first.
    """
    said = normalise(text)
    expired = (
        state.step is None
        or state.step not in flow.steps  # the flow was edited under a live conversation
        or state.last_activity is None
        or now - state.last_activity > idle_timeout
    )
    if expired:
        # A fresh start forgets the position, the pause and cover mode, and what an emergency
        # reply held back (a question about an old step; the service asks a locked new
        # conversation for the word afresh), not the language or the survivor's choices.
        state = replace(state, step=None, paused=False, cover=False, held=(), held_step=None,
                        word_prompt_held=False)
    elif state.paused:
        state = replace(state, paused=False)

    if state.cover and flow.cover_step is not None:
        return _run(flow, state, flow.cover_step, now, secrets, restarted=False, keyword="cover")

    current = None if expired else flow.steps[state.step or flow.start]
    answered = (flow.answer_words.option(current, said, state.language)
                if current is not None and flow.answer_words is not None else None)
    keyword = _keyword(flow, said)
    if keyword is not None and not (answered and keyword[0] in ANSWERS_BEFORE_KEYWORDS):
        language = flow.keyword_language(keyword[0], said) if expired else None
        return _run(flow, state, keyword[1], now, secrets, restarted=False, keyword=keyword[0],
                    extra=(SetLanguage(language),) if language else ())
    if urgent and flow.urgent_step is not None:
        return _run(flow, state, flow.urgent_step, now, secrets, restarted=expired,
                    keyword="urgent")
    # "no" to "is it safe to be texting now? 1 Yes 2 No" is the option "2", not free text.
    said = answered or said
    if flow.intents is not None and said and _free_text(current, said):
        allowed = current.intents if current else None
        reading = flow.intents.read(folded or text, allowed, disclosure=disclosure)
        # Only on a message that starts a conversation: the model was taught and measured on
        # first messages, and mid-conversation "ok" or "thanks" read as asking for a person
        # again (the second opinion's urgent reading, through triage, holds on any message).
        if person and expired and (reading is None
                                   or reading.name not in _PERSON_STANDS_ASIDE):
            reading = flow.intents.named(PERSON_INTENT, allowed) or reading
        if reading is not None:
            return _intent(flow, state, reading, now, secrets, expired=expired)
    if expired:
        return _run(flow, state, flow.start, now, secrets, restarted=True)

    return _answer(flow, state, flow.steps[state.step or flow.start], text, now,
                   said=said, secrets=secrets)


def _answer(flow: Flow, state: ConversationState, current: Step, text: str, now: datetime,
            *, said: str, secrets: Secrets) -> StepResult:
    """The survivor's reply to the step they are at: a secret, free text, or an option.
    `said` is the text normalised, or the option a yes or a no in their words stands for."""
    takes_secret = current.secret is not None or current.check is not None
    if takes_secret and said and said not in current.options:
        if state.locked:
            # Rule 6 (a locked conversation cannot be here; should it be, nothing is taken).
            return replace(_refuse(flow, state, now, secrets), secret_given=True)
        if current.check is not None:
            return _check_secret(flow, state, current, text, now, secrets=secrets)
        return _take_secret(flow, state, current, text, now, secrets=secrets)
    if current.capture is not None and said and said not in current.options:
        # Free text the survivor chose to give (e.g. "weekdays after 10"): kept verbatim. A
        # capture step's own options (if it has any) are answers, not text to keep.
        captured = Record(current.capture, text.strip()[:500])
        target = current.next or current.otherwise or flow.start
        return _run(flow, state, target, now, secrets, restarted=False, extra=(captured,))
    target = current.options.get(said) or current.otherwise or current.id
    return _run(flow, state, target, now, secrets, restarted=False)


def _take_secret(flow: Flow, state: ConversationState, current: Step, text: str,
                 now: datetime, *, secrets: Secrets) -> StepResult:
    """A secret step: too short, ask again; otherwise hand the secret over and go on."""
    secret = current.secret
    assert secret is not None  # noqa: S101 -- the caller checked
    value = text.strip()
    if len(value) < secret.min_length:
        stay = replace(state, step=current.id, last_activity=now)
        return StepResult((secret.too_short,), stay, (), secret_given=True)
    target = current.next or current.otherwise or flow.start
    result = _run(flow, state, target, now, secrets, restarted=False,
                  extra=(SetSecret(secret.name, value),))
    return replace(result, secret_given=True)


def _check_secret(flow: Flow, state: ConversationState, current: Step, text: str,
                  now: datetime, *, secrets: Secrets) -> StepResult:
    """A check step (rule 7): the current value goes on to `next`, which may then take a new
    one; anything else goes to `otherwise` and nothing changes. Either way the text was a
    secret, so the caller keeps none of it."""
    name = current.check
    assert name is not None  # noqa: S101 -- the caller checked
    right = secrets.matches(name, text)
    target = (current.next if right else current.otherwise) or flow.start
    result = _run(flow, state, target, now, secrets, restarted=False,
                  confirmed=name if right else None)
    return replace(result, secret_given=True)


def _free_text(current: Step | None, said: str) -> bool:
    """Whether a text is free text to read for intent: any first message, or one that is not
    an option of the current step, at a step that does not take free text or a secret."""
    if current is None:
        return True
    return (said not in current.options and current.capture is None
            and current.secret is None and current.check is None)


PERSON_INTENT = "person"
# Intents a second opinion's "person" does not replace: the person intent itself, and
# "cannot talk" (the rules read that the survivor cannot talk now).
_PERSON_STANDS_ASIDE = frozenset({PERSON_INTENT, "cannot_talk"})


def _intent(flow: Flow, state: ConversationState, reading: Reading, now: datetime,
            secrets: Secrets, *, expired: bool) -> StepResult:
    """Answer from the intent's step; on a fresh start, a greeting in one language sets it."""
    extra: tuple[Action, ...] = ()
    if reading.sets_language and reading.language and expired:
        extra = (SetLanguage(reading.language),)
    result = _run(flow, state, reading.goto, now, secrets, restarted=expired, extra=extra)
    return replace(result, intent=reading.name)


def _keyword(flow: Flow, said: str) -> tuple[str, str] | None:
    for keyword in flow.keywords:
        if said in keyword.all_words():
            return keyword.name, keyword.goto
    return None


def _run(
    flow: Flow,
    state: ConversationState,
    target: str,
    now: datetime,
    secrets: Secrets,
    *,
    restarted: bool,
    keyword: str | None = None,
    extra: tuple[Action, ...] = (),
    confirmed: str | None = None,
) -> StepResult:
    """Say what the target step says, following `next` links, and apply its actions.

    `confirmed` names a secret whose current value this very message gave (rule 7)."""
    replies: list[MessageRef] = []
    actions: list[Action] = list(extra)
    entering = _entered(flow, state, flow.steps[target], secrets, confirmed)
    for _ in range(_MAX_CHAIN):
        if entering is None:
            # Rule 6: nothing said on the way there goes out, only the locked answer.
            return _refuse(flow, state, now, secrets)
        current = entering
        replies.extend(current.say)
        actions.extend(current.actions)
        if (current.next is None or current.capture is not None or current.secret is not None
                or current.check is not None):
            break
        entering = _entered(flow, state, flow.steps[current.next], secrets, confirmed)
    new_state = _apply(replace(state, step=current.id, last_activity=now), actions, now)
    return StepResult(tuple(replies), new_state, tuple(actions), restarted, keyword)


def _refuse(flow: Flow, state: ConversationState, now: datetime, secrets: Secrets
            ) -> StepResult:
    """Rule 6: a locked conversation tried to reach a secret; the `locked` step answers."""
    assert flow.locked_step is not None  # noqa: S101 -- the loader requires it with secrets
    result = _run(flow, state, flow.locked_step, now, secrets, restarted=False)
    return replace(result, secret_refused=True)


def _entered(flow: Flow, state: ConversationState, target: Step, secrets: Secrets,
             confirmed: str | None) -> Step | None:
    """The step a conversation really enters when it goes to `target`, or None when it may
    not: rules 6 and 7."""
    guarded = target.secret.name if target.secret is not None else target.check
    if guarded is None:
        return target
    if state.locked:
        return None
    secret = target.secret
    if secret is not None and secrets.is_set(secret.name) and confirmed != secret.name:
        # The loader made sure this is a step that checks the same secret.
        return _entered(flow, state, flow.steps[secret.change_via], secrets, confirmed)
    return target


def _apply(state: ConversationState, actions: list[Action], now: datetime) -> ConversationState:
    """The actions that change the conversation's own state; the rest are for the caller."""
    for action in actions:
        if isinstance(action, SetLanguage):
            state = replace(state, language=action.language)
        elif isinstance(action, Record):
            state = replace(state, choices={**state.choices, action.choice: Choice(action.value,
                                                                                   now)})
        elif isinstance(action, Pause):
            state = replace(state, paused=True)
        elif isinstance(action, Cover):
            state = replace(state, cover=True)
        elif isinstance(action, RequestErasure):
            state = replace(state, erasure_requested=now)
    return state
