"""Build the language n-gram file (app/content/ngrams.py) for a deployment's languages.

Run at install time by the Makefile (`make language-models`, which `make run` and `make test`
run first), and by the deployer after changing `[languages] enabled` (docs/deploy.md, "The
language guess's file"):

    python -m app.content.ngram_build --wheel WHEEL [--config DEPLOYMENT] [--out FILE]

WHEEL is lingua-language-detector 1.4.2's wheel (pure Python, Apache-2.0), whose n-gram models
are brotli-compressed JSON files, `lingua/language-models/<iso>/<order>.json.br`, each mapping a
probability written as a fraction to the n-grams that have it. Nothing is rebuilt when the file
already holds exactly these languages and its checksum is right; a file for other languages,
or a damaged one, is replaced. The new file is written beside the old and renamed over it, so
a running process keeps the file it mapped.

`--min-count N` leaves out the n-grams of two letters or more seen fewer than N times in the
language's corpus (pruning, to make the file smaller; bench/language_guess.py measures it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
import zipfile
import zlib
from array import array
from collections import Counter
from pathlib import Path

from app.content.ngrams import (
    BLOCK,
    CODE_BITS,
    MAGIC,
    MAX_ALPHABET,
    NGRAM_FILE,
    ORDERS,
    VERSION,
    ModelFileError,
    read_header,
    script_of,
    verify,
)

SOURCE = "lingua-language-detector 1.4.2 (Apache-2.0), models counted from the Wortschatz corpora"
ORDER_NAMES = {1: "unigrams", 2: "bigrams", 3: "trigrams", 4: "quadrigrams", 5: "fivegrams"}
# Quantisation: a log-probability is kept to 1/STEP of a nat, in one byte (down to -15.9).
STEP = 16


def _decompress(data: bytes) -> bytes:
    import brotli  # noqa: PLC0415 -- needed only by this install-time build

    result: bytes = brotli.decompress(data)
    return result


def _model(wheel: zipfile.ZipFile, code: str, order: int) -> dict[str, str] | None:
    """The n-grams of one order of one language: {fraction: space-separated n-grams}."""
    name = f"lingua/language-models/{code}/{ORDER_NAMES[order]}.json.br"
    try:
        data = wheel.read(name)
    except KeyError:
        return None
    ngrams: dict[str, str] = json.loads(_decompress(data))["ngrams"]
    return ngrams


def _quantised(fraction: str) -> int:
    numerator, denominator = (int(part) for part in fraction.split("/"))
    return 1 + min(254, round(-math.log(numerator / denominator) * STEP))


def build(wheel_path: Path, languages: tuple[str, ...], out: Path, min_count: int = 1) -> bool:
    """Write the file for `languages` (those lingua has models for) unless it is already there
    and sound. True if it was (re)built."""
    asked = sorted(set(languages))
    try:
        header = read_header(out)
        if sorted(header.get("asked", ())) == asked and header.get("min_count") == min_count:
            verify(out, header)
            return False
    except ModelFileError:
        pass  # missing, damaged, or for other languages: build it
    with zipfile.ZipFile(wheel_path) as wheel:
        known = [code for code in asked if _model(wheel, code, 1) is not None]
        scripts = {code: _script(_model(wheel, code, 1) or {}) for code in known}
        groups = {script: [code for code in known if scripts[code] == script]
                  for script in sorted(set(scripts.values()))}
        groups = {script: codes for script, codes in groups.items() if len(codes) > 1}
        alphabet: dict[str, int] = {}
        parsed = {code: _read_language(wheel, code, min_count, alphabet)
                  for codes in groups.values() for code in codes}
    if len(alphabet) > MAX_ALPHABET:
        raise ValueError("too many distinct characters for 12-bit codes")
    # One order at a time: its table (large, in this process's memory) is laid out at once.
    sections = {script: [_section(order, _table(order, codes, parsed, alphabet))
                         for order in ORDERS] for script, codes in groups.items()}
    _write(out, asked=asked, known=known, scripts=scripts, alphabet=alphabet, groups=groups,
           sections=sections, min_count=min_count)
    return True


def _script(unigrams: dict[str, str]) -> str:
    """The script of most of a language's letters, from its unigram model."""
    mass: Counter[str] = Counter()
    for fraction, joined in unigrams.items():
        for letter in joined.split(" "):
            mass[script_of(letter)] += int(fraction.split("/")[0])
    return mass.most_common(1)[0][0] if mass else ""


