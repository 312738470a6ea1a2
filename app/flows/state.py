"""Where a conversation is: the state the pure engine (`engine.step`) takes and returns.

The service seals it as JSON with the conversation's data key before storing it
(app/storage/vault.py), so every field here is something the survivor's conversation needs to
carry from one message to the next, and nothing more (least data). Pure, like the engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One of the survivor's recorded choices, with when they made it."""

    value: str
    at: datetime


@dataclass(frozen=True)
class ConversationState:
    """Where a conversation is. Serialised to JSON and sealed before it is stored."""

    step: str | None = None
    last_activity: datetime | None = None
    language: str | None = None
    paused: bool = False
    cover: bool = False
    erasure_requested: datetime | None = None
    choices: dict[str, Choice] = field(default_factory=dict)
    # Set by the service when a later conversation starts on a number with a resume word:
    # nothing from before is shown until the word is given (app/conversation/resume_word.py).
    locked: bool = False
    # When the latest wrong tries at the resume word were made (sealed with the rest of the
    # state): the service limits them per conversation (app/conversation/resume_word.py).
    wrong_guesses: tuple[datetime, ...] = ()
    # What an emergency reply left out so that it fits what a phone shows as one message
    # (issue 21, item 4; app/conversation/held.py): a step's own words (`held`, with the step
    # whose options answer them), and the locked reply's "reply with your word". Each follows
    # with the next reply that is not an emergency one; a fresh start forgets them.
    held: tuple[str, ...] = ()
    held_step: str | None = None
    word_prompt_held: bool = False
    # While the conversation has no language: a text of it read as Urdu or Punjabi in Latin
    # letters (`romanised`), and whether the line on choosing either has been sent since
    # (app/content/romanised.py `offer_in_conversation`).
    romanised: bool = False
    romanised_line_given: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "step": self.step,
                "last_activity": _iso(self.last_activity),
                "language": self.language,
                "paused": self.paused,
                "cover": self.cover,
                "erasure_requested": _iso(self.erasure_requested),
                "choices": {k: {"value": c.value, "at": c.at.isoformat()}
                            for k, c in self.choices.items()},
                "locked": self.locked,
                "wrong_guesses": [moment.isoformat() for moment in self.wrong_guesses],
                "held": list(self.held),
                "held_step": self.held_step,
                "word_prompt_held": self.word_prompt_held,
                "romanised": self.romanised,
                "romanised_line_given": self.romanised_line_given,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> ConversationState:
        parsed: dict[str, Any] = json.loads(raw)
        choices = {
            str(name): Choice(str(c["value"]), datetime.fromisoformat(c["at"]))
            for name, c in (parsed.get("choices") or {}).items()
        }
        return cls(
            step=parsed.get("step"),
            last_activity=_from_iso(parsed.get("last_activity")),
            language=parsed.get("language"),
            paused=bool(parsed.get("paused", False)),
            cover=bool(parsed.get("cover", False)),
            erasure_requested=_from_iso(parsed.get("erasure_requested")),
            choices=choices,
            locked=bool(parsed.get("locked", False)),
            wrong_guesses=tuple(datetime.fromisoformat(moment)
                                for moment in parsed.get("wrong_guesses") or ()),
            held=tuple(str(message_id) for message_id in parsed.get("held") or ()),
            held_step=parsed.get("held_step"),
            word_prompt_held=bool(parsed.get("word_prompt_held", False)),
            romanised=bool(parsed.get("romanised", False)),
            romanised_line_given=bool(parsed.get("romanised_line_given", False)),
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
