"""The learned second opinion's weights as a memory-mapped file derived from its JSON.

Read from flows/second_opinion.json, the weights (about 180,000 n-grams over nine models)
cost every long-lived process some 13 MiB: 3 MiB of packed arrays and about 10 MiB of heap
the JSON's millions of small objects leave behind, which a forked child copies as soon as
it allocates there (bench/memory.py; issue 22, item 6: the whole stack in 300 MiB). Mapped,
they are the same integers in a read-only file: its pages live once in the page cache and
are shared by the gunicorn master, its workers, the RQ worker and its work-horses (PSS counts
them once), only the pages a message's look-ups touch are ever read in, and no JSON is read
into Python objects at all.

The JSON stays the source of truth; this file is derived from it, never edited, and can be
deleted at any time. It is named and stamped with the SHA-256 of the JSON's bytes, so a
retrained JSON is never read through a stale file, and its header and body carry CRC-32s,
so a damaged one is refused, never read. A file missing, stale or damaged is made again
(`load`); one that cannot be made (a read-only folder) leaves the caller to parse the JSON,
as before: the same decisions, with more memory (app/content/second_opinion.py). `make
language-models` makes it ahead of the first start (`python -m app.content.second_opinion_map`).

The file (native byte order, which the header names):
  8 bytes   MAGIC
  4 bytes   the header's length; 4 bytes its CRC-32; then the header, UTF-8 JSON padded with
            spaces so the body starts 8-aligned: `version`, `source` (the JSON's SHA-256),
            `byteorder`, `labels`, `ngrams`, `thresholds`, `alphabet` (every character of
            every n-gram), `models` (for each language: `priors`, `count` and where its `keys`
            and `values` start, from the body's start), `length` and `crc32` of the body.
  body      for each model: `count` sorted unsigned 64-bit keys, then `count` rows of one
            signed 32-bit weight per label (in LABELS' order) in thousandths: exactly the
            integers the in-memory model holds (`learned.thousandths`).

An n-gram's key is its characters' codes (a character's index in the alphabet + 1, at most
255) one byte each, the first lowest: exact, so no two n-grams share a key (the in-memory
model keys them by Python's 64-bit hash), and an n-gram with a character outside the
alphabet is in no model.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import mmap
import os
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Any, Final

from app.config import DEFAULT_FLOWS, PROJECT_ROOT
from app.crypto import content_digest, file_digest
from app.flows import learned

log = logging.getLogger(__name__)

# Where `make language-models` and the first start make it (gitignored, like the language
# guess's n-gram file): the install's own folder of derived files.
FOLDER: Final = PROJECT_ROOT / "models"
MAGIC: Final = b"QLOPINE1"
# 2: the header carries the JSON's higher_urgent threshold (null when it has none).
VERSION: Final = 2
PREFIX: Final = len(MAGIC) + 8  # the magic, the header's length and its CRC-32
MAX_ALPHABET: Final = 255  # one byte per character, 0 unused
MAX_GRAM: Final = 8  # characters in a 64-bit key
_OUTSIDE: Final = chr(256)  # what a character outside the alphabet becomes: not one byte


class MapError(Exception):
    """The mapped file is missing, stale, damaged, or cannot be made; the message says which
    (no path, no content)."""


def file_name(digest: str) -> str:
    """The mapped file's name for the JSON whose SHA-256 is `digest`."""
    return f"second-opinion-{digest[:16]}.bin"


def key_table(alphabet: str) -> dict[int, str]:
    """The `str.translate` table that turns an n-gram into its key's bytes: each character of
    the alphabet into its one-byte code, every other character into one that is not a byte."""
    table = dict.fromkeys(range(256), _OUTSIDE)
    table.update({ord(character): chr(code) for code, character in enumerate(alphabet, 1)})
    return table


class _KeyTable:
    """The file's one key table, shared by all its models (`learned.Keying`): a message's keys
    are made once, whichever of its two models asks first (`learned.Grams.keyed`)."""

    __slots__ = ("_table",)

    def __init__(self, alphabet: str) -> None:
        self._table = key_table(alphabet)

    def keys(self, grams: frozenset[str]) -> list[int]:
        """The key of each n-gram whose characters are all in the alphabet; the others are in
        no model of the file."""
        table, keys = self._table, []
        for gram in grams:
            try:
                keys.append(int.from_bytes(gram.translate(table).encode("latin-1"), "little"))
            except UnicodeEncodeError:  # a character no n-gram of the file has
                continue
        return keys


