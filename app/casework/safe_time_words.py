"""Reading a survivor's own words about when contact is safe, in any shipped language.

"weekday evenings after 6", "pon-pt 18-20", "پیر سے جمعہ شام 6 بجے کے بعد": the words are
normalised, each language's phrases are rewritten into a small English vocabulary
(`safe_time_phrases`), and one grammar reads days (lists and ranges, "not fri"), one span of
time, and the part of the day that says whether a bare "6" is morning or evening.

This is only ever a pre-fill that an advocate checks against the words beside it, so whenever
the words are not clear (two different times, a "not" that is not about days, a bare hour that
may be morning or evening, a word it does not know next to a time) it reads nothing. It never
reads a span that starts before 08:00 or ends after 21:00. Pure; no clock.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from functools import cache

from app.casework.safe_time_phrases import BARE_HOURS_UNCLEAR, BY_LANGUAGE, ENGLISH

EARLIEST = time(8)
LATEST = time(21)  # "after 6pm" is read as until 9pm: never suggest night-time contact
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PARTS = {"morning": (time(9), time(12)), "afternoon": (time(12), time(17)),
          "evening": (time(17), time(21)), "lunch": (time(12), time(14)),
          "daytime": (time(9), time(17)), "night": (None, None)}
_PM_PARTS = frozenset({"afternoon", "evening", "night"})

Reading = tuple[frozenset[int], time, time]

# --- normalising -------------------------------------------------------------------------------

_DIGIT_BLOCKS = (0x0660, 0x06F0, 0x0966, 0x0A66)  # Arabic-Indic, Urdu/Persian, Devanagari, Gurmukhi
_DIGITS = {block + n: str(n) for block in _DIGIT_BLOCKS for n in range(10)}
# One form of each Arabic-script letter that is typed in several ways (hamza on alef, the
# Arabic and the Urdu yeh, kaf and heh, teh marbuta), so either keyboard matches the tables.
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ي": "ی", "ى": "ی",
                          "ك": "ک", "ه": "ہ", "ة": "ہ", "ۃ": "ہ", "ł": "l"})
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # vowel marks and the tatweel
_PUNCTUATION = re.compile(r"[,;!?()\[\]/&+*\"“”،؛۔।|]")
_LONE_DOT_OR_COLON = re.compile(r"(?<!\d)[.:]|[.:](?!\d)")
_DASH_BETWEEN_WORDS = re.compile(r"(?<=[^\W\d_])\s*[-–—]\s*(?=[^\W\d_])")
_JOINED_AND = re.compile(r"(?<!\S)و(?=ال|\d)")  # Arabic "و" (and) joined to the next word


def normalise(text: str) -> str:
    """Lower case, ASCII digits, no accents on Latin letters, punctuation as spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DIGITS)
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        # Only Latin accents go ("środa", "sroda"); Gurmukhi vowel signs are letters' parts.
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept)).translate(_LETTERS)
    text = _ARABIC_MARKS.sub("", text).replace("’", "'").replace("‘", "'")
    text = _PUNCTUATION.sub(" ", text)
    text = _LONE_DOT_OR_COLON.sub(" ", text)
    text = _DASH_BETWEEN_WORDS.sub(" - ", text).replace("–", "-").replace("—", "-")
    text = _JOINED_AND.sub("و ", text)
    return " ".join(text.split())


def _phrases(phrases: list[str]) -> re.Pattern[str]:
    """Whole phrases, longest first: a digit may touch one ("6yh", "6pm", "po18"), a letter
    may not."""
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![^\s\d])(?:" + "|".join(map(re.escape, ordered)) + r")(?![^\s\d])")


@cache
def _rewriter(language: str) -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
    """The language's and English phrases, and the other languages' day words."""
    table = {normalise(k): v for k, v in ENGLISH.items()}
    table.update({normalise(k): v for k, v in BY_LANGUAGE.get(language, {}).items()})
    foreign = {normalise(k) for other in BY_LANGUAGE.values() for k, v in other.items()
               if v in _DAY_VALUES} - set(table)
    return _phrases(list(table)), table, _phrases(sorted(foreign))


_DAY_VALUES = frozenset({*DAY_NAMES, "weekdays", "weekends", "daily"})


def rewrite(words: str, language: str | None) -> str | None:
    """The words in the grammar's vocabulary, one space between tokens; None when they name a
    day in another language (a Polish "wtorki" in an English conversation is not "every day")."""
    pattern, table, foreign = _rewriter(language if language in BY_LANGUAGE else "en")
    text = pattern.sub(lambda m: f" {table[m.group(0)]} ", normalise(words))
    if foreign.search(text):
        return None
    return " " + " ".join(text.split()) + " "


# --- the grammar -------------------------------------------------------------------------------

_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))? ?(am|pm)?"
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_DAYSET = r"(?:mon|tue|wed|thu|fri|sat|sun|weekdays|weekends|daily)"
_NOT_DAYS = re.compile(rf" not ({_DAYSET}(?: (?:and |or |- |to )?{_DAYSET})*)(?= )")
_DAY_RANGE = re.compile(rf" ({_DAY}) (?:-|to|until) ({_DAY})(?= )")
_POSTFIX = re.compile(rf" {_CLOCK} (_after|_before)(?= )")
_PREFIX = re.compile(rf" (_after|_before) {_CLOCK}(?= )")
_RANGE = re.compile(rf" (?:between |from )?{_CLOCK} ?(?:-|to|until|and) ?{_CLOCK}(?= )")
_AFTER = re.compile(rf" (?:after|from) {_CLOCK}(?= )")
_BEFORE = re.compile(rf" (?:before|until) {_CLOCK}(?= )")
_ANY_DIGIT = re.compile(r"\d")


