"""The words of the web chat's "come back later" codes (app/conversation/return_codes.py).

`words/en.txt` holds 2,048 common English words, so three of them make a code of 33 bits.
It began as the BIP-39 English list (MIT licence, chosen there for the same reason: words
that are easy to read back and tell apart), with the words a code must not contain taken out
(anything naming abuse, violence, fear, help, police, the body, death, illness, drink or
drugs, or money trouble: a code may be written on paper that someone else finds), and
ordinary kitchen, garden and nature words put in their place. docs/threat-model.md has the
reasoning for three words of eleven bits.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

WORDS_PATH = Path(__file__).resolve().parent / "words" / "en.txt"
WORD_COUNT = 2048


@lru_cache(maxsize=1)
def code_words() -> tuple[str, ...]:
    """The list, in file order; a file of the wrong size is an error, never a weaker code."""
    words = tuple(line.strip() for line in WORDS_PATH.read_text(encoding="utf-8").splitlines()
                  if line.strip())
    if len(words) != WORD_COUNT or len(set(words)) != WORD_COUNT:
        raise ValueError(f"{WORDS_PATH}: needs {WORD_COUNT} different words")
    return words
