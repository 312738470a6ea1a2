"""Our own language detector over one memory-mapped file of character n-gram statistics.

The statistics are lingua's (lingua-language-detector 1.4.2, Apache-2.0, whose models were
counted from Leipzig University's Wortschatz corpora; README, "Third-party data"), turned
at install time by app/content/ngram_build.py into a compact read-only file holding only the
deployment's languages. A memory-mapped file's pages live once in the page cache and are shared
by every process that maps it, so the gunicorn master, its workers and anything else count them
once, and only the pages a guess touches are ever read in (bench/results/memory.txt).

The file (little-endian):
  8 bytes   MAGIC
  4 bytes   the header's length; then the header, UTF-8 JSON padded so the body starts
            8-aligned: `languages` (ISO 639-1 codes of those it has models for), `asked`
            (the deployment's languages it was built for, some perhaps unknown to lingua),
            `scripts` (each language's script), `alphabet` (every character of every n-gram; a
            character's code is its index + 1), `groups` (for each script two languages or
            more are written in: its languages, the order of its rows' values, and its
            `sections`: per n-gram length, count and where its keys, fence and rows start,
            from the body's start), `step` (quantisation), `crc32` of the body, `source`,
            `min_count` (pruning), `version`.
  body      for each group, for n = 1..5: `count` sorted unsigned 64-bit keys (n character
            codes of 12 bits each, first character lowest); the fence, every BLOCK-th key, to
            find a key's block; and `count` rows of one byte per language of the group: 0 when
            the language never has that n-gram, else 1 + round(-ln(p) * step), where p is the
            n-gram's probability given its first n - 1 characters (for n = 1, its frequency).
            A language alone in its script (Punjabi in Gurmukhi, among ours) needs none: a
            text in that script is that language.

How a text is scored (the method lingua describes; this code is written for this file): the
languages left are those written in the script most of the text's words are in; among Latin
ones, if letters that only some of them use much (ł, ț, ŵ) are in at least half as many places
as there are words, only those. One language left is certain (Gurmukhi: Punjabi among ours).
Otherwise the text's words (runs of letters with their marks) are cut into every distinct
n-gram of 1 to 5 characters (only trigrams past 120 letters, for speed); for each language each
n-gram adds the log-probability of itself or, when the language never saw it, of its longest
prefix it saw. A language's sum is divided by how many of the text's distinct letters it
knows, and the confidences are those scores' softmax.
"""

from __future__ import annotations

import json
import math
import mmap
import struct
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any, Final

# Where the Makefile builds it (gitignored): `[languages] models = "ngrams"` reads it.
NGRAM_FILE: Final = Path(__file__).resolve().parents[2] / "models" / "language-ngrams.bin"
MAGIC: Final = b"QLNGRAM1"
VERSION: Final = 4
ORDERS: Final = (1, 2, 3, 4, 5)
CODE_BITS: Final = 12
MAX_ALPHABET: Final = (1 << CODE_BITS) - 1
# Texts with this many letters or more are scored on trigrams only (as lingua does): each
# extra letter then costs one lookup instead of five, and a long text is clear enough anyway.
LONG_TEXT_LETTERS: Final = 120
# A letter is one language's own (see NgramDetector._marks) when at least this common in its
# corpus (ț in Romanian: 1 in 1,000 letters) and 100 times as common as in any other candidate.
CHARACTERISTIC_FREQUENCY: Final = 5e-4
_CHARACTERISTIC_NATS: Final = -math.log(CHARACTERISTIC_FREQUENCY)
_RATIO_NATS: Final = math.log(100)
# Keys are searched in blocks of this many: a small in-memory fence (every block's first key)
# finds the block, so a lookup touches one page of keys and one of values in the file.
BLOCK: Final = 256


class ModelFileError(Exception):
    """The n-gram file is missing, unreadable, corrupt, or not built for these languages."""


def script_of(character: str) -> str:
    """The Unicode script a letter belongs to, as the first word of its name (LATIN, ARABIC,
    GURMUKHI...); "" for a character without a name."""
    return unicodedata.name(character, "").split(" ", 1)[0]