class _MappedModel:
    """One model's keys and rows in the mapped file; scores as `learned._Packed` does."""

    __slots__ = ("_count", "_keying", "_keys", "_values", "priors")

    def __init__(self, keys: memoryview, values: memoryview, priors: dict[str, float],
                 keying: _KeyTable) -> None:
        self._keys, self._values, self._count = keys, values, len(keys)
        self.priors = priors
        self._keying = keying

    def scores(self, message: learned.Grams) -> tuple[float, ...]:
        keys, values, found = self._keys, self._values, self._count
        width = len(learned.LABELS)
        totals = [0] * width
        for key in message.keyed(self._keying):
            at = bisect_left(keys, key)
            if at < found and keys[at] == key:
                for column in range(width):
                    totals[column] += values[at * width + column]
        return tuple(self.priors[label] + totals[column] / 1000
                     for column, label in enumerate(learned.LABELS))


def load(source: Path, folder: Path = FOLDER) -> learned.SecondOpinion:
    """The second opinion in the JSON file `source`, read through its mapped file in `folder`,
    made there first if it is missing, stale or damaged. SecondOpinionError if the JSON is not
    valid; MapError if the mapped file cannot be made or read (the caller parses the JSON)."""
    try:
        digest = file_digest(source)
    except OSError as error:  # the caller's own read of the JSON says what is wrong
        raise MapError(f"the JSON is unreadable: {type(error).__name__}") from error
    path = folder / file_name(digest)
    try:
        return open_mapped(path, digest)
    except MapError as error:
        log.info("event=second_opinion.map_make reason=%s", error)
    try:
        made = build(source, folder)
    except OSError as error:
        raise MapError(f"the JSON is unreadable: {type(error).__name__}") from error
    return open_mapped(made, digest)


def build(source: Path, folder: Path) -> Path:
    """Make the mapped file for the JSON file `source` in `folder` and return its path. Written
    beside it and renamed over it, so a process that mapped the old one keeps it whole."""
    data = source.read_bytes()
    digest = content_digest(data)
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise learned.SecondOpinionError(f"{source}: not valid JSON") from error
    models, thresholds, sizes = learned.checked(raw, str(source))
    higher_urgent = learned.higher_urgent(raw, thresholds, str(source))
    del raw, data  # the parsed JSON is the large part: gone before the file is laid out
    rows = {language: learned.thousandths(model) for language, model in models.items()}
    alphabet = "".join(sorted({character for table in rows.values() for gram in table
                               for character in gram}))
    if len(alphabet) > MAX_ALPHABET:
        raise MapError("more distinct characters than one-byte codes")
    if any(len(gram) > MAX_GRAM for table in rows.values() for gram in table):
        raise MapError("an n-gram longer than a key holds")
    table = key_table(alphabet)
    body = bytearray()
    layout: dict[str, dict[str, Any]] = {}
    for language in sorted(rows):
        keyed = {int.from_bytes(gram.translate(table).encode("latin-1"), "little"): row
                 for gram, row in rows[language].items()}
        keys = array("Q", sorted(keyed))
        try:
            values = array("i", [value for key in keys for value in keyed[key]])
        except OverflowError as error:
            raise MapError("a weight too large for the file") from error
        layout[language] = {"priors": models[language].priors, "count": len(keys),
                            "keys": len(body), "values": len(body) + 8 * len(keys)}
        body += keys.tobytes() + values.tobytes()
        body += b"\0" * (-len(body) % 8)
    header = {"version": VERSION, "source": digest, "byteorder": sys.byteorder,
              "labels": list(learned.LABELS), "ngrams": list(sizes), "thresholds": thresholds,
              "higher_urgent": higher_urgent,
              "alphabet": alphabet, "models": layout, "length": len(body),
              "crc32": zlib.crc32(body)}
    text = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    text += b" " * (-(PREFIX + len(text)) % 8)  # the body starts 8-aligned
    path = folder / file_name(digest)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Its own partial file: the web server and the RQ worker may make it at once.
        partial = folder / f".{path.name}.{os.getpid()}.partial"
        with partial.open("wb") as handle:
            handle.write(MAGIC + struct.pack("<II", len(text), zlib.crc32(text)) + text)
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError as error:
        raise MapError(f"cannot be written: {type(error).__name__}") from error
    return path


