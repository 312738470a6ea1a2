"""A message as triage and the intents read it: a bounded part of it, folded once.

Bounded, because folding, spelling correction and phrase matching cost time in proportion to
the text, and the webhook answers inside the request: a 100 KB body once held a web worker for
about 30 seconds, so a few such messages could leave real survivors unanswered. Every message
a survivor can really send is still read whole: the web chat refuses more than 2,000
characters (app/conversation/chat_sessions.py) and Twilio cuts an incoming SMS to 1,600
(its documented limit for a message body).
Anything longer (a scripted post, a pasted document) is read as its first `READ_HEAD`
characters, where a first message says what is wrong, and its last `READ_TAIL`, where a long
one ends with what is happening now or what the survivor wants ("...he's outside, call
999"). The two parts are separate clauses, so no phrase or negation reaches across the cut,
and a word cut in two is left out rather than read as another word ("knot" cut to "not"
would be a negation). Only the machine reading is bounded: the whole message is stored,
sealed, and an advocate reads all of it.

Folded once, because triage and the intents read the same words: the service folds a message
into a `Said` and hands it to both. Each corrects spelling towards its own phrases' words
(their vocabularies differ, and a correction towards one must not change what the other
reads), once per message: `Said.corrected` keeps each speller's result.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.flows import folding
from app.flows.folding import CLAUSE
from app.flows.spelling import Speller

# More than twice the longest message either channel delivers, and a bounded cost: tens of
# milliseconds for the guess, triage and the intents together at most
# (bench/results/long-input.txt).
READ_HEAD = 4000
READ_TAIL = 1000
_TWO = 2  # a split into the rest and the cut word


def read_parts(text: str) -> tuple[str, ...]:
    """The text whole when it is at most READ_HEAD + READ_TAIL characters; otherwise its first
    READ_HEAD and last READ_TAIL characters, each without the word the cut went through (a
    part that is all one word is kept: nothing else of it could be read)."""
    if len(text) <= READ_HEAD + READ_TAIL:
        return (text,)
    head, tail = text[:READ_HEAD], text[-READ_TAIL:]
    if not (head[-1].isspace() or text[READ_HEAD].isspace()):
        words = head.rsplit(maxsplit=1)
        head = words[0] if len(words) == _TWO else head
    if not (tail[0].isspace() or text[-READ_TAIL - 1].isspace()):
        words = tail.split(maxsplit=1)
        tail = words[1] if len(words) == _TWO else tail
    return head, tail


@dataclass(frozen=True, eq=False)
class Said:
    """The read part of one message, folded (`app/flows/folding.py`): clauses joined by
    ` | `. Build it with `Said.of`, once per message."""

    folded: str
    # Each speller's correction of `folded`, kept for the message's short life so triage and
    # the intents never correct the same text twice. Not shared between messages.
    _corrected: dict[Speller, str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str) -> Said:
        parts = (folding.fold(part) for part in read_parts(text))
        return cls(f" {CLAUSE} ".join(part for part in parts if part))

    def corrected(self, speller: Speller) -> str:
        """`folded` with misspelt words corrected towards `speller`'s words."""
        if speller not in self._corrected:
            self._corrected[speller] = speller.correct(self.folded)
        return self._corrected[speller]


def understood(text: str | Said) -> Said:
    """`text` as a `Said`: callers with one message for several readers pass a `Said`."""
    return text if isinstance(text, Said) else Said.of(text)
