"""How a text travels as SMS: GSM-7 or UCS-2, and how many segments it takes.

Carriers bill and deliver per segment, and a long UCS-2 message (any non-Latin script, or a
single emoji or curly quote) splits far sooner than a GSM-7 one, so the flows check reports
both for every outbound text.
"""

from __future__ import annotations

from dataclasses import dataclass

# The GSM 03.38 default alphabet, and the extension table whose characters take two septets.
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Encoding:
    name: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def encoding_of(text: str) -> Encoding:
    if all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        return Encoding("GSM-7", units, _segments(units, single=160, multi=153))
    units = len(text.encode("utf-16-le")) // 2
    return Encoding("UCS-2", units, _segments(units, single=70, multi=67))


def _segments(units: int, *, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return -(-units // multi)
