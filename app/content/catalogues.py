"""Message texts in the survivor's language, from the Babel catalogues in `translations/`.

Flows name message ids; this module turns ids into text. Catalogues are read once at start-up
from the `.po` files themselves (Babel's reader), so what translators commit is what runs,
with no compile step that could go stale. Fallback per message: the conversation's language,
then the deployment's default, then English.

A message may have a wording of its own for one channel, under its id with `@channel` added
(`erase.done@web`): where SMS says "delete it from your phone", the web chat names the page's
own button. Asked for a channel, each language in the fallback order gives its channel wording
if it has one, else its plain one; the channels' wordings are listed in flows/channels.yaml,
and `flask flows check` makes sure every language that has the plain text has the channel's
(app/content/channels.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from babel.messages.pofile import read_po

FALLBACK_LANGUAGE = "en"
CHANNEL_MARK = "@"


def variant_id(message_id: str, channel: str) -> str:
    """The catalogue id of a message's wording for one channel: `erase.done@web`."""
    return f"{message_id}{CHANNEL_MARK}{channel}"


def text_id(message_id: str) -> str:
    """Mark a catalogue id that code hands on rather than looks up at once, so `make
    translations` extracts it (a keyword in the Makefile); returns the id unchanged."""
    return message_id


class MissingMessage(LookupError):
    """No catalogue has this message id; the flow check should have caught it."""


class _Params(dict[str, str]):
    # A placeholder the caller did not provide renders as nothing rather than raising, so a
    # partnership's typo in a translation cannot silence a reply.
    def __missing__(self, key: str) -> str:
        return ""


class Catalogues:
    def __init__(
        self,
        texts: Mapping[str, Mapping[str, str]],
        default_language: str,
        sources: Mapping[str, Path] | None = None,
    ) -> None:
        self._texts = texts
        self.default_language = default_language
        self.sources = dict(sources or {})  # language -> the .po file, for error messages
        self.fuzzy: dict[str, frozenset[str]] = {}  # language -> ids with unconfirmed text

    @classmethod
    def load(cls, directory: Path, default_language: str, domain: str = "messages"
             ) -> Catalogues:
        """Every `<language>/LC_MESSAGES/<domain>.po` under `directory`.

        Two domains: `messages` for what is sent to survivors (SMS and chat replies, checked by
        `flask flows check`) and `web` for the web pages' own words (buttons, the safety page).
        """
        texts: dict[str, dict[str, str]] = {}
        sources: dict[str, Path] = {}
        fuzzy: dict[str, frozenset[str]] = {}
        for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{domain}.po")):
            language = po_path.parent.parent.name
            sources[language] = po_path
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=None)
            texts[language] = {
                str(message.id): str(message.string)
                for message in catalog
                # Fuzzy entries are drafts a translator has not confirmed; fall back instead.
                if message.id and message.string and not message.fuzzy
            }
            fuzzy[language] = frozenset(str(m.id) for m in catalog if m.id and m.fuzzy)
        loaded = cls(texts, default_language, sources)
        loaded.fuzzy = fuzzy
        return loaded

    def is_fuzzy(self, language: str, message_id: str) -> bool:
        return message_id in self.fuzzy.get(language, frozenset())

    def raw_text(self, language: str, message_id: str) -> str | None:
        """The text exactly as translated, without fallback or placeholders filled."""
        return self._texts.get(language, {}).get(message_id)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._texts))

    def messages(self, language: str) -> list[tuple[str, str]]:
        return sorted(self._texts.get(language, {}).items())

    def has(self, language: str, message_id: str) -> bool:
        return message_id in self._texts.get(language, {})

    def text(self, language: str | None, message_id: str, params: Mapping[str, str] = {},  # noqa: B006 -- read-only default
             channel: str | None = None) -> str:
        """The text in `language` (else the default language, else English); on `channel`, a
        language's wording for that channel comes before its plain one. The survivor's own
        language with SMS wording beats English with the channel's: a text they can read."""
        found, key = self._find(language, message_id, channel)
        return self._texts[found][key].format_map(_Params(params))

    def language_of(self, language: str | None, message_id: str,
                    channel: str | None = None) -> str:
        """The language `text` takes this message from: `language`, or the one it falls back
        to (a missing or unconfirmed translation), so what goes into the text (a date) is
        written in the language of the words around it."""
        return self._find(language, message_id, channel)[0]

    def _find(self, language: str | None, message_id: str,
              channel: str | None) -> tuple[str, str]:
        keys = (variant_id(message_id, channel), message_id) if channel else (message_id,)
        for candidate in (language, self.default_language, FALLBACK_LANGUAGE):
            texts = self._texts.get(candidate, {}) if candidate else {}
            for key in keys:
                if key in texts:
                    return str(candidate), key
        raise MissingMessage(message_id)

    def join(
        self, language: str | None, message_ids: Iterable[str], params: Mapping[str, str] = {},  # noqa: B006 -- read-only default
        channel: str | None = None,
    ) -> str:
        """Several messages as one SMS body, blank-line separated (one notification, not four)."""
        return "\n\n".join(self.text(language, mid, params, channel) for mid in message_ids)
