"""The pure conversation step: (flow, state, text, now) -> (replies, next state, actions).

No I/O and no clock of its own (see the package docstring). The order of decisions is the
safety policy, so it is written out here once:

1. Global keywords ("999", "person", ...) win from any step, even on first contact: a survivor
   whose first words are "help me" gets the emergency options, not a welcome.
2. A new conversation, or one idle past the timeout, starts again at the flow's start, so a
   message sent days later is not read as an answer to an old question.
3. Otherwise the reply is matched against the current step's options; anything else goes to
   the step's `otherwise`, or the step is asked again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from app.flows.model import Action, Flow, MessageRef, Step
from app.flows.text import normalise


@dataclass(frozen=True)
class ConversationState:
    """Where a conversation is. Serialised to JSON and sealed before it is stored."""

    step: str | None = None
    last_activity: datetime | None = None
    language: str | None = None
    data: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "step": self.step,
                "last_activity": self.last_activity.isoformat() if self.last_activity else None,
                "language": self.language,
                "data": self.data,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> ConversationState:
        parsed: dict[str, Any] = json.loads(raw)
        last = parsed.get("last_activity")
        return cls(
            step=parsed.get("step"),
            last_activity=datetime.fromisoformat(last) if last else None,
            language=parsed.get("language"),
            data=dict(parsed.get("data") or {}),
        )


@dataclass(frozen=True)
class StepResult:
    replies: tuple[MessageRef, ...]
    state: ConversationState
    actions: tuple[Action, ...]
    restarted: bool = False


def step(
    flow: Flow,
    state: ConversationState,
    text: str,
    now: datetime,
    idle_timeout: timedelta,
) -> StepResult:
    """Advance a conversation by one inbound message."""
    said = normalise(text)
    expired = (
        state.step is None
        or state.step not in flow.steps  # the flow was edited under a live conversation
        or state.last_activity is None
        or now - state.last_activity > idle_timeout
    )
    keyword_target = _keyword_target(flow, said)
    if keyword_target is not None:
        target = keyword_target
    elif expired:
        target = flow.start
    else:
        target = _answer_target(flow.steps[state.step or flow.start], said)
    replies, actions, final = _enter(flow, target)
    new_state = replace(state, step=final, last_activity=now)
    return StepResult(replies, new_state, actions, restarted=expired and keyword_target is None)


def _keyword_target(flow: Flow, said: str) -> str | None:
    for keyword in flow.keywords:
        if said in keyword.words:
            return keyword.goto
    return None


def _answer_target(current: Step, said: str) -> str:
    if said in current.options:
        return current.options[said]
    return current.otherwise or current.id


def _enter(flow: Flow, target: str) -> tuple[tuple[MessageRef, ...], tuple[Action, ...], str]:
    """Say what the target step says, following `next` links (the loader forbids loops)."""
    replies: list[MessageRef] = []
    actions: list[Action] = []
    current = flow.steps[target]
    while True:
        replies.extend(current.say)
        actions.extend(current.actions)
        if current.next is None:
            return tuple(replies), tuple(actions), current.id
        current = flow.steps[current.next]
