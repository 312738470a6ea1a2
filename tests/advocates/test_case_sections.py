"""Sections other work adds to the case page bring their own values, and cannot replace the
page's or each other's (app/advocates/case_sections.py)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from app.advocates import case_sections
from app.casework.desk import CaseView
from app.staff.accounts import StaffMember

MEMBER = StaffMember(1, "a@example.org", "advocate", 0)
VIEW = cast(CaseView, object())


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    registered: list[Any] = []
    monkeypatch.setattr(case_sections, "_PROVIDERS", registered)
    return registered


def test_a_sections_values_are_added(providers: list[Any]) -> None:
    @case_sections.provides
    def notes(_view: CaseView, member: StaffMember) -> dict[str, object]:
        return {"notes_count": member.id}

    assert case_sections.context(VIEW, MEMBER, {"record": 1}) == {"notes_count": 1}
    case_sections.provides(notes)
    assert len(providers) == 1  # registering twice (a re-import) adds it once


@pytest.mark.parametrize("key", ["record", "shared"])
def test_a_section_cannot_replace_a_value_the_page_or_another_section_set(
        providers: list[Any], key: str) -> None:
    case_sections.provides(lambda _view, _member: {"shared": 1})
    case_sections.provides(lambda _view, _member: {key: 2})
    with pytest.raises(KeyError):
        case_sections.context(VIEW, MEMBER, {"record": 1})
