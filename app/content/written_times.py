"""When the team is next at work, as the survivor's language writes it ("Monday 7 December,
09:00"): the service fills {opens} with it (app/conversation/service.py).

`flask flows check` measures a reply that names an opening with the longest one the language
can write, not with an English date: "poniedziałek 12 października, 09:00" is six characters
longer than "Wednesday 16 September, 09:00", and in a UCS-2 reply six characters can be the
difference between four SMS segments and five.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_datetime

FORMAT = "EEEE d MMMM, HH:mm"
# Arabic and Urdu write their own comma (U+060C); a Latin one reads as a stray mark in an
# Arabic-script sentence. Same length, so the segment budgets do not move.
ARABIC_SCRIPT_FORMAT = "EEEE d MMMM\u060c HH:mm"
_ARABIC_SCRIPT = frozenset({"ar", "ur"})
# Every weekday of every month, on two-digit days: the longest name of each is among them.
_EVERY_NAME = tuple(datetime(2026, month, day, 9, 0)
                    for month in range(1, 13) for day in range(22, 29))


def _format(moment: datetime, language: str) -> str:
    pattern = ARABIC_SCRIPT_FORMAT if language in _ARABIC_SCRIPT else FORMAT
    try:
        return format_datetime(moment, pattern, locale=language)
    except (ValueError, LookupError):  # a language Babel does not know: English
        return format_datetime(moment, FORMAT, locale="en")


@lru_cache(maxsize=256)
def written_time(moment: datetime, language: str) -> str:
    """`moment` as `language` writes it; the same few openings recur all night, so each is
    formatted once."""
    return _format(moment, language)


@lru_cache(maxsize=32)
def longest_written_time(language: str) -> str:
    """The longest opening `language` writes, counted as an SMS counts (UTF-16 units)."""
    return max((_format(moment, language) for moment in _EVERY_NAME),
               key=lambda text: len(text.encode("utf-16-le")))


def preload(languages: tuple[str, ...]) -> None:
    """Load Babel's data for each language now (its locale files, babel.dates and
    babel.numbers), as one opening time written in each does. Called by the web tier's entry
    point in gunicorn's master (wsgi.py), so the forked workers share one copy (about 13 MiB
    for the demo's eight languages) instead of each loading its own on its first reply that
    names an opening time."""
    for language in languages:
        _format(_EVERY_NAME[0], language)
