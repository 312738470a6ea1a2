"""The fail-safe answer: chosen and spooled with nothing but memory.

When the normal path fails (docs/threat-model.md, A5) the database may be what is down, so the
conversation's language cannot be read from it. The language comes, in order, from:
1. the language the service last answered this contact in: a table in memory shared by the
   web workers forked from one master (`app.conversation.failsafe_memory`), from the
   contact's keyed hash to a language, never written anywhere and lost on restart;
2. the page's language (web chat), if the survivor chose one;
3. a clear guess from the message itself (`app.content.language`, its models in memory);
4. the deployment's default language.
The text is then that language's fail-safe followed by the English one (`app.content.failsafe`).
Every step is guarded: whatever fails here, the answer is the English text built into the code.

The message itself is handed to the spool (`app.conversation.spool`), sealed, so that it is
stored, and a request for a person reaches a person, once the database is back; with it goes
the language guess made here, so the worker that replays it needs no detector.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from app.content.catalogues import Catalogues
from app.content.failsafe import EMERGENCY_TEXT_EN, emergency_text
from app.content.language import LanguageGuesser
from app.conversation.failsafe_memory import SharedLanguages
from app.conversation.messages import Guessed
from app.conversation.service import InboundMessage
from app.crypto import ContactHasher
from app.logs import exception_summary

log = logging.getLogger(__name__)


class FailSafe:
    def __init__(self, *, catalogues: Catalogues, hasher: ContactHasher,
                 guesser: LanguageGuesser | None, default_language: str,
                 languages: tuple[str, ...], clock: Callable[[], datetime],
                 spool: Callable[[InboundMessage, datetime, str], bool] | None = None) -> None:
        self.catalogues = catalogues
        self.hasher = hasher
        self.guesser = guesser
        self.default_language = default_language
        self.languages = languages
        self.clock = clock
        self.spool = spool
        # Made here, when the app is built: in gunicorn's master, before the workers fork.
        self._recent = SharedLanguages(languages)

    def remember(self, inbound: InboundMessage, language: str | None) -> None:
        """After a message was answered normally: its conversation's language, for a later
        fail-safe to the same contact. Never raises: the survivor's reply is ready by now."""
        if not language:
            return
        try:
            self._recent.set(self.hasher.hash(inbound.channel, inbound.address), language)
        except Exception as error:  # noqa: BLE001 -- a memory lost, never the reply
            log.error("event=failsafe.remember_failed %s", exception_summary(error))

    def language_for(self, inbound: InboundMessage | None, hint: str | None = None
                     ) -> str | None:
        if inbound is None:
            return hint if hint in self.languages else self.default_language
        known = self._recent.get(self.hasher.hash(inbound.channel, inbound.address))
        if known:
            return known
        if inbound.language_hint in self.languages:
            return inbound.language_hint
        guessed = self.guesser.guess(inbound.body) if self.guesser else None
        return guessed or self.default_language

    def text(self, inbound: InboundMessage | None, hint: str | None = None) -> str:
        """The fail-safe text for this message; never raises."""
        try:
            return emergency_text(self.catalogues, self.language_for(inbound, hint))
        except Exception as error:  # noqa: BLE001 -- the English text is always there
            log.error("event=failsafe.language_failed %s", exception_summary(error))
            return EMERGENCY_TEXT_EN

    def text_for_unverified(self, body: str) -> str:
        """The fail-safe text for a request not known to come from the provider: the language
        of its own text if clear, else the default; never what memory holds for a contact.
        Never raises."""
        try:
            guessed = self.guesser.guess(body[:2000]) if self.guesser else None
            return emergency_text(self.catalogues, guessed or self.default_language)
        except Exception as error:  # noqa: BLE001 -- the English text is always there
            log.error("event=failsafe.language_failed %s", exception_summary(error))
            return EMERGENCY_TEXT_EN

    def answer(self, inbound: InboundMessage | None, hint: str | None = None) -> str:
        """The normal path failed for `inbound` (None: nothing we could place; `hint` the
        page's language then): the text to send now, after the message was handed to the
        spool. Never raises."""
        text = self.text(inbound, hint)
        if inbound is not None and self.spool is not None:
            try:
                self.spool(self._with_guess(inbound), self.clock(), text)
            except Exception as error:  # noqa: BLE001 -- the reply goes out whatever happens
                log.error("event=spool.lost channel=%s %s", inbound.channel,
                          exception_summary(error))
        return text

    def _with_guess(self, inbound: InboundMessage) -> InboundMessage:
        """The message with its language guess made here, in the process that holds the
        detector, so that its replay needs none (app/conversation/spool.py). If the guess
        fails, the message goes to the spool without one and the replay guesses."""
        if self.guesser is None:
            return inbound
        try:
            return replace(inbound, guessed=Guessed(self.guesser.guess(inbound.body)))
        except Exception as error:  # noqa: BLE001 -- the message is spooled whatever happens
            log.error("event=failsafe.guess_failed %s", exception_summary(error))
            return inbound
