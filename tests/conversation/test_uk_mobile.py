"""Which typed numbers are UK mobiles (app/conversation/safe_numbers.py, uk_mobile)."""

from __future__ import annotations

import pytest

from app.conversation.safe_numbers import uk_mobile


@pytest.mark.parametrize(("typed", "number"), [
    ("07700 900321", "+447700900321"),
    ("07700900321", "+447700900321"),
    ("+44 7700 900321", "+447700900321"),
    ("+44 (0)7700 900321", "+447700900321"),
    ("0044 7700-900-321", "+447700900321"),
    ("447700900321", "+447700900321"),
    ("(07700) 900.321", "+447700900321"),
    ("٠٧٧٠٠٩٠٠٣٢١", "+447700900321"),  # Arabic-Indic digits
    ("07624 123456", "+447624123456"),  # Isle of Man
])
def test_the_ways_people_write_a_uk_mobile(typed: str, number: str) -> None:
    assert uk_mobile(typed) == number


@pytest.mark.parametrize("typed", [
    "", "hello", "020 7946 0000",  # a London landline
    "07000 123456",  # a personal number: may forward anywhere
    "07600 123456",  # a pager
    "0770090032", "077009003211",  # a digit short, a digit long
    "+33 6 12 34 56 78", "+1 415 555 0100",
    "07700 900321 ext 2", "1" * 41, None, 7700900321,
])
def test_anything_else_is_refused(typed: object) -> None:
    assert uk_mobile(typed) is None
