"""Guess a survivor's language from their first message, and say so only when sure.

A wrong guess would answer a frightened person in a language they cannot read, so a guess
counts only above a confidence threshold and for a message with some letters in it; otherwise
the conversation stays in the deployment's default language, whose welcome always offers the
language menu (each language named in its own script). lingua is limited to the deployment's
languages, which makes it faster and surer; its high-accuracy mode is used because a wrong
guess is worse than no guess (on our triage test set: 0 wrong and 16 unsure of 227, against
6 wrong in low-accuracy mode). Urdu, Punjabi and Arabic typed in Latin letters, which no model
knows, are not guessed at all (app/content/romanised.py).

`[languages] models = "small"` (low-accuracy mode, for a server with 1 GB) is the one leaner
choice: fastText's compressed lid.176.ftz, CLD3 and langid.py, alone or as a check on the small
models, each guessed fewer first messages right than the accurate models, or more wrong
(bench/results/language-guess.txt). The detector is built on the first guess, so a process
that never guesses (the RQ worker: a spooled message carries the fail-safe's guess) never
loads it; the web tier preloads it in gunicorn's master (wsgi.py).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from app.content.romanised import romanised
from app.flows.said import read_parts

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Fewer letters than this ("hi", "3") say nothing reliable about a language.
_MIN_LETTERS = 6
# The small models are surer than they should be of short texts: they must be surer still.
# On eval/messages/dev (753 first messages), with the romanised rule, they guessed 570 right
# and 31 wrong at 0.7, 562 and 21 at 0.9, 542 and 11 at 0.99 (chosen there: the fewest
# wrong; on eval/messages/opened, 959 messages, 722 right and 34 wrong against 750 and 54 at
# 0.9); the accurate models at 0.7: 566 and 8 on dev, 745 and 25 on opened.
# bench/language_guess.py measures them (and fastText, CLD3 and langid.py: none as good).
SMALL_MODELS_THRESHOLD = 0.99
# A guesser's detector before it is needed: built on the first guess (or by `preload`), so a
# process that never guesses (the RQ worker, which replays a spooled message with the guess
# the fail-safe kept; the CLI) never imports lingua, nor maps its 96 MB library.
_NOT_BUILT: Final = object()
_BUILDING = threading.Lock()


@lru_cache(maxsize=4)
def _detector_for(languages: tuple[str, ...], preload: bool,
                  small: bool = False) -> LanguageDetector | None:
    """One detector per set of languages for the whole process: its models are large,
    read-only and slow to load, so every app (and every test) shares them.

    lingua is imported here, not with this module nor when a guesser is made: a process that
    never guesses (the RQ worker, the CLI) does not load it at all."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # noqa: PLC0415

    known = []
    for code in languages:
        try:
            known.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue  # a language lingua does not know is still offered by the menu
    if len(known) < 2:
        return None
    builder = LanguageDetectorBuilder.from_languages(*known)
    if small:
        # Trigram models only: a few MiB instead of about 200, less sure of short texts.
        builder = builder.with_low_accuracy_mode()
    # Preloading costs about 0.6 s and 160-290 MiB at start-up (shared by gunicorn workers
    # with preload_app), instead of 0.7 s inside the first survivor's request.
    return (builder.with_preloaded_language_models() if preload else builder).build()


def readable(text: str) -> str | None:
    """The part of a message a detector reads (`app/flows/said.py`), or None when no detector
    should: too few letters, or Urdu, Punjabi or Arabic in Latin letters
    (app/content/romanised.py). bench/language_guess.py gives every candidate the same."""
    text = "\n".join(read_parts(text))
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS or romanised(text):
        return None
    return text


class LanguageGuesser:
    def __init__(self, languages: tuple[str, ...], threshold: float = 0.7,
                 preload: bool = False, small: bool = False) -> None:
        self.threshold = max(threshold, SMALL_MODELS_THRESHOLD) if small else threshold
        self._languages = tuple(sorted(languages))
        self._small = small
        self._detector: LanguageDetector | object | None = _NOT_BUILT
        if preload:
            self.preload()

    def preload(self) -> None:
        """Load every model now. Called by the web tier's entry point (wsgi.py), which gunicorn
        runs once in its master (preload_app): the models are then read-only pages that every
        forked worker shares, instead of a copy loaded by each worker on its first survivor.
        The RQ worker never answers a survivor and does not call this."""
        with _BUILDING:
            self._detector = _detector_for(self._languages, True, self._small)

    def _built(self) -> LanguageDetector | None:
        """The detector, built on the first guess (two threads of a web worker may ask at once:
        it is built once)."""
        if self._detector is _NOT_BUILT:
            with _BUILDING:
                if self._detector is _NOT_BUILT:
                    self._detector = _detector_for(self._languages, False, self._small)
        return self._detector  # type: ignore[return-value]  # built above

    def guess(self, text: str) -> str | None:
        """An ISO 639-1 code when the text is clearly in one language, else None.

        A long text is guessed from the part triage reads (`app/flows/said.py`): the detector's
        time grows with the text, and a huge body must not hold a web worker."""
        part = readable(text)
        if part is None:
            return None
        detector = self._built()
        if detector is None:
            return None
        confidences = detector.compute_language_confidence_values(part)
        if not confidences or confidences[0].value < self.threshold:
            return None
        return str(confidences[0].language.iso_code_639_1.name.lower())
