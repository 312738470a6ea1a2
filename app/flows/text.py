"""How survivor input is compared with options and keywords."""

from __future__ import annotations

import unicodedata

# Punctuation a phone keyboard adds or a survivor types in a hurry: "3.", "help!", "'person'".
_EDGE_PUNCTUATION = " \t\r\n.,;:!?¡¿'\"()[]*-_#。،؟"


def normalise(text: str) -> str:
    """Case-fold, NFKC-normalise, collapse spaces and trim edge punctuation.

    NFKC turns full-width and other compatibility digits into plain ones, so "３" picks option 3.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split()).strip(_EDGE_PUNCTUATION)
