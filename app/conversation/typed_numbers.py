"""Phone numbers a survivor types into a message: withheld from the transcript.

docs/threat-model.md, A1 and A4. Advocates never see a survivor's number, and numbers are only
ever stored sealed in their own column, matched by their keyed value. The web chat has a box of
its own for a safe number (app/conversation/safe_numbers.py), but people type the number into
the message box anyway ("07700 900123, after 6 please"), and on SMS they write another phone's
number into a text. So every message is read for UK phone numbers before anything else sees
it: each is replaced by WITHHELD, and the flow, triage, the language guess and the transcript
only ever have the message with the marker in it.

What counts (Ofcom's numbering): a number for a person's phone, written the ways people write
one: mobiles (07...), geographic landlines (01..., 02...) and 03 numbers, nationally or as
+44 / 0044 / 44, with spaces, dashes, dots or brackets between the digits, in any script's
digits. Not numbers a service publishes: 999 and 112, 116 123, freephone and other 08 and 09
numbers (0808 2000 247, the national helpline), nor any number the deployment itself lists
(its local services, the service's own SMS number): a survivor who writes one of those back is
talking about it, and the advocate must be able to read which. Not dates, times, amounts or
case references either: a run of digits is taken only when it has exactly a UK number's length
and is not joined by a letter, a slash or a dash to something else.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from app.content.emergency_replies import is_emergency
from app.content.one_turn import NOT_KEPT
from app.conversation.messages import Turn
from app.conversation.safe_numbers import ASKING_STEPS, asked_for_a_number, uk_mobile
from app.flows import ConversationState, Flow

# NOT_KEPT is added to a reply whose message had a number withheld that was not taken as a safe
# number: in the survivor's language, that it was not kept (flows/safety.yaml). Imported from
# app/content/one_turn.py, where `flask flows check` measures every reply with it after.
# What the transcript keeps instead of the number. In English, as the transcript's other markers
# are (app/conversation/resume_word.py): advocates read it, survivors never do.
WITHHELD = "[phone number withheld]"
# What the service reads (language guess, flow, triage) in the number's place: a mark with no
# words. WITHHELD's English words tipped short messages in other languages to English, e.g.
# "zadzwoń do mnie na [phone number withheld]", and "phone" is one of the words of asking to
# be called.
READ_AS = "\u2026"

# A run of digit groups, each group possibly in brackets, separated by one or two of a space,
# a no-break space, a dash or a dot (or nothing after a bracket: +44 (0)7700...). Not preceded
# by a letter, digit, "+", "/" or "-" (a reference such as QL-0123..., a date 07/12/...), nor
# followed by a letter, digit or "/".
_RUN = re.compile(r"(?<![\w+/\-])(?:\+|\(\+?)?\d+\)?"
                  r"(?:(?:[ \u00a0.\-]{1,2}|(?<=\)))\(?\d+\)?)*(?![\w/])")
_GROUP = re.compile(r"\d+")
# National significant numbers (after the 0 or +44) that are someone's phone: geographic 1 and
# 2 (nine or ten digits: a few 01 areas have nine), 3 (ten) and mobiles and other 7 (ten).
_PERSONAL = re.compile(r"^(?:1\d{8,9}|[237]\d{9})$")
_MAX_GROUPS = 8  # no way of writing a UK number needs more; bounds the work on long runs


@dataclass(frozen=True)
class Typed:
    """A message with its phone numbers withheld: the text to use from now on, and the
    numbers that were in it as E.164, UK mobiles apart (only a mobile can be a safe number)."""

    text: str  # what the transcript keeps: each number as WITHHELD
    numbers: tuple[str, ...]
    mobiles: tuple[str, ...]
    read: str  # what the service reads: each number as READ_AS


def national(digits: str) -> str | None:
    """The national significant number of a UK number written as `digits` (ASCII, with "+"
    kept in front if it was typed), or None if it is not written as a UK number."""
    if digits.startswith("+"):
        if not digits.startswith("+44"):
            return None
        rest = digits[3:]
    elif digits.startswith("0044"):
        rest = digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        rest = digits[2:]
    elif digits.startswith("0"):
        return digits[1:]
    else:
        return None
    return rest[1:] if rest.startswith("0") else rest  # +44 (0)7700 ...


def published(numbers: Iterable[str]) -> frozenset[str]:
    """The national forms of the numbers the service itself publishes (the deployment's local
    services, its own SMS number): never withheld."""
    forms = (national(_ascii(n)) for n in numbers)
    return frozenset(form for form in forms if form)


def withhold(text: str, keep: frozenset[str] = frozenset()) -> Typed | None:
    """`text` with each UK phone number in it replaced by WITHHELD, or None when it has none
    (nearly every message). `keep`: national forms of numbers never withheld (`published`)."""
    found = _found(text, keep)
    if not found:
        return None
    numbers = tuple(number for _s, _e, number in found)
    mobiles = tuple(n for n in numbers if uk_mobile(n) is not None)
    return Typed(_replaced(text, found, WITHHELD), numbers, mobiles,
                 read=_replaced(text, found, READ_AS))


def shown(text: str, mark: str, keep: frozenset[str] = frozenset()) -> str | None:
    """`text` as the survivor's own screen should keep it once the service has answered: each
    number it withheld as `mark` (words in the survivor's language), or None when it withheld
    none. The page must not go on showing a number the service promised not to keep."""
    found = _found(text, keep)
    return _replaced(text, found, mark) if found else None


def _found(text: str, keep: frozenset[str]) -> list[tuple[int, int, str]]:
    if not any(ch.isdigit() for ch in text):
        return []
    found: list[tuple[int, int, str]] = []
    for run in _RUN.finditer(text):
        found.extend(_numbers_in(run, keep))
    return found


def _replaced(text: str, found: list[tuple[int, int, str]], mark: str) -> str:
    pieces: list[str] = []
    at = 0
    for start, end, _number in found:
        pieces.extend((text[at:start], mark))
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def answer(turn: Turn, typed: Typed, *, flow: Flow, channel: str,
           before: ConversationState) -> Turn:
    """The turn of a message that had a number withheld. On the web chat, at the step that
    asks for a safe number (`before`), a UK mobile in the message is taken exactly as if typed
    into the number box: the conversation goes on at the flow's `number_saved` step, and the
    turn carries the number for the service to save sealed (the last one, if several), so the
    survivor is not asked again. Otherwise the reply ends with NOT_KEPT, in their language: the
    number was not kept, and (SMS) we only reply to this phone or (web chat) how to give a safe
    number; `flows check` holds every reply with it to one segment over its own budget
    (flows/outbound.yaml `withheld_extra`), so it is kept short. Nothing is added in cover
    mode (whoever is there sees only the cover reply), to a reply that sends nothing, or to an
    emergency reply (its words are 999 and the helpline, and it must stay short)."""
    if turn.state.cover or not turn.reply_ids or is_emergency(turn.reply_ids):
        return turn
    following = flow.number_saved_step
    if (channel == "web" and typed.mobiles and following is not None
            and before.step in ASKING_STEPS and turn.state.step == before.step
            and asked_for_a_number(turn.state)):
        ids = tuple(message.id for message in flow.steps[following].say)
        return replace(turn, state=replace(turn.state, step=following), reply_ids=ids,
                       safe_number=typed.mobiles[-1])
    return replace(turn, reply_ids=(*turn.reply_ids, NOT_KEPT))


def _numbers_in(run: re.Match[str], keep: frozenset[str]) -> list[tuple[int, int, str]]:
    """The numbers in one run of digit groups, longest first from the left: "07700 900123 2"
    holds one, "0117 496 0123 or 07700 900123" (one run: "or" ends it) one each."""
    groups = list(_GROUP.finditer(run.group()))[:_MAX_GROUPS * 4]
    found: list[tuple[int, int, str]] = []
    first = 0
    while first < len(groups):
        for last in range(min(len(groups), first + _MAX_GROUPS), first, -1):
            start = run.start() + groups[first].start()
            plus = start > 0 and run.string[start - 1] == "+"
            digits = ("+" if plus else "") + _ascii("".join(g.group() for g in
                                                            groups[first:last]))
            form = national(digits)
            if form is None or not _PERSONAL.match(form) or form in keep:
                continue
            end = run.start() + groups[last - 1].end()
            if run.string[start - 2:start] == "(+":
                start -= 2
            elif plus or (start > 0 and run.string[start - 1] == "("):
                start -= 1
            if end < len(run.string) and run.string[end] == ")":
                end += 1
            found.append((start, end, "+44" + form))
            first = last
            break
        else:
            first += 1
    return found


def _ascii(written: str) -> str:
    """Digits of any script as 0-9 ("٠٧٧٠٠" reads as 07700); "+" kept; all else dropped."""
    normal = unicodedata.normalize("NFKC", written)
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch
                   for ch in normal if ch.isdigit() or ch == "+")
