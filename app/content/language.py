"""Guess a survivor's language from their first message, and say so only when sure.

A wrong guess would answer a frightened person in a language they cannot read, so a guess
counts only above a confidence threshold and for a message with some letters in it; otherwise
the conversation stays in the deployment's default language, whose welcome always offers the
language menu (each language named in its own script). Urdu, Punjabi and Arabic typed in Latin
letters, which no model knows, are not guessed at all (app/content/romanised.py). Every
detector is limited to the deployment's languages, which makes it faster and surer.

`[languages] models` chooses the detector:
- "ngrams" (the default): our own detector (app/content/ngrams.py) over lingua 1.4.2's n-gram
  statistics (Apache-2.0, counted from Leipzig University's Wortschatz corpora), built at
  install time into one compact file of the deployment's languages
  (app/content/ngram_build.py) and memory-mapped: its pages are shared by every process
  through the page cache, and only the ones a guess touches are read in. It scores a text
  the way lingua's high-accuracy mode does, and on the evaluation set's tuning parts it
  guesses as lingua 2's accurate models do but for 3 messages in 5,810 (2 more right, 1
  fewer wrong, 1 fewer right; bench/results/language-guess.txt), from a 21 MiB file shared
  by every process instead of 160-290 MiB of heap. If the file is missing, damaged or built
  for other languages, nothing is guessed (the default language and its menu) and a warning
  is logged once.
- "accurate": lingua 2's high-accuracy models, loaded into memory (shared by gunicorn's
  workers only as long as no page of them is written).
- "small": lingua 2's low-accuracy mode (trigram models only), which guesses only when 99% sure.
fastText's compressed lid.176.ftz, CLD3 and langid.py, alone or as a check on the small
models, each guessed fewer first messages right than the accurate models, or more wrong.

The detector is built on the first guess, so a process that never guesses (the RQ worker: a
spooled message carries the fail-safe's guess) never loads it; the web tier preloads it in
gunicorn's master (wsgi.py).
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from app.content.ngrams import NGRAM_FILE, ModelFileError, NgramDetector
from app.content.romanised import romanised
from app.flows.said import read_parts

if TYPE_CHECKING:
    from lingua import LanguageDetector

log = logging.getLogger(__name__)
# `[languages] models` (app/deployment/__init__.py): the first is the default.
MODEL_CHOICES: Final = ("ngrams", "accurate", "small")
# Fewer letters than this ("hi", "3") say nothing reliable about a language.
_MIN_LETTERS = 6
# The small models are surer than they should be of short texts: they must be surer still.
# On eval/messages/dev (753 first messages), with the romanised rule, they guessed 570 right
# and 31 wrong at 0.7, 562 and 21 at 0.9, 542 and 11 at 0.99 (chosen there: the fewest
# wrong; on eval/messages/opened, 959 messages, 722 right and 34 wrong against 750 and 54 at
# 0.9); the accurate models at 0.7: 566 and 8 on dev, 745 and 25 on opened.
# bench/language_guess.py measures them (and fastText, CLD3 and langid.py: none as good).
SMALL_MODELS_THRESHOLD = 0.99
# The n-gram detector's confidences are the same softmax as lingua's high-accuracy mode, so
# lingua's threshold means the same for it. At 0.7 it differs from lingua's accurate models on
# 3 of the 5,810 first messages of eval/messages/dev and opened: it guesses a Welsh one and an
# Urdu one with English words in it right (lingua: none, and English), and leaves a Somali one
# unguessed at 0.699 (lingua: right at 0.702). Lower thresholds guess a few more right and more
# wrong on opened (0.69: 5 more right, 4 more wrong than lingua); bench/results/language-guess.txt.
NGRAMS_THRESHOLD = 0.7
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


@lru_cache(maxsize=4)
def _ngram_detector_for(path: Path, languages: tuple[str, ...]) -> NgramDetector | None:
    """One mapping of the n-gram file per process and set of languages; None (and a warning,
    once) when it cannot be used: the service then guesses nothing, and answers in the
    default language with its language menu."""
    try:
        detector = NgramDetector(path, languages)
    except ModelFileError as error:
        log.warning("event=language.ngrams_unavailable reason=%s (run `make language-models` "
                    "or python -m app.content.ngram_build; docs/deploy.md)", error)
        return None
    return detector if len(detector.languages) >= 2 else None


def readable(text: str) -> str | None:
    """The part of a message a detector reads (`app/flows/said.py`), or None when no detector
    should: too few letters, or Urdu, Punjabi or Arabic in Latin letters
    (app/content/romanised.py). bench/language_guess.py gives every candidate the same."""
    text = "\n".join(read_parts(text))
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS or romanised(text):
        return None
    return text


class LanguageGuesser:
    def __init__(self, languages: tuple[str, ...], *, threshold: float | None = None,
                 preload: bool = False, small: bool = False, models: str = "ngrams",
                 ngram_file: Path | None = None) -> None:
        models = "small" if small else models
        if models not in MODEL_CHOICES:
            raise ValueError(f"unknown language models {models!r}")
        self.models = models
        default = {"ngrams": NGRAMS_THRESHOLD, "accurate": 0.7,
                   "small": SMALL_MODELS_THRESHOLD}[models]
        self.threshold = default if threshold is None else threshold
        if models == "small":
            self.threshold = max(self.threshold, SMALL_MODELS_THRESHOLD)
        self._languages = tuple(sorted(languages))
        self._ngram_file = ngram_file
        self._detector: LanguageDetector | NgramDetector | object | None = _NOT_BUILT
        if preload:
            self.preload()

    def _build(self, preload: bool) -> LanguageDetector | NgramDetector | None:
        if self.models == "ngrams":
            return _ngram_detector_for(self._ngram_file or NGRAM_FILE, self._languages)
        return _detector_for(self._languages, preload, self.models == "small")

    def preload(self) -> None:
        """Load every model now. Called by the web tier's entry point (wsgi.py), which gunicorn
        runs once in its master (preload_app): the models are then read-only pages that every
        forked worker shares, instead of a copy loaded by each worker on its first survivor.
        (The n-gram file is mapped, not loaded: its pages are shared through the page cache
        whoever maps it.) The RQ worker never answers a survivor and does not call this."""
        with _BUILDING:
            self._detector = self._build(True)

    def _built(self) -> LanguageDetector | NgramDetector | None:
        """The detector, built on the first guess (two threads of a web worker may ask at once:
        it is built once)."""
        if self._detector is _NOT_BUILT:
            with _BUILDING:
                if self._detector is _NOT_BUILT:
                    self._detector = self._build(False)
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
        if isinstance(detector, NgramDetector):
            ranked = detector.confidences(part)
            if not ranked or ranked[0][1] < self.threshold:
                return None
            return ranked[0][0]
        confidences = detector.compute_language_confidence_values(part)
        if not confidences or confidences[0].value < self.threshold:
            return None
        return str(confidences[0].language.iso_code_639_1.name.lower())
