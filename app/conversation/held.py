"""What an emergency reply holds back, and the reply it follows with (issue 21, item 4).

An emergency reply (app/content/emergency_replies.py) is the numbers and what is true tonight,
and nothing more, so that it fits what a phone shows as one message. Two things it used to
carry wait instead, each for the survivor's next reply that is not an emergency one:

- a step's own words after the urgent answer out of hours: the person step's "is it safe for
  you to be texting now? 1 Yes 2 No" (app/conversation/reply_text.py). It follows only where
  it still reads as the next thing to answer: when the survivor's next message is not an
  answer to it, a keyword, an intent or a choice of their own, so the reply is the step's
  "thank you, that has been passed on" (its `otherwise`). The question is asked then, and the
  conversation goes back to its step, so that "1" or "2" answers it. If they answer it
  anyway ("1", "2"), or choose something else (the menu, "I can't talk", a pause), it is not
  asked: what they chose comes first, and "1 Yes" must never be read against another
  step's options. Their next emergency reply keeps it waiting; the duress word's cover replies
  never carry it; a fresh start forgets it.
- the locked reply's "to see earlier messages, reply with your word", when the first message
  of a locked conversation (a later one on a number with a resume word) is answered with an
  emergency reply. The lock itself does not wait: the conversation is locked before the flow
  runs, nothing from before is shown and no word can be set or changed until the word is
  given (app/conversation/resume_word.py); the word, given at any time, opens it. Only the
  prompt waits, for the next reply that is not an emergency one while still locked and not
  in cover mode, and comes once; the `locked` step's own reply is that prompt already.

Pure: state in, state and reply out; the conversation service stores what it returns.
"""

from __future__ import annotations

from dataclasses import replace

from app.content.emergency_replies import is_emergency
from app.flows import ConversationState, Flow, StepResult

WORD_PROMPT = "resume.ask"


def hold(state: ConversationState, held: tuple[str, ...]) -> ConversationState:
    """Keep a step's own words for later (an urgent answer out of hours left them out); the
    conversation is at that step now, whose options answer them."""
    if not held:
        return state
    return replace(state, held=held, held_step=state.step)


def follow(flow: Flow, result: StepResult, state: ConversationState,
           reply_ids: tuple[str, ...]) -> tuple[ConversationState, tuple[str, ...]]:
    """The held words after this reply, when it is the one they wait for (see the module
    docstring); the state says they have gone, or were overtaken by the survivor's choice.
    `state` is the state after this message (the engine's, as the service changed it)."""
    if not state.held or state.held_step is None:
        return state, reply_ids
    if state.cover or is_emergency(reply_ids):
        return state, reply_ids  # still waiting: nothing rides along with these
    asked_at = flow.steps.get(state.held_step)
    cleared = replace(state, held=(), held_step=None)
    waiting = (asked_at is not None and asked_at.otherwise is not None
               and result.keyword is None and result.intent is None and not state.paused
               and state.step == asked_at.otherwise
               and not set(state.held) <= set(reply_ids))
    if not waiting:
        return cleared, reply_ids
    return replace(cleared, step=state.held_step), (*reply_ids, *state.held)


def with_word_prompt(state: ConversationState, reply_ids: tuple[str, ...], *,
                     starting: bool, refused: bool) -> tuple[ConversationState, tuple[str, ...]]:
    """The locked reply's prompt after this reply, or held for a later one. `starting`: this
    message starts a later conversation (the service locked it if a word is set); `refused`:
    the flow's `locked` step answered, which says the prompt already."""
    if not state.locked or state.cover:
        return state, reply_ids
    if WORD_PROMPT in reply_ids:
        return replace(state, word_prompt_held=False), reply_ids
    if not (starting and not refused) and not state.word_prompt_held:
        return state, reply_ids
    if is_emergency(reply_ids):
        return replace(state, word_prompt_held=True), reply_ids
    return replace(state, word_prompt_held=False), (*reply_ids, WORD_PROMPT)
