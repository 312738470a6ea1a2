"""How a survivor's words and the phrases in flows/ are folded before they are compared.

People text in a hurry, on phones that drop accents, in more than one language at once. So
before any phrase is matched (app/flows/wording.py), the text and the phrases are folded the
same way:

- NFKC, case-folded; apostrophes dropped ("he's" -> "hes", "don't" -> "dont", "s'mae" ->
  "smae"); other punctuation and symbols are spaces, in every script;
- Latin accents dropped ("zabić" -> "zabic", "ș"/"ş" -> "s", "ł" -> "l"), so one phrase
  matches a text typed with or without them;
- Arabic-script spellings unified: the alifs, the yehs (alef maksura too) and kafs, heh and
  teh marbuta, noon ghunna, harakat and tatweel (Arabic and Urdu keyboards differ); the
  Gurmukhi nukta and addak dropped and tippi written as bindi;
- laughing faces (😂, 🤣...) become the word "haha", so `unless` lists can name a joke;
- the text is cut into clauses at sentence punctuation, and a phrase never spans two.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

# Kept out of words: a clause boundary in folded text (fold never produces it otherwise).
CLAUSE = "|"

_CLAUSE_BREAK = re.compile(r"[.,;:!?\n\r،؛؟。！？]+")
_APOSTROPHES = "'’‘`´ʼ"
_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i", "æ": "ae", "œ": "oe",
    # Arabic script: one spelling for letters Arabic and Urdu keyboards write differently.
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ك": "ک",
    "ة": "ه", "ۃ": "ه", "ہ": "ه", "ھ": "ه", "ۀ": "ه", "ؤ": "و", "ـ": "",
    # Urdu noon ghunna written as a plain noon ("نہیں" / "نہین"); Gurmukhi tippi and bindi
    # (the same nasal, chosen by the vowel, often swapped when typing).
    "ں": "ن", "ੰ": "ਂ",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7",
    "٨": "8", "٩": "9", "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5",
    "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    # Laughing faces say "joking" in every language ("this film is killing me 😂"): they
    # become a word the rules' `unless` lists can name.
    "😂": " haha ", "🤣": " haha ", "😆": " haha ", "😅": " haha ", "😹": " haha ",
})


def _dropped_mark(ch: str) -> bool:
    code = ord(ch)
    return (0x0300 <= code <= 0x036F  # Latin combining accents (after NFD)
            or 0x064B <= code <= 0x065F  # Arabic harakat
            or code in {0x0670, 0x0A3C, 0x0A71})  # superscript alif; Gurmukhi nukta
    # (ਫ਼ / ਫ) and addak, the doubling mark many leave out when typing (ਕੱਲ / ਕਲ)


def fold_clause(text: str) -> str:
    """One clause folded: what `fold` does to each, without cutting the text at all."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if ch not in _APOSTROPHES)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not _dropped_mark(ch))
    text = unicodedata.normalize("NFC", text).translate(_LETTERS)
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return " ".join(kept.split())


def fold(text: str) -> str:
    """Folded words, clauses joined by ` | ` (see the module docstring)."""
    clauses = (fold_clause(part) for part in _CLAUSE_BREAK.split(text))
    return f" {CLAUSE} ".join(c for c in clauses if c)


def fold_word(word: str) -> str:
    return fold_clause(word).replace(" ", "")
