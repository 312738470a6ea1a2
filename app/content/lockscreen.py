"""The lock-screen rule: the first characters of an outbound SMS name nothing revealing.

A phone shows the start of a new message on its lock screen, where whoever holds the phone can
read it (docs/threat-model.md, A1). This rule is the one definition of "revealing": the stems
in flows/outbound.yaml for each language, plus the organisation's own name. `flask flows check`
applies it to every text in every language, and an advocate's reply is checked against it
before it can be sent (app/casework/replies.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.content.catalogues import FALLBACK_LANGUAGE
from app.flows.loader import read_yaml


def _is_word_char(ch: str) -> bool:
    # Letters, marks and digits: Gurmukhi and Devanagari vowel signs are marks, and Python's
    # \w would split words at them (ਪੁਲਿਸ into ਪ, ਲ, ਸ) and hide them from the rule.
    return unicodedata.category(ch)[0] in "LMN"


# Bidirectional overrides and embeddings (LRE, RLE, PDF, LRO, RLO). An override makes a phone
# draw the characters after it in the order it forces, so "\u202eecilop" reads "police" on a
# lock screen and "0808 2000 247" can read "742 0002 8080". Our texts isolate numbers with
# U+2066..U+2069 instead, which reorder nothing inside them.
DIRECTION_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")


def visible(text: str) -> str:
    """The text as a phone draws it, less the invisible format characters (soft hyphen,
    zero-width space and joiners, word joiner, direction marks): pasted from a word processor
    inside "Po\u00adlice" they split the word for a comparison but not on the screen, and a
    run of them at the start pushed a revealing word past the preview."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def direction_overrides(text: str) -> list[str]:
    """The bidirectional overrides and embeddings in `text`, as U+XXXX, for the refusal."""
    return sorted({f"U+{ord(ch):04X}" for ch in text if ch in DIRECTION_OVERRIDES})


def _words(text: str) -> list[str]:
    """Comparable words: NFKC, case-folded, without non-spacing marks (Arabic vowel marks are
    optional in writing, so "الشُّرطة" and "الشرطة" must compare equal) or invisible format
    characters. Compatibility forms fold to the letters a phone shows them as (NFKC): fullwidth
    "Ｐｏｌｉｃｅ", mathematical bold "𝐏𝐨𝐥𝐢𝐜𝐞" from a fancy-text site, Arabic presentation forms."""
    folded = unicodedata.normalize("NFKC", visible(text)).casefold()
    kept = "".join(ch if _is_word_char(ch) else " " for ch in folded
                   if unicodedata.category(ch) != "Mn")
    return kept.split()


@dataclass(frozen=True)
class LockScreenRule:
    preview: int
    stems: dict[str, tuple[str, ...]]
    max_segments: int = 6
    max_segments_per_reply: int = 8

    @classmethod
    def load(cls, path: Path, organisation: str) -> LockScreenRule:
        raw = read_yaml(path) or {}
        stems = {lang: tuple(w for stem in words for w in _words(str(stem)))
                 for lang, words in (raw.get("stems") or {}).items()}
        org_words = tuple(w for w in _words(organisation) if len(w) > 3)
        return cls(int(raw.get("preview_characters", 40)),
                   {lang: words + org_words for lang, words in stems.items()} or
                   {FALLBACK_LANGUAGE: org_words},
                   int(raw.get("max_segments", 6)),
                   int(raw.get("max_segments_per_reply", 8)))

    def violations(self, language: str, text: str) -> list[str]:
        """The banned stems a lock screen would show for this text."""
        return self._found(self.stems.get(language, ()) + self.stems.get(FALLBACK_LANGUAGE, ()),
                           text)

    def violations_in_any_language(self, text: str) -> list[str]:
        """The banned stems of every language a lock screen would show for this text.

        For text a person writes (an advocate's reply): it may not be in the language the case
        was recorded in (a survivor who started with "hi" and went on in Polish is answered in
        Polish), and "infolinia o przemocy domowej" on a lock screen gives the survivor away
        whatever the case says. A stem of another language may refuse an ordinary word (Welsh
        "drin" in "drink"); the advocate is told which and can say it another way."""
        return self._found(tuple(dict.fromkeys(
            stem for stems in self.stems.values() for stem in stems)), text)

    def _found(self, stems: tuple[str, ...], text: str) -> list[str]:
        text = visible(text)
        cut = (len(text) > self.preview and _is_word_char(text[self.preview - 1])
               and _is_word_char(text[self.preview]))
        tokens = _words(text[: self.preview])
        found = []
        for index, token in enumerate(tokens):
            last_and_cut = cut and index == len(tokens) - 1
            for stem in stems:
                # A word cut off by the preview still reveals itself ("domest...").
                if token.startswith(stem) or (last_and_cut and len(token) >= 4
                                              and stem.startswith(token)):
                    found.append(stem)
        return sorted(set(found))
