"""A phone number in a right-to-left text is isolated whole (issue 21, item 5): a digit group
left outside its isolate ("LRI 0808 2000 PDI 247", as the Urdu out-of-hours text had it)
still wraps and reverses on its own, so `flask flows check` refuses it."""

from __future__ import annotations

import pytest

from app.content.lint import check_text
from app.content.lockscreen import LockScreenRule
from app.content.numbers import LRI, NBSP, PDI, unisolated_numbers

RULE = LockScreenRule(40, {"ur": ()})


@pytest.mark.parametrize("number", [
    f"{LRI}0808{NBSP}2000{PDI}{NBSP}247",
    f"{LRI}0808{NBSP}2000{PDI} 247",
    f"0808 {LRI}2000{NBSP}247{PDI}",
])
def test_a_group_left_outside_the_isolate_is_refused(number: str) -> None:
    text = f"ہیلپ لائن، مفت، 24 گھنٹے: {number}"
    assert unisolated_numbers(text) != []
    assert any("without isolates" in str(p) for p in check_text(RULE, "ur", "x", text, None))


def test_a_whole_isolated_number_passes() -> None:
    text = f"ہیلپ لائن، مفت، 24 گھنٹے: {LRI}0808{NBSP}2000{NBSP}247{PDI}۔"
    assert unisolated_numbers(text) == []
