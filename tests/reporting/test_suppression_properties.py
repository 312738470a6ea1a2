"""Complementary suppression (app/reporting/suppression.py), proved by solving the tables.

For each random table the test plays the reader: it knows every shown cell, the total (when
shown) and that a suppressed cell is at least 1 (zeros are shown). It works out the range each
suppressed cell could take; the promise is that no range is a single value.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reporting.suppression import SUPPRESSED, WITHHELD, hidden_cells, protected, total

tables = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=24).map(
    lambda counts: {f"c{n}": count for n, count in enumerate(counts)})
thresholds = st.integers(min_value=2, max_value=10)


def ranges(shown: dict[str, int | str], known_total: int | None) -> dict[str, tuple[int, float]]:
    """What a reader can work out of each suppressed cell: (least, most) value.

    With the total: the k suppressed cells add up to S = total - shown, each at least 1, so
    each lies in [1, S - k + 1]. Without it: at least 1, no upper bound from the table.
    """
    hidden = [key for key, value in shown.items() if value == SUPPRESSED]
    if known_total is None:
        return {key: (1, float("inf")) for key in hidden}
    rest = known_total - sum(v for v in shown.values() if isinstance(v, int))
    return {key: (1, rest - len(hidden) + 1) for key in hidden}


@given(tables, thresholds)
def test_no_suppressed_cell_can_be_worked_out_from_the_total(
        cells: dict[str, int], threshold: int) -> None:
    published = total(sum(cells.values()), threshold)
    known_total = published if isinstance(published, int) else None
    # As the report does it: the complementary cells are needed only when the total is shown.
    shown = protected(cells, threshold, total_known=known_total is not None)
    if shown == {WITHHELD: SUPPRESSED}:
        return  # nothing of the table is shown, not even its categories
    for key, (least, most) in ranges(shown, known_total).items():
        assert least <= cells[key] <= most  # the solver is right about the true value...
        assert most > least, (cells, shown, key)  # ...and it cannot pin it down


@given(tables, thresholds)
def test_every_small_count_is_suppressed_and_shown_cells_are_exact(
        cells: dict[str, int], threshold: int) -> None:
    shown = protected(cells, threshold)
    if shown == {WITHHELD: SUPPRESSED}:
        return
    assert list(shown) == list(cells)
    for key, value in cells.items():
        if 0 < value < threshold:
            assert shown[key] == SUPPRESSED
        elif shown[key] != SUPPRESSED:
            assert shown[key] == value


@given(tables, thresholds)
def test_a_table_is_withheld_only_when_nothing_else_protects_it(
        cells: dict[str, int], threshold: int) -> None:
    if hidden_cells(cells, threshold, total_known=sum(cells.values()) >= threshold) is None:
        nonzero = [value for value in cells.values() if value]
        assert all(value == 1 for value in nonzero)


@pytest.mark.parametrize(("cells", "hidden"), [
    ({"a": 3, "b": 40, "c": 12}, {"a", "c"}),  # one small count: the next smallest joins it
    ({"a": 3, "b": 2, "c": 12}, {"a", "b"}),  # two already protect each other
    ({"a": 1, "b": 1, "c": 12}, {"a", "b", "c"}),  # 1 + 1: each would be 1, so one more
    ({"a": 20, "b": 0, "c": 12}, set()),
])
def test_worked_examples(cells: dict[str, int], hidden: set[str]) -> None:
    assert hidden_cells(cells, 5) == hidden


def test_one_count_under_the_threshold_beside_a_total_is_no_longer_given_away() -> None:
    """The bug: total 15, shown 12, so the suppressed cell was 3."""
    shown = protected({"sms": 3, "web": 12}, 5)
    assert shown == {"sms": SUPPRESSED, "web": SUPPRESSED}
