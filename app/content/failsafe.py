"""The reply a survivor gets when anything else fails.

It must not depend on anything that can be down: not the database, not Redis, not a flow file,
not even a translation catalogue that failed to load. So the English text is kept here, in
code, as the last line of defence, and a translated text is used only when a catalogue that is
already in memory has one. A translated fail-safe is followed by the English one: the language
may have been guessed (the database that knows it may be the thing that is down), and the
numbers must reach the survivor whichever of the two they read: the English second is short
(`english_second`), so that both fit one SMS of 4 UCS-2 segments. These are the national facts
from docs/uk-services.md (999, the Silent Solution's 55, the 24-hour National Domestic Abuse
Helpline); local numbers belong to the deployment's configuration and are deliberately not here.
"""

from __future__ import annotations

from app.content.catalogues import FALLBACK_LANGUAGE, Catalogues
from app.content.numbers import isolated

FAILSAFE_MESSAGE_ID = "failsafe.emergency"

EMERGENCY_TEXT_EN = (
    "Sorry, something went wrong on our side. If you are in danger now, call 999. "
    "If you cannot speak, call 999 from a mobile, listen, then press 55. "
    "National Domestic Abuse Helpline, free, 24 hours: 0808 2000 247."
)
# The English that follows a translated fail-safe: the same three ways to help, in as few
# words as keep their meaning. A translation makes the whole SMS UCS-2 (67 characters a
# segment), where the full English text alone takes four segments; with this one the reply
# fits the emergency budget, 4 UCS-2 segments (flows/outbound.yaml, issue 21), where it took 7-8.
HELPLINE = "0808 2000 247"
EMERGENCY_SECOND_EN = (
    "In danger: call 999. Can't speak: 999 from a mobile, then 55. "
    "Helpline, 24h: {helpline}"
)


def emergency_text(catalogues: Catalogues | None, language: str | None = None) -> str:
    """The fail-safe text in the survivor's language, then in English; English alone when the
    language is English, unknown, or has no confirmed translation in memory."""
    if (catalogues is None or not language or language == FALLBACK_LANGUAGE
            or not catalogues.has(language, FAILSAFE_MESSAGE_ID)):
        return EMERGENCY_TEXT_EN
    try:
        translated = catalogues.text(language, FAILSAFE_MESSAGE_ID)
    except Exception:  # noqa: BLE001 -- a broken translation must fall back, never raise
        return EMERGENCY_TEXT_EN
    return f"{translated}\n\n{english_second(language)}"


def english_second(language: str) -> str:
    """The short English after a translation; in a right-to-left language the number isolated
    left-to-right, as in the translation (app/content/numbers.py), since a phone may lay out
    the whole SMS right-to-left."""
    return EMERGENCY_SECOND_EN.format(helpline=isolated(HELPLINE, language))
