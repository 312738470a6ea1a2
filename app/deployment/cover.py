"""What a glance at the screen may read: the cover site (`[cover]`) and the words above an
advocate's reply on the chat page (`[webchat] person_label`). Someone who looks over the
survivor's shoulder, or scrolls the cover page, must not learn what the service is: every
text a visitor can read is refused if it names the service, the organisation or what it is
for (docs/threat-model.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from app.cover_sites import BUILT_IN, CoverSite, default_cover
from app.deployment.reader import Reader

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_FORBIDDEN_ON_COVER = ("quietline", "abuse", "domestic", "refuge", "helpline", "police",
                       "violence", "chat")
# Whole words a hobby site would not need and a look at the screen would notice on one that
# hides a way out (matched as words: "helpful" and "safely" pass, "help" and "safe" do not).
_FORBIDDEN_WORDS_ON_COVER = re.compile(
    r"\b(help|support|safe|safety|advice|advocates?|victims?|survivors?|abusers?|crisis|"
    r"emergency|hotline|shelter|counsell?ing|escape)\b", re.IGNORECASE)


def cover_site(reader: Reader, organisation: str) -> CoverSite:
    """`[cover]`: a built-in site (`site`, app/cover_sites.py) with any of its texts and
    colours replaced. Every text a visitor can read is checked, not only the title: the
    abuser who scrolls reads them all."""
    name = reader.get("cover.site", str, default_cover().site)
    if name not in BUILT_IN:
        reader.fail("cover.site", f"{name!r} is not one of {', '.join(sorted(BUILT_IN))}")
    built_in = BUILT_IN[name]
    values: dict[str, Any] = {}
    for key in ("title", "icon_text", "heading", "tagline", "chat_link", "footer",
                "about_heading", "contact_heading", "top_link", "background", "accent",
                "language"):
        values[key] = reader.get(f"cover.{key}", str, getattr(built_in, key)).strip()
    for key in ("paragraphs", "about", "contact"):
        values[key] = tuple(reader.words(f"cover.{key}", reader.get(
            f"cover.{key}", list, list(getattr(built_in, key)))))
    for colour in ("background", "accent"):
        if not _COLOUR.match(values[colour]):
            reader.fail(f"cover.{colour}", "must be a colour like #1d5c4a")
    if not 1 <= len(values["icon_text"]) <= 3:
        reader.fail("cover.icon_text", "must be one to three characters")
    if not _LANGUAGE.match(values["language"]):
        reader.fail("cover.language", "must be a language code like en or cy")
    for key in ("title", "heading", "chat_link", "about_heading", "contact_heading",
                "top_link"):
        if not values[key]:
            reader.fail(f"cover.{key}", "must not be empty")
    cover = replace(built_in, **values)
    for where, text in cover.texts().items():
        if cover_text_names_the_service(text, organisation):
            reader.fail(f"cover.{where}", "must not name the service or what it is for")
    return cover


def cover_text_names_the_service(text: str, organisation: str = "") -> bool:
    """Whether a text on the cover names the service, the organisation or what it is for."""
    lowered = text.casefold()
    # The organisation's name as words: "Test" must not refuse "the latest from the beds".
    named = organisation.strip() and re.search(
        rf"\b{re.escape(organisation.strip().casefold())}\b", lowered)
    return (any(word in lowered for word in _FORBIDDEN_ON_COVER)
            or _FORBIDDEN_WORDS_ON_COVER.search(text) is not None or bool(named))


MAX_PERSON_LABEL = 40


def person_label(reader: Reader, organisation: str) -> str | None:
    """`[webchat] person_label`: the words above an advocate's reply on the chat page. A glance
    at the screen must not learn what the chat is, so the same words as on the cover are
    refused, and so is the organisation's name."""
    label = reader.get("webchat.person_label", str, None)
    if label is None:
        return None
    label = label.strip()
    if not 1 <= len(label) <= MAX_PERSON_LABEL:
        reader.fail("webchat.person_label", f"must be 1 to {MAX_PERSON_LABEL} characters")
    lowered = label.casefold()
    if (any(word in lowered for word in _FORBIDDEN_ON_COVER)
            or organisation.strip().casefold() in lowered):
        reader.fail("webchat.person_label", "must not name the service or what it is for")
    return label
