"""The shape of the conversation once loaded: immutable, validated, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from app.flows.intents import Intents

if TYPE_CHECKING:  # answers.py reads Step, so it is imported here only for the type
    from app.flows.answers import AnswerWords

PRIORITIES = ("routine", "high", "urgent")


@dataclass(frozen=True)
class MessageRef:
    """A message to send, by id; the text is looked up in the survivor's language at the edge."""

    id: str


@dataclass(frozen=True)
class Escalate:
    """Ask for a human advocate. `reason` is a code advocates see, never survivor text."""

    priority: str
    reason: str


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class Record:
    """Store one of the survivor's choices (a code, dated by the engine) for advocates."""

    choice: str
    value: str


@dataclass(frozen=True)
class Pause:
    """Hold every outbound message until the survivor writes again."""


@dataclass(frozen=True)
class RequestErasure:
    """The survivor confirmed that this conversation should be erased."""


@dataclass(frozen=True)
class Cover:
    """The duress word: answer only with the harmless cover reply from now on."""


@dataclass(frozen=True)
class SetSecret:
    """The survivor gave a secret (the resume word). The value is for the service to hash at
    once: it is never recorded in the state, shown to advocates or written to a log."""

    name: str
    value: str = field(repr=False)


Action = Escalate | SetLanguage | Record | Pause | RequestErasure | Cover | SetSecret


@dataclass(frozen=True)
class SecretCapture:
    """A step that takes the survivor's reply as a secret, if it is long enough."""

    name: str
    min_length: int
    too_short: MessageRef
    # Once a value is set, a new one is taken only after the current one is given at this
    # step (a `check` step of the same secret; the loader makes sure).
    change_via: str


@dataclass(frozen=True)
class Step:
    id: str  # "flow.step", unique across all flow files
    say: tuple[MessageRef, ...]
    options: dict[str, str] = field(default_factory=dict)  # normalised reply -> step id
    otherwise: str | None = None  # where unrecognised input goes; None: stay and re-ask
    next: str | None = None  # continue straight on, without waiting for input
    capture: str | None = None  # store the reply itself (sealed) as this choice, then `next`
    actions: tuple[Action, ...] = ()
    secret: SecretCapture | None = None  # hand the reply to the service as a secret, then `next`
    # Compare the reply with this secret's current value (never kept): right, `next`;
    # anything else, `otherwise`.
    check: str | None = None
    # Which intents (flows/intents.yaml) free text is read for at this step; None: all.
    intents: frozenset[str] | None = None
    # On the web chat this step is replaced by that one (see `Flow.for_channel`).
    web: str | None = None
    # ... and by this one where the service can text and call a safe number the chat is given.
    web_texts: str | None = None
    # Which option a yes or a no in the survivor's words stands for (app/flows/answers.py).
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Keyword:
    """Words that work from any step, in every language, e.g. "999" or "person"."""

    name: str
    goto: str
    words: dict[str, frozenset[str]]  # language -> normalised words
    # On a fresh start, a word of exactly one language sets the conversation's language.
    sets_language: bool = False
    source: str = field(default="", compare=False)  # the file, for error messages
    index: int = field(default=0, compare=False)  # its position in that file's list

    def all_words(self) -> frozenset[str]:
        return self._all_words

    @cached_property
    def _all_words(self) -> frozenset[str]:
        # Once per keyword, not once per keyword per message: every message is compared
        # with every keyword (app/flows/engine.py, rule 2).
        return frozenset().union(*self.words.values()) if self.words else frozenset()


@dataclass(frozen=True)
class Flow:
    """Every step of every flow file, the keywords, and where a conversation starts."""

    start: str
    steps: dict[str, Step]
    keywords: tuple[Keyword, ...]
    sources: dict[str, str] = field(default_factory=dict, compare=False)  # step id -> file
    cover_step: str | None = None  # where the duress word leads (a cover reply)
    urgent_step: str | None = None  # where an urgent triage result leads
    # What a locked conversation's try at a secret is answered with (the engine's rule 6).
    locked_step: str | None = None
    # Where a web chat goes on once the page's form saved a safe number (the service moves it
    # there: app/conversation/chat_sessions.py, give_number).
    number_saved_step: str | None = None
    # Messages the service sends outside any step (STOP confirmations, the fail-safe).
    service_messages: dict[str, str] = field(default_factory=dict, compare=False)
    # What free text asks for (flows/intents.yaml), read before any menu.
    intents: Intents | None = field(default=None, compare=False)
    # Yes and no in the survivor's words, for steps that take them (app/flows/answers.py).
    answer_words: AnswerWords | None = field(default=None, compare=False)

    def keyword_language(self, keyword_name: str, said: str) -> str | None:
        """The one language whose words for this keyword include `said`, if only one does."""
        for keyword in self.keywords:
            if keyword.name == keyword_name and keyword.sets_language:
                languages = {lang for lang, words in keyword.words.items()
                             if said in words and lang != "*"}
                return next(iter(languages)) if len(languages) == 1 else None
        return None

    def for_channel(self, channel: str, *, texts: bool = False) -> Flow:
        """The conversation as `channel` runs it. On the web chat a step that names a `web:`
        step is replaced by that step, under the web step's own id: the chat cannot text or
        call anyone once its tab is closed, so where the SMS flow offers that, the web flow
        offers what the chat can do. With `texts` (the service can text and call a safe number
        the chat is given: app/conversation/safe_numbers.py) a `web_texts:` step is used where
        one is named. Any other channel runs the flow as written."""
        if channel != "web" or not any(s.web for s in self.steps.values()):
            return self

        def on_web(s: Step) -> Step:
            if texts and s.web_texts:
                return self.steps[s.web_texts]
            return self.steps[s.web] if s.web else s

        return replace(self, steps={sid: on_web(s) for sid, s in self.steps.items()})

    def message_ids(self) -> set[str]:
        said = {ref.id for step in self.steps.values() for ref in step.say}
        said |= {step.secret.too_short.id for step in self.steps.values() if step.secret}
        return said | set(self.service_messages)

    def source_of(self, step_id: str) -> str:
        return self.sources.get(step_id, "<flows>")