Entries = dict[int, list[tuple[list[str], int]]]


def _read_language(wheel: zipfile.ZipFile, code: str, min_count: int,
                   alphabet: dict[str, int]) -> Entries:
    """One language's n-grams of every order with their quantised values; adds their
    characters to `alphabet`."""
    entries: Entries = {}
    for order in ORDERS:
        entries[order] = []
        for fraction, joined in (_model(wheel, code, order) or {}).items():
            if order > 1 and int(fraction.split("/")[0]) < min_count:
                continue
            ngrams = joined.split(" ")
            entries[order].append((ngrams, _quantised(fraction)))
            for ngram in ngrams:
                for character in ngram:
                    alphabet.setdefault(character, len(alphabet) + 1)
    return entries


def _table(order: int, known: list[str], parsed: dict[str, Entries],
           alphabet: dict[str, int]) -> dict[int, bytearray]:
    """{key: one byte per language} for the n-grams of one order."""
    table: dict[int, bytearray] = {}
    for column, code in enumerate(known):
        for ngrams, value in parsed[code].pop(order):
            for ngram in ngrams:
                key = 0
                for position, character in enumerate(ngram):
                    key |= alphabet[character] << (CODE_BITS * position)
                row = table.get(key)
                if row is None:
                    row = table[key] = bytearray(len(known))
                row[column] = value
    return table


Section = tuple[int, bytes, bytes, bytes]


def _section(order: int, table: dict[int, bytearray]) -> Section:
    """(order, its sorted keys, their rows, the fence), laid out as the file holds them."""
    keys = array("Q", sorted(table))
    rows = b"".join(table[key] for key in keys)
    fence = array("Q", keys[::BLOCK])
    if sys.byteorder != "little":
        keys.byteswap()
        fence.byteswap()
    return order, keys.tobytes(), rows, fence.tobytes()


def _write(out: Path, *, asked: list[str], known: list[str], scripts: dict[str, str],
           alphabet: dict[str, int], groups: dict[str, list[str]],
           sections: dict[str, list[Section]], min_count: int) -> None:
    body = bytearray()
    layout: dict[str, dict[str, object]] = {}
    for script, codes in groups.items():
        places: dict[str, dict[str, int]] = {}
        for order, keys, rows, fence in sections[script]:  # from the body's start, 8-aligned
            body += b"\0" * (-len(body) % 8)
            places[str(order)] = {"count": len(keys) // 8, "keys": len(body),
                                  "fence": len(body) + len(keys),
                                  "rows": len(body) + len(keys) + len(fence)}
            body += keys + fence + rows
        layout[script] = {"languages": codes, "sections": places}
    header = {"version": VERSION, "languages": known, "asked": asked, "scripts": scripts,
              "alphabet": "".join(sorted(alphabet, key=lambda character: alphabet[character])),
              "step": STEP, "min_count": min_count, "source": SOURCE, "groups": layout,
              "crc32": zlib.crc32(body)}
    text = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    text += b" " * (-(len(MAGIC) + 4 + len(text)) % 8)  # the body starts 8-aligned
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(MAGIC + struct.pack("<I", len(text)) + text)
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(out)


def main(argv: list[str] | None = None) -> int:
    from app.config import DEFAULT_CONFIG  # noqa: PLC0415 -- the CLI's defaults only
    from app.deployment import load_deployment  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, required=True)
    parser.add_argument("--config", type=Path,
                        default=Path(os.environ.get("QUIETLINE_CONFIG") or DEFAULT_CONFIG))
    parser.add_argument("--out", type=Path, default=NGRAM_FILE)
    parser.add_argument("--min-count", type=int, default=1)
    arguments = parser.parse_args(argv)
    languages = load_deployment(arguments.config).languages
    built = build(arguments.wheel, languages, arguments.out, arguments.min_count)
    print(f"language n-grams for {','.join(sorted(languages))}: "  # noqa: T201 -- a CLI
          f"{'built' if built else 'up to date'}, {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
