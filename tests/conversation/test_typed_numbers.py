"""Which phone numbers in a survivor's message are withheld (app/conversation/typed_numbers.py).

A table: UK numbers as people type them (mobiles, landlines, 03, +44 / 0044 / 44, spaces,
dashes, dots, brackets, Arabic-Indic and Eastern Arabic digits) are replaced by the marker;
what is not a person's phone number is left alone: 999, 112, 116 123, the national helpline
and other 08 numbers, the deployment's own numbers, dates, times, amounts, case references.
"""

from __future__ import annotations

import pytest

from app.conversation.typed_numbers import READ_AS, WITHHELD, published, withhold

SERVICE_OWN = published(["0808 2000 247", "+447700900000", "029 2046 0566"])


@pytest.mark.parametrize(("typed", "stored", "mobiles"), [
    ("my number is 07700 900321 text after 6", f"my number is {WITHHELD} text after 6",
     ("+447700900321",)),
    ("07700900321", WITHHELD, ("+447700900321",)),
    ("07700-900-321", WITHHELD, ("+447700900321",)),
    ("07700.900.321 please", f"{WITHHELD} please", ("+447700900321",)),
    ("(07700) 900321", WITHHELD, ("+447700900321",)),
    ("+44 7700 900321", WITHHELD, ("+447700900321",)),
    ("+44 (0)7700 900321", WITHHELD, ("+447700900321",)),
    ("(+44) 7700 900321", WITHHELD, ("+447700900321",)),
    ("0044 7700 900 321", WITHHELD, ("+447700900321",)),
    ("44 7700 900321", WITHHELD, ("+447700900321",)),
    ("tel:07700900321", f"tel:{WITHHELD}", ("+447700900321",)),
    ("رقمي ٠٧٧٠٠ ٩٠٠٣٢١", f"رقمي {WITHHELD}", ("+447700900321",)),
    ("میرا نمبر ۰۷۷۰۰۹۰۰۳۲۱ ہے", f"میرا نمبر {WITHHELD} ہے", ("+447700900321",)),
    ("07700 900321 2", f"{WITHHELD} 2", ("+447700900321",)),
    ("ring 020 7946 0018 after 5", f"ring {WITHHELD} after 5", ()),
    ("0117 496 0123 or 07700 900456", f"{WITHHELD} or {WITHHELD}", ("+447700900456",)),
    ("work 01632 960123", f"work {WITHHELD}", ()),
    ("0300 123 4567", WITHHELD, ()),
])
def test_a_uk_phone_number_is_withheld(typed: str, stored: str,
                                       mobiles: tuple[str, ...]) -> None:
    found = withhold(typed, SERVICE_OWN)
    assert found is not None
    assert found.text == stored
    assert found.mobiles == mobiles
    assert len(found.numbers) == stored.count(WITHHELD)
    # What the service reads has the same text with a wordless mark for each number.
    assert found.read == stored.replace(WITHHELD, READ_AS)


@pytest.mark.parametrize("typed", [
    "call 999", "999 then 55", "112", "116 123",
    "is 0808 2000 247 free?", "08082000247", "0800 408 1552", "0345 123 456",
    "I texted 07700 900000 yesterday",  # the service's own number
    "the refuge on 029 2046 0566",  # a service the deployment lists
    "on 07/12/2026 at 10:30", "07.12.2026", "12-12-2024", "£1,234.56",
    "case ref QL-07700900321", "ref 07700900321X", "12345678901", "0770090",
    "+1 202 555 0100", "+33 6 12 34 56 78",
])
def test_what_is_not_a_persons_uk_number_is_left_alone(typed: str) -> None:
    found = withhold(typed, SERVICE_OWN)
    assert found is None, found
