"""The terms of a case search (reference, status, priority, language, dates), checked and
turned into a query for `app.storage.case_search`; `Casework.search` runs it (audited) and
`Casework.earlier_cases` lists a contact's earlier cases. Case facts only, never content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.casework import wording
from app.hours import local_days
from app.storage import case_search

STATUSES = ("open", "claimed", "closed")
RANKS = {name: rank for rank, name in wording.PRIORITY_RANKS.items()}
REFERENCE_LENGTH = 8


class SearchRefused(ValueError):
    """The search terms cannot be used; the message says why, in words for the form."""


@dataclass(frozen=True)
class Terms:
    """What the search form sent, unchecked."""

    reference: str = ""
    status: str = ""
    priority: str = ""
    language: str = ""
    opened_from: str = ""
    opened_to: str = ""

    @property
    def empty(self) -> bool:
        return not any((self.reference, self.status, self.priority, self.language,
                        self.opened_from, self.opened_to))


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SearchRefused(f"{name} must be a date like 2026-11-01") from exc


def criteria(terms: Terms, timezone: str) -> case_search.Criteria:
    """The terms checked and turned into a query; dates are the partnership's calendar days."""
    reference = "".join(terms.reference.split()).upper()[:16] or None
    if reference is not None and (len(reference) != REFERENCE_LENGTH or not reference.isalnum()):
        raise SearchRefused("a case reference is 8 letters and digits, like K7M2QXPA")
    if terms.status and terms.status not in STATUSES:
        raise SearchRefused("choose a status from the list")
    if terms.priority and terms.priority not in RANKS:
        raise SearchRefused("choose a priority from the list")
    if terms.language and terms.language not in wording.LANGUAGES:
        raise SearchRefused("choose a language from the list")
    first, last = _day(terms.opened_from, "From"), _day(terms.opened_to, "To")
    if first and last and last < first:
        raise SearchRefused("To is before From")
    try:
        since, until = local_days(first, last, timezone)
    except ValueError as exc:
        raise SearchRefused("the dates must be within the calendar") from exc
    return case_search.Criteria(
        reference=reference, status=terms.status or None,
        priority=RANKS[terms.priority] if terms.priority else None,
        language=terms.language or None, opened_from=since, opened_before=until)