def read(words: str, language: str | None = None) -> Reading | None:
    """Days and a span read from the words, or None when they are not clear."""
    text = rewrite(words, language)
    if text is None:
        return None
    # "6 بجے کے بعد", "6pm kadib": the word for after/before follows the time; put it first.
    text = _POSTFIX.sub(lambda m: f" {m[4][1:]} {_clock_text(m[1], m[2], m[3])} ", text)
    text = _PREFIX.sub(lambda m: f" {m[1][1:]} {_clock_text(m[2], m[3], m[4])} ", text)
    if "_after" in text or "_before" in text:
        return None
    days, text = _days(text)
    if not days:
        return None
    span = _span(text, bare_hours_clear=language not in BARE_HOURS_UNCLEAR)
    if span is None:
        return None
    start, end = span
    if not (EARLIEST <= start < end <= LATEST):
        return None
    return days, start, end


def _clock_text(hour: str, minute: str | None, meridiem: str | None) -> str:
    return f"{hour}{':' + minute if minute else ''}{meridiem or ''}"


def _days(text: str) -> tuple[frozenset[int], str]:
    excluded: set[int] = set()
    for match in _NOT_DAYS.finditer(text):
        excluded |= _day_set(match[1])
    text = _NOT_DAYS.sub(" ", text)
    if " not " in text:
        return frozenset(), text  # "not before 6", "not when he is in": not about days
    named: set[int] = set()
    for match in _DAY_RANGE.finditer(text):
        a, b = DAY_NAMES.index(match[1]), DAY_NAMES.index(match[2])
        named.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    text = _DAY_RANGE.sub(" ", text)
    named |= _day_set(text)
    days = named or set(range(7))
    return frozenset(days - excluded), re.sub(rf"(?<= ){_DAYSET}(?= )", "", text)


def _day_set(text: str) -> set[int]:
    found: set[int] = set()
    for word in text.split():
        if word in DAY_NAMES:
            found.add(DAY_NAMES.index(word))
        elif word == "weekdays":
            found.update(range(5))
        elif word == "weekends":
            found.update((5, 6))
        elif word == "daily":
            found.update(range(7))
    return found


def _span(text: str, *, bare_hours_clear: bool) -> tuple[time, time] | None:
    kinds = {word for word in text.split() if word in _PARTS}
    if len(kinds) > 1:
        return None  # "mornings or evenings": two windows, which one form cannot hold
    part = next(iter(kinds), "")
    found = []
    for kind, pattern in (("range", _RANGE), ("after", _AFTER), ("before", _BEFORE)):
        found += [(kind, match) for match in pattern.finditer(text)]
        text = pattern.sub(" ", text)
    if _ANY_DIGIT.search(text) or len(found) > 1:
        return None  # a time on its own ("at 6pm"), or two different times
    if not found:
        start, end = _PARTS.get(part, (None, None))
        return (start, end) if start and end else None
    context = "pm" if part in _PM_PARTS else "am" if part == "morning" else None
    if not bare_hours_clear:
        context = None  # "fiidkii 6" may be counted from sunrise: only "6pm" is clear
    kind, match = found[0]
    if kind == "range":
        return _range(match, context, bare_hours_clear=bare_hours_clear)
    hour, minute, meridiem = match.groups()
    moment = _clock(hour, minute, meridiem or context, bare_hours_clear=bare_hours_clear)
    part_start, part_end = _PARTS.get(part, (None, None))
    if moment is None:
        return None
    return (moment, part_end or LATEST) if kind == "after" else (part_start or EARLIEST, moment)


def _range(match: re.Match[str], context: str | None, *, bare_hours_clear: bool
           ) -> tuple[time, time] | None:
    h1, m1, p1, h2, m2, p2 = match.groups()
    if not bare_hours_clear and not (p1 or p2) and not _unambiguous(h1, h2):
        return None
    # "6-8pm": the end's am/pm (or the part of the day) also applies to the start.
    start = _clock(h1, m1, p1 or p2 or context, bare_hours_clear=True)
    end = _clock(h2, m2, p2 or context, bare_hours_clear=True)
    if start == time(12) and end is not None and not (p2 or context) and end < start:
        end = time(end.hour + 12, end.minute)  # "between 12 and 2": noon, then 2pm
    return (start, end) if start is not None and end is not None else None


def _unambiguous(*hours: str) -> bool:
    return all(int(hour) >= 13 for hour in hours)


def _clock(hour: str, minute: str | None, meridiem: str | None, *,
           bare_hours_clear: bool) -> time | None:
    h, m = int(hour), int(minute or 0)
    if meridiem is None and h < 13 and not bare_hours_clear:
        return None
    if meridiem == "pm" and h < 12:
        h += 12
    elif meridiem == "am" and h == 12:
        h = 0
    elif meridiem is not None and h > 12:
        return None  # "18pm"
    return time(h, m) if 0 <= h <= 23 and 0 <= m <= 59 else None