def words_of(text: str) -> list[str]:
    """The text's words, lower-cased: runs of letters, with the marks (vowel signs, Arabic
    diacritics) that follow a letter kept in its word."""
    found: list[str] = []
    current: list[str] = []
    for character in text.lower():
        if character.isalpha() or (current and unicodedata.category(character)[0] == "M"):
            current.append(character)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def read_header(path: Path) -> dict[str, Any]:
    """The file's header, checked for shape (not its body's checksum: see `verify`)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(MAGIC) + 4)
            if len(start) != len(MAGIC) + 4 or start[:len(MAGIC)] != MAGIC:
                raise ModelFileError("not a language n-gram file")
            (length,) = struct.unpack("<I", start[len(MAGIC):])
            header = json.loads(handle.read(length).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(f"unreadable: {type(error).__name__}") from error
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise ModelFileError("an unknown version of the file")
    header["body_offset"] = len(MAGIC) + 4 + length
    return header


def verify(path: Path, header: dict[str, Any]) -> None:
    """Raise ModelFileError unless the body's checksum is the header's. Read with ordinary
    reads, not through the mapping, so checking does not make a process hold every page."""
    checksum = 0
    try:
        with path.open("rb") as handle:
            handle.seek(header["body_offset"])
            while chunk := handle.read(1 << 20):
                checksum = zlib.crc32(chunk, checksum)
    except OSError as error:
        raise ModelFileError(f"unreadable: {type(error).__name__}") from error
    if checksum != header.get("crc32"):
        raise ModelFileError("corrupt (checksum)")


def fence_length(count: int) -> int:
    """How many blocks `count` keys make (the fence's length)."""
    return (count + BLOCK - 1) // BLOCK


def _main_script(words: list[str]) -> str:
    """The script most of the words are written in (each word in the script of most of its
    letters); on a tie, the one with most letters; "" for no letters."""
    word_votes: dict[str, int] = {}
    letters: dict[str, int] = {}
    for word in words:
        counted: dict[str, int] = {}
        for character in word:
            if character.isalpha():
                name = script_of(character)
                counted[name] = counted.get(name, 0) + 1
        if counted:
            main = max(sorted(counted), key=lambda name: counted[name])
            word_votes[main] = word_votes.get(main, 0) + 1
            for name, count in counted.items():
                letters[name] = letters.get(name, 0) + count
    if not word_votes:
        return ""
    return max(sorted(word_votes), key=lambda name: (word_votes[name], letters[name]))


class _Section:
    """The keys and rows of one n-gram length, in the mapped file."""

    def __init__(self, view: memoryview, *, count: int, keys_at: int, rows_at: int,
                 fence_at: int, width: int) -> None:
        self.count = count
        self.keys = view[keys_at:keys_at + 8 * count].cast("Q")
        self.rows = view[rows_at:rows_at + width * count]
        self.width = width
        # The first key of each block of BLOCK keys, also in the file: finding a block reads
        # a page or two of it instead of one page of keys per block.
        self.fence = view[fence_at:fence_at + 8 * fence_length(count)].cast("Q")

    def row(self, key: int) -> bytes | None:
        block = bisect_right(self.fence, key) - 1
        if block < 0:
            return None
        low = block * BLOCK
        high = min(low + BLOCK, self.count)
        index = bisect_left(self.keys, key, low, high)
        if index < high and self.keys[index] == key:
            return bytes(self.rows[index * self.width:(index + 1) * self.width])
        return None


class NgramDetector:
    """Confidences for `languages` (a subset of the file's), read from the file at `path`.

    Raises ModelFileError if the file is missing or corrupt, or was built for other languages;
    the caller then guesses nothing (the default language and its menu)."""

    def __init__(self, path: Path, languages: tuple[str, ...], check: bool = True) -> None:
        header = read_header(path)
        if not set(languages) <= set(header.get("asked", ())):
            raise ModelFileError("built for other languages")
        if check:
            verify(path, header)
        built: list[str] = list(header["languages"])
        self.languages = tuple(code for code in built if code in languages)
        self._step = float(header["step"])
        self._scripts: dict[str, str] = dict(header["scripts"])
        self._characteristic: dict[tuple[str, tuple[int, ...]], list[int]] = {}
        self._codes = {character: index + 1
                       for index, character in enumerate(header["alphabet"])}
        try:
            with path.open("rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            # Lookups jump about the file: when it is not in the page cache yet, read in only
            # the pages they touch, not the next ones too.
            self._map.madvise(mmap.MADV_RANDOM)
        except (OSError, ValueError) as error:
            raise ModelFileError(f"unreadable: {type(error).__name__}") from error
        # Each script written by two languages or more has its own sections; each language
        # has its column in its script's rows.
        self._sections: dict[str, dict[int, _Section]] = {}
        self._columns: list[int] = []
        try:
            groups: dict[str, Any] = header["groups"]
            for script, group in groups.items():
                self._sections[script] = self._read_sections(header, group)
            for code in self.languages:
                group = groups.get(self._scripts[code])
                self._columns.append(group["languages"].index(code) if group else -1)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ModelFileError("corrupt (header)") from error

    def _read_sections(self, header: dict[str, Any], group: dict[str, Any]) -> dict[int, _Section]:
        view = memoryview(self._map)
        body = int(header["body_offset"])
        width = len(group["languages"])
        sections: dict[int, _Section] = {}
        for order in ORDERS:
            section = group["sections"][str(order)]
            count, keys_at, rows_at, fence_at = (
                int(section[name]) + (0 if name == "count" else body)
                for name in ("count", "keys", "rows", "fence"))
            if keys_at % 8 or fence_at % 8 or min(count, keys_at, rows_at, fence_at) < 0 \
                    or rows_at + width * count > len(self._map) \
                    or keys_at + 8 * count > len(self._map) \
                    or fence_at + 8 * fence_length(count) > len(self._map):
                raise ModelFileError("corrupt (sections)")
            sections[order] = _Section(view, count=count, keys_at=keys_at, rows_at=rows_at,
                                       fence_at=fence_at, width=width)
        return sections

    def _key(self, ngram: str) -> int | None:
        key = 0
        for position, character in enumerate(ngram):
            code = self._codes.get(character)
            if code is None:
                return None
            key |= code << (CODE_BITS * position)
        return key

    def _row(self, ngram: str, sections: dict[int, _Section],
             seen: dict[str, bytes | None]) -> bytes | None:
        if ngram not in seen:
            key = self._key(ngram)
            seen[ngram] = None if key is None else sections[len(ngram)].row(key)
        return seen[ngram]

    def _marks(self, character: str, candidates: list[int]) -> list[int]:
        """The candidates (indexes) whose own letter `character` is: common in that language's
        corpus (at least CHARACTERISTIC_FREQUENCY) and at least CHARACTERISTIC_RATIO times as
        common as in any other candidate (ł for Polish, ț for Romanian, ŵ for Welsh)."""
        cache_key = (character, tuple(candidates))
        if cache_key not in self._characteristic:
            row = self._row(character, self._sections["LATIN"], {})
            nats = [math.inf if row is None or not row[self._columns[index]]
                    else (row[self._columns[index]] - 1) / self._step for index in candidates]
            owners = []
            for slot, index in enumerate(candidates):
                others = [value for other, value in enumerate(nats) if other != slot]
                if nats[slot] <= _CHARACTERISTIC_NATS and all(
                        value - nats[slot] >= _RATIO_NATS for value in others):
                    owners.append(index)
            self._characteristic[cache_key] = owners
        return self._characteristic[cache_key]

    def _candidates(self, words: list[str]) -> list[int]:
        """The languages (indexes) the words may be in: those written in the script most of
        them are in; among Latin ones, if letters only some of them use much are in at least
        half as many places as there are words, only those."""
        script = _main_script(words)
        candidates = [index for index, code in enumerate(self.languages)
                      if script and self._scripts.get(code) == script]
        if script != "LATIN" or len(candidates) < 2:
            return candidates
        hits: dict[int, int] = {}
        for word in words:
            for character in word:
                if not character.isascii():
                    for index in self._marks(character, candidates):
                        hits[index] = hits.get(index, 0) + 1
        marked = [index for index in candidates if hits.get(index, 0) >= len(words) / 2]
        return marked or candidates

    def confidences(self, text: str) -> list[tuple[str, float]]:
        """(language, confidence) for each of this detector's languages, surest first; the
        confidences sum to 1, or are all 0 when the text says nothing (no letters, or a script
        none of the languages is written in)."""
        words = words_of(text)
        candidates = self._candidates(words)
        if len(candidates) == 1:
            only = self.languages[candidates[0]]
            return [(only, 1.0)] + [(code, 0.0) for code in self.languages if code != only]
        script = self._scripts[self.languages[candidates[0]]] if candidates else ""
        scores = self._scores(words, candidates, self._sections[script]) if candidates else {}
        if not scores:
            return [(code, 0.0) for code in self.languages]
        best = max(scores.values())
        weights = {index: math.exp(score - best) for index, score in scores.items()}
        total = sum(weights.values())
        values = [(code, weights.get(index, 0.0) / total)
                  for index, code in enumerate(self.languages)]
        values.sort(key=lambda pair: (-pair[1], pair[0]))
        return values

    def _scores(self, words: list[str], candidates: list[int],
                sections: dict[int, _Section]) -> dict[int, float]:
        """Each candidate's mean log-probability of the words' n-grams (see the module's
        docstring); a candidate that knows none of them has no score."""
        total_letters = sum(len(word) for word in words)
        orders = ORDERS if total_letters < LONG_TEXT_LETTERS else (3,)
        columns = [(slot, self._columns[index]) for slot, index in enumerate(candidates)]
        # Sums of quantised values (each 1 + -ln(p) * step), and how many were added.
        sums = [0] * len(candidates)
        added = [0] * len(candidates)
        known_letters = [0] * len(candidates)
        seen: dict[str, bytes | None] = {}
        for order in orders:
            ngrams = {word[i:i + order] for word in words for i in range(len(word) - order + 1)}
            for ngram in ngrams:
                waiting = columns  # the languages that have not found this n-gram or a prefix
                for length in range(order, 0, -1):
                    part = ngram[:length]
                    row = seen[part] if part in seen else self._row(part, sections, seen)
                    if row is None:
                        continue
                    missing = []
                    for slot, column in waiting:
                        value = row[column]
                        if value:
                            sums[slot] += value
                            added[slot] += 1
                        else:
                            missing.append((slot, column))
                    waiting = missing
                    if not waiting:
                        break
            if order == 1:  # the text's distinct letters each language knows
                known_letters = list(added)
        scores: dict[int, float] = {}
        for slot, index in enumerate(candidates):
            if added[slot]:
                log_probability = -(sums[slot] - added[slot]) / self._step
                scores[index] = log_probability / max(known_letters[slot], 1)
        return scores
