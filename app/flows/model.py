"""The shape of a flow once loaded: immutable, validated, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MessageRef:
    """A message to send, by id; the text is looked up in the survivor's language at the edge."""

    id: str


@dataclass(frozen=True)
class Escalate:
    """Ask for a human advocate. `reason` is a code advocates see, never survivor text."""

    priority: str
    reason: str


Action = Escalate

PRIORITIES = ("routine", "high", "urgent")


@dataclass(frozen=True)
class Step:
    id: str
    say: tuple[MessageRef, ...]
    options: dict[str, str] = field(default_factory=dict)  # normalised reply -> step id
    otherwise: str | None = None  # where unrecognised input goes; None: stay and re-ask
    next: str | None = None  # continue straight on, without waiting for input
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Keyword:
    """Words that work from any step, e.g. "999" or "person"."""

    words: frozenset[str]
    goto: str


@dataclass(frozen=True)
class Flow:
    id: str
    start: str
    steps: dict[str, Step]
    keywords: tuple[Keyword, ...]
    source: str = field(default="", compare=False)

    def message_ids(self) -> set[str]:
        return {ref.id for step in self.steps.values() for ref in step.say}
