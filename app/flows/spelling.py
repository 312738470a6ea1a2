"""Spelling correction for a survivor's words before phrases are matched (app/flows/wording.py).

Misspelt words ("somone", "plaese") are corrected to a phrase word one edit away, with the
same first letter, when they are in Latin letters, at least six letters long and are not
phrase words themselves (a deletion-neighbourhood look-up: no package or model needed).
Txt-speak ("some1") is rewritten from a table in the data.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.flows.folding import fold_clause, fold_word

_FUZZY_MIN = 6


class Speller:
    """Corrects a misspelt word to a known phrase word one edit away, and rewrites txt-speak
    ("some1" -> "someone") from a table in the data. Only words of six letters or more, in Latin
    letters, are corrected, and never a word that is itself a phrase word, so "kill" never
    becomes "skill". The phrase words come from every language, and a short word of one is
    often one edit from another's: Urdu "lekin" (but) from Romanian "lesin" (faint), "hello"
    from "hell", Somali "garan" from Urdu "gardan" (neck). In Arabic script one letter is
    another root ("الليله", tonight, is not "العيله", the family), and spellings that differ
    by keyboard are already folded."""

    def __init__(self, vocabulary: Iterable[str], respellings: Mapping[str, str]) -> None:
        self.known = frozenset(vocabulary)
        # A word longer than this is more than one edit from every known word.
        self._longest = max((len(word) for word in self.known), default=0) + 1
        self.respellings = {fold_word(k): fold_clause(v) for k, v in respellings.items()}
        self._near: dict[str, str | None] = {}
        for word in sorted(self.known):
            if len(word) < _FUZZY_MIN - 1:
                continue
            for variant in {word, *_deletions(word)}:
                if variant in self._near and self._near[variant] != word:
                    self._near[variant] = None  # two candidates: do not guess
                else:
                    self._near[variant] = word

    def correct(self, said: str) -> str:
        return " ".join(self._word(w) for w in said.split())

    def _word(self, word: str) -> str:
        if word in self.respellings:
            return self.respellings[word]
        if (word in self.known or not _FUZZY_MIN <= len(word) <= self._longest
                or not word.isalpha() or not word.isascii()):
            # Checked before the deletions are built, which cost the square of the length.
            return word
        for variant in (word, *_deletions(word)):
            found = self._near.get(variant)
            # Typos rarely touch the first letter; a different first letter is another word
            # ("fatal" is not the Urdu "qatal").
            if found is not None and found[0] == word[0] and _one_edit(word, found):
                return found
        return word


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours apart."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