def open_mapped(path: Path, digest: str) -> learned.SecondOpinion:
    """The second opinion in the mapped file at `path`, which must have been made from the
    JSON whose SHA-256 is `digest`; MapError if it is missing, stale or damaged. Checked with
    ordinary reads, so checking does not make this process hold every page; then mapped from
    the same open file."""
    try:
        with path.open("rb") as handle:
            start = handle.read(PREFIX)
            if len(start) != PREFIX or start[:len(MAGIC)] != MAGIC:
                raise MapError("not a mapped second opinion")
            length, header_crc = struct.unpack("<II", start[len(MAGIC):])
            text = handle.read(length)
            if len(text) != length or zlib.crc32(text) != header_crc:
                raise MapError("damaged (header checksum)")
            header = json.loads(text)
            if not isinstance(header, dict) or header.get("version") != VERSION:
                raise MapError("an unknown version of the file")
            if header.get("source") != digest:
                raise MapError("stale: made from another version of the JSON")
            if header.get("byteorder") != sys.byteorder:
                raise MapError("made on a machine of the other byte order")
            body_crc = 0
            while chunk := handle.read(1 << 20):
                body_crc = zlib.crc32(chunk, body_crc)
            if handle.tell() - PREFIX - length != header.get("length") \
                    or body_crc != header.get("crc32"):
                raise MapError("damaged (body checksum)")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError as error:
        raise MapError("not made yet") from error
    except (OSError, ValueError) as error:  # unreadable; JSON or UTF-8 that does not decode
        raise MapError(f"unreadable: {type(error).__name__}") from error
    # Look-ups jump about the file: read in only the pages they touch.
    mapped.madvise(mmap.MADV_RANDOM)
    try:
        return _opinion(header, memoryview(mapped)[PREFIX + length:])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MapError("damaged (header)") from error


def _opinion(header: dict[str, Any], body: memoryview) -> learned.SecondOpinion:
    """The second opinion the checked header describes over the mapped body; ValueError (or
    KeyError, TypeError) where the header does not fit the file."""
    width = len(learned.LABELS)
    if header["labels"] != list(learned.LABELS):
        raise ValueError("labels")
    low, high = (int(size) for size in header["ngrams"])
    thresholds = _numbers(header["thresholds"])
    keying = _KeyTable(str(header["alphabet"]))
    models: dict[str, learned.Scorer] = {}
    for language, place in header["models"].items():
        count, keys_at, values_at = (int(place[name]) for name in ("count", "keys", "values"))
        if keys_at % 8 or values_at % 4 or min(count, keys_at, values_at) < 0 \
                or keys_at + 8 * count > len(body) or values_at + 4 * width * count > len(body):
            raise ValueError("sections")
        models[str(language)] = _MappedModel(
            body[keys_at:keys_at + 8 * count].cast("Q"),
            body[values_at:values_at + 4 * width * count].cast("i"),
            _numbers(place["priors"]), keying)
    if learned.SHARED not in models:
        raise ValueError("no shared model")
    higher = header["higher_urgent"]
    if higher is not None and not (math.isfinite(higher) and higher < thresholds["urgent"]):
        raise ValueError("higher_urgent")
    return learned.SecondOpinion(models, thresholds, (low, high),
                                 None if higher is None else float(higher))


def _numbers(given: Any) -> dict[str, float]:
    """A finite number for each label, or ValueError."""
    if not isinstance(given, dict) or set(given) != set(learned.LABELS):
        raise ValueError("labels")
    numbers = {label: float(given[label]) for label in learned.LABELS}
    if not all(math.isfinite(value) for value in numbers.values()):
        raise ValueError("not finite")
    return numbers


def prune(folder: Path, keep: Path) -> None:
    """Remove the mapped files of other versions of the JSON (a process that mapped one keeps
    its pages until it ends)."""
    for old in folder.glob(file_name("*")):
        if old != keep:
            old.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m app.content.second_opinion_map [--flows DIR] [--folder DIR]`: make the mapped
    file for the flows folder's second_opinion.json (if it is not there and sound) and remove
    those of older versions."""
    from app.content.second_opinion import FILE  # noqa: PLC0415 -- it imports this module

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flows", type=Path,
                        default=Path(os.environ.get("QUIETLINE_FLOWS") or DEFAULT_FLOWS))
    parser.add_argument("--folder", type=Path, default=FOLDER)
    arguments = parser.parse_args(argv)
    source = arguments.flows / FILE
    if not source.exists():
        print(f"no {source}: nothing to map")  # noqa: T201 -- a CLI
        return 0
    digest = file_digest(source)
    path = arguments.folder / file_name(digest)
    try:
        open_mapped(path, digest)
        done = "up to date"
    except MapError:
        path = build(source, arguments.folder)
        open_mapped(path, digest)
        done = "built"
    prune(arguments.folder, path)
    print(f"second opinion mapped: {done}, {path}")  # noqa: T201 -- a CLI
    return 0


if __name__ == "__main__":
    sys.exit(main())
