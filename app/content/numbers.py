"""Phone numbers that never break or reverse (issue 21, item 5).

In a right-to-left paragraph, "0808 2000 247" is three runs of digits between neutral spaces:
a phone may show the groups reversed ("247 2000 0808") and a line may wrap between them. So in
right-to-left texts (already UCS-2 in SMS, so the marks cost nothing extra) every phone number
is wrapped in Unicode isolates, LRI (U+2066) ... PDI (U+2069), with no-break spaces between
its groups; `flask flows check` refuses one that is not. Texts in GSM-7 languages are left
alone: one isolate or no-break space would force UCS-2 on the whole SMS and double its
segments, and a left-to-right paragraph shows the groups in order anyway. On web pages, every
number is put in `<bdi dir="ltr">` with no-break spaces (`isolated_html`), in every language.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

RIGHT_TO_LEFT = frozenset({"ar", "ur"})
LRI, PDI, LRM, NBSP = "\u2066", "\u2069", "\u200e", "\u00a0"
# Two or more digit groups separated by any kind of space: a phone number, not "999" or "24".
NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d+)+")
_MARKED_NUMBER = re.compile(f"[{LRI}{LRM}]?({NUMBER.pattern}){PDI}?")
# A digit group joined by a space to an isolate, outside it: part of the number left out of its
# isolate ("LRI 0808 2000 PDI 247"), which still wraps and reverses on its own.
_LEFT_OUTSIDE = re.compile(f"{PDI}[ \u00a0\u202f]+\\d+|\\d+[ \u00a0\u202f]+{LRI}")


def isolated(number: str, language: str | None) -> str:
    """A phone number as a text in `language` writes it: in a right-to-left language, LRI, its
    digit groups joined by no-break spaces, PDI; in any other, as it is (GSM-7 stays GSM-7)."""
    if language not in RIGHT_TO_LEFT:
        return number
    joined = re.sub(r"[ \u00a0\u202f]", NBSP, number)
    return f"{LRI}{joined}{PDI}"


def unisolated_numbers(text: str) -> list[str]:
    """The numbers in `text` that are not LRI, groups joined by no-break spaces, PDI, and any
    digit group left outside an isolate next to it."""
    wrong = []
    for number in NUMBER.finditer(text):
        before = text[number.start() - 1] if number.start() else ""
        after = text[number.end()] if number.end() < len(text) else ""
        joined = all(ch.isdigit() or ch == NBSP for ch in number.group())
        if before != LRI or after != PDI or not joined:
            wrong.append(number.group())
    wrong.extend(found.group().strip(f"{LRI}{PDI} {NBSP}\u202f")
                 for found in _LEFT_OUTSIDE.finditer(text))
    return wrong


def isolated_html(text: str) -> Markup:
    """`text`, escaped, with each phone number as `<bdi dir="ltr">` and no-break spaces (any
    isolate or mark around it in the catalogue is replaced by the element)."""
    parts = []
    position = 0
    for match in _MARKED_NUMBER.finditer(text):
        parts.append(escape(text[position:match.start()]))
        digits = re.sub(r"[ \u00a0\u202f]", NBSP, match.group(1))
        parts.append(Markup('<bdi dir="ltr">{}</bdi>').format(digits))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
