"""Sections that other work adds to the case page, without editing the case view's lines.

The case page (app/templates/advocates/case.html) is in regions, each with named slots:
`{% include "advocates/case/_<slot>.html" ignore missing %}`; the comment at the top of
case.html says which slot is whose. A section is a partial template in that slot and, when it
needs values the page does not have, a function registered here:

    @case_sections.provides
    def notes_context(view: CaseView, member: StaffMember) -> dict[str, object]:
        return {"notes": services().notes.for_case(view.record.id, member)}

Its keys are added to the page's template values (prefix them with the section's name; a key
the page already has is refused, so no section can change what another shows). Register from
a module that `app.advocates.init_app` imports. Providers run after the case was read and its
viewing audited, so they may assume the member may read it; anything they read that is itself
content must be audited by the service they call.
"""

from __future__ import annotations

from collections.abc import Callable

from app.casework.desk import CaseView
from app.staff.accounts import StaffMember

Provider = Callable[[CaseView, StaffMember], dict[str, object]]
_PROVIDERS: list[Provider] = []  # filled at import time, like the blueprint's routes


def provides(provider: Provider) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def context(view: CaseView, member: StaffMember, page: dict[str, object]) -> dict[str, object]:
    """The sections' values, merged; a key the page or another section already uses fails
    loudly in tests rather than silently replacing it."""
    extra: dict[str, object] = {}
    for provider in _PROVIDERS:
        for key, value in provider(view, member).items():
            if key in page or key in extra:
                raise KeyError(f"case page value {key!r} is already set")
            extra[key] = value
    return extra
