"""Small-count suppression that cannot be undone by subtraction (complementary suppression).

The report shows totals, so hiding only the small counts is not enough: with one hidden cell,
the total minus the shown cells gives it back. The rule, for a table whose cells add up to a
total that is shown (or can be worked out from another table):

1. primary: every count from 1 to threshold - 1 is hidden (zero is shown: it identifies no one
   and says that the category exists);
2. complementary: while fewer than two cells are hidden, or every hidden cell could only be 1
   (the hidden sum equals the number of hidden cells, so each must be 1), the smallest shown
   non-zero cell is hidden as well;
3. when nothing is left to hide and the hidden cells are still determined, the whole table is
   withheld (one cell, `WITHHELD`), so not even which categories occurred is shown.

What a reader then knows of the hidden cells is their sum S = total - shown and that each is at
least 1; with k >= 2 hidden cells and S > k, every hidden cell can be anything from 1 to
S - k + 1, so none is determined. When the total itself is hidden (under the threshold) there
is no equation to solve and the primary suppressions are enough: every non-zero cell of every
table is then under the threshold and hidden.

The report has one-dimensional tables only (each section against one total, and the sections
are different partitions of the same people, so no equation links a cell of one to a cell of
another except through that total). A cross-tab (say language by channel) would need more:
the rule on every row and every column at once, and then a check (a small linear program per
hidden cell) that rows and columns together do not fix a hidden cell, which two hidden cells
in each row and column alone do not guarantee. Add that with the cross-tab, not before.
"""

from __future__ import annotations

from collections.abc import Mapping

SUPPRESSED = "suppressed"
WITHHELD = "all categories"


def hidden_cells(cells: Mapping[str, int], threshold: int, *,
                 total_known: bool = True) -> set[str] | None:
    """The keys to hide, or None when the whole table must be withheld."""
    hidden = {key for key, value in cells.items() if 0 < value < threshold}
    if not hidden or not total_known:
        return hidden
    # The smallest shown non-zero cells first: hiding them costs the reader least.
    spare = sorted((value, order, key) for order, (key, value) in enumerate(cells.items())
                   if value > 0 and key not in hidden)
    while len(hidden) < 2 or sum(cells[key] for key in hidden) == len(hidden):
        if not spare:
            return None
        hidden.add(spare.pop(0)[2])
    return hidden


def protected(cells: Mapping[str, int], threshold: int, *,
              total_known: bool = True) -> dict[str, int | str]:
    """The table as it may be shown: hidden cells say `SUPPRESSED`, in the same order."""
    hidden = hidden_cells(cells, threshold, total_known=total_known)
    if hidden is None:
        return {WITHHELD: SUPPRESSED}
    return {key: SUPPRESSED if key in hidden else value for key, value in cells.items()}


def total(value: int, threshold: int) -> int | str:
    """A total is shown unless it is itself a small count."""
    return SUPPRESSED if 0 < value < threshold else value
