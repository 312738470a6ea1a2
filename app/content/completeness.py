"""Every survivor-facing text translated and confirmed, in every shipped language (issue 21).

A fuzzy (unconfirmed) or missing translation is not an error at run time: the service sends
the English text instead, so a partnership's translator can work on drafts while the service
runs (`flask flows check` warns). But the catalogues this project ships must not leave a
survivor reading English where their language has a text to give: found after the web chat's
"safe number" and "come back later" texts stayed English in seven languages. So the test
suite (tests/content/test_every_text_translated.py) holds the shipped catalogues to this:
every id in each domain's template (`messages.pot`: what is sent by SMS and on the web chat;
`web.pot`: the chat panel's and the safety page's own words; every one of them is shown to
survivors) has a confirmed, non-empty text in every language, unless it is listed in
`translations/deliberately-english.yaml` with the reason English is meant there.

Pure apart from reading the files it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from app.content.catalogues import FALLBACK_LANGUAGE

DOMAINS = ("messages", "web")
LISTING = "deliberately-english.yaml"


@dataclass(frozen=True)
class Untranslated:
    language: str
    domain: str
    message_id: str
    why: str  # "has no text", "is fuzzy (unconfirmed)", or what is wrong with its listing

    def __str__(self) -> str:
        return (f"translations/{self.language}/LC_MESSAGES/{self.domain}.po: "
                f"{self.message_id}: {self.why}")


def deliberately_english(translations: Path) -> dict[str, dict[str, str]]:
    """language -> message id -> why English is meant there (an absent file lists nothing)."""
    path = translations / LISTING
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must map languages to {{message id: reason}}")
    listed: dict[str, dict[str, str]] = {}
    for language, entries in raw.items():
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: {language}: must map message ids to the reason")
        listed[str(language)] = {str(k): "" if v is None else str(v).strip()
                                 for k, v in entries.items()}
    return listed


def untranslated(translations: Path) -> list[Untranslated]:
    """Each survivor-facing id a shipped language leaves untranslated or fuzzy and does not
    list as deliberately English, and each listing that has no reason or is not needed."""
    listed = deliberately_english(translations)
    found: list[Untranslated] = []
    for domain in DOMAINS:
        ids = _template_ids(translations, domain)
        for po_path in sorted(translations.glob(f"*/LC_MESSAGES/{domain}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=None)
            allowed = listed.get(language, {})
            for message_id in ids:
                message = catalog.get(message_id)
                why = ("has no text" if message is None or not message.string
                       else "is fuzzy (unconfirmed)" if message.fuzzy else None)
                reason = allowed.get(message_id)
                if why is not None and language != FALLBACK_LANGUAGE and reason:
                    continue  # deliberately English, and says why
                if why is not None:
                    if reason == "":
                        why += f", and its listing in {LISTING} gives no reason"
                    found.append(Untranslated(language, domain, message_id,
                                              f"{why}: a survivor would read English (or "
                                              f"nothing); translate it, or list it in "
                                              f"translations/{LISTING} with the reason"))
                elif reason is not None:
                    found.append(Untranslated(language, domain, message_id,
                                              f"is translated, so its listing in {LISTING} "
                                              "is stale: remove it"))
    every_id = {mid for domain in DOMAINS for mid in _template_ids(translations, domain)}
    languages = {po.parent.parent.name for po in translations.glob("*/LC_MESSAGES/*.po")}
    found.extend(Untranslated(language, "-", mid, f"is listed in {LISTING}, but there is no "
                                                  "such message or no such language")
                 for language, entries in sorted(listed.items()) for mid in sorted(entries)
                 if mid not in every_id or language not in languages)
    return found


def _template_ids(translations: Path, domain: str) -> list[str]:
    template = translations / f"{domain}.pot"
    if not template.exists():
        return []
    with template.open("rb") as handle:
        return [str(m.id) for m in read_po(handle) if m.id]
