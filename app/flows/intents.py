"""What a survivor's free text asks for, read before any menu: intents as data (flows/intents.yaml).

A first message, and any text that is not an answer to the step it reaches, is read for
intent in the order the file lists them (a request for a person first): ask for a person
(including call-back and text-back), help, cannot talk, a language, an information topic, a
greeting. Each intent leads to a step. Phrases are per language, folded
(`app/flows/folding.py`: accents, apostrophes), spelled (`app/flows/spelling.py`:
misspellings, txt-speak) and matched as `app/flows/wording.py` describes (Welsh mutations,
Arabic clitics, "..." gaps); Urdu and Punjabi written in Latin letters are listed
as `ur-Latn` and `pa-Latn`. Every language's phrases are tried, whatever the conversation's
language, because survivors switch languages mid-sentence.

Safety (docs/threat-model.md, "What we do not do"): an intent only chooses which step
answers; it never removes a keyword's or an urgent triage result's step, which the engine
checks first, and the person intent is listed first so nothing shadows it.

Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.flows import folding, wording
from app.flows.errors import FlowError
from app.flows.said import Said, understood
from app.flows.spelling import Speller
from app.flows.wording import Negation

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?$")


@dataclass(frozen=True)
class Intent:
    name: str
    goto: str
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (language, phrases)
    # On a fresh start, a match in exactly one language sets the conversation's language
    # ("Cześć" is answered in Polish).
    sets_language: bool = False
    # Matches, instead of by phrases, when triage read a disclosure in the text: where it
    # stands in the list says which intents a disclosure outranks.
    disclosure: bool = False


@dataclass(frozen=True)
class Reading:
    """An intent found in a message, and the language of the phrase that matched, when only
    one language's phrases did."""

    name: str
    goto: str
    language: str | None
    sets_language: bool


@dataclass(frozen=True)
class Intents:
    intents: tuple[Intent, ...]
    negations: dict[str, Negation]
    speller: Speller
    # Each phrase language's negations, as `wording.negation_for` gives them: worked out once
    # here rather than for every pattern of every message.
    negations_by_language: dict[str, Negation] = field(default_factory=dict)

    def read(self, text: str | Said, allowed: frozenset[str] | None = None, *,
             disclosure: bool = False) -> Reading | None:
        """The first intent (in the file's order) whose phrases match, or None.

        `disclosure`: triage read some risk in the text, so the disclosure intent matches.
        A long text is read in part (`app/flows/said.py`)."""
        said = understood(text).corrected(self.speller)
        if not said.strip(f" {folding.CLAUSE}"):
            return None
        for intent in self.intents:
            if allowed is not None and intent.name not in allowed:
                continue
            if intent.disclosure:
                if disclosure:
                    return Reading(intent.name, intent.goto, None, sets_language=False)
                continue
            languages = {
                language.split("-")[0] for language, pattern in intent.patterns
                if wording.first_match(pattern, said, self._negation(language))
            }
            if languages:
                languages.discard("*")
                only = next(iter(languages)) if len(languages) == 1 else None
                return Reading(intent.name, intent.goto, only, intent.sets_language)
        return None

    def named(self, name: str, allowed: frozenset[str] | None = None) -> Reading | None:
        """The intent called `name` as a reading (no language of its own), when the step
        allows it: for a reading made elsewhere (the learned second opinion)."""
        for intent in self.intents:
            if intent.name == name and (allowed is None or name in allowed):
                return Reading(intent.name, intent.goto, None, sets_language=False)
        return None

    def _negation(self, language: str) -> Negation:
        known = self.negations_by_language.get(language)
        return known if known is not None else wording.negation_for(self.negations, language)

    def names(self) -> frozenset[str]:
        return frozenset(intent.name for intent in self.intents)


def parse_intents(raw: Any, source: str) -> Intents:
    """The `intents:` section of a flow file, with its negations, answers and respellings."""
    if not isinstance(raw.get("intents"), list):
        raise FlowError(source, "intents", "must be a list")
    negations = _negations(raw, source)
    classes = _classes(raw.get("classes"), source)
    intents: list[Intent] = []
    vocabulary: set[str] = {word for by_name in classes.values() for entries in by_name.values()
                            for word in wording.phrase_words(entries)}
    for index, entry in enumerate(raw["intents"]):
        intent, words = _intent(entry, f"intents[{index}]", source, negations, classes)
        intents.append(intent)
        vocabulary |= words
    respellings = raw.get("respellings") or {}
    if not isinstance(respellings, dict):
        raise FlowError(source, "respellings", "must map words to words")
    by_language = {language: wording.negation_for(negations, language)
                   for intent in intents for language, _ in intent.patterns}
    return Intents(tuple(intents), negations,
                   Speller(vocabulary, {str(k): str(v) for k, v in respellings.items()}),
                   by_language)


def _intent(entry: Any, where: str, source: str, negations: dict[str, Negation],
            classes: dict[str, dict[str, list[str]]] | None = None) -> tuple[Intent, set[str]]:
    """One intent of the list, and its phrases' words (for spelling correction)."""
    if not isinstance(entry, dict) or set(entry) - {"name", "goto", "phrases",
                                                      "sets_language", "triage"}:
        raise FlowError(source, where, "needs name, goto and phrases (or triage: "
                                       "disclosure; and sets_language)")
    name, goto, phrases = entry.get("name"), entry.get("goto"), entry.get("phrases")
    if not isinstance(name, str) or not _NAME.match(name):
        raise FlowError(source, where, "needs a name like person")
    where = f"{where} ({name})"
    if not isinstance(goto, str) or not goto:
        raise FlowError(source, where, "needs 'goto' (a step id)")
    if "triage" in entry:
        if entry["triage"] != "disclosure" or phrases is not None:
            raise FlowError(source, where, "'triage: disclosure' takes no phrases")
        return Intent(name, goto, (), disclosure=True), set()
    if not isinstance(phrases, dict) or not phrases:
        raise FlowError(source, where, "needs phrases per language")
    patterns = []
    words: set[str] = set()
    for language, listed in phrases.items():
        if not (language == "*" or _LANGUAGE.match(str(language))):
            raise FlowError(source, where, f"unknown language {language!r}")
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise FlowError(source, f"{where}.{language}", "must be a list")
        try:
            pattern = wording.compile_phrases(
                listed, str(language), wording.negation_for(negations, str(language)).words,
                wording.classes_for(classes or {}, str(language)))
        except ValueError as error:
            raise FlowError(source, f"{where}.{language}", str(error)) from error
        if pattern is not None:
            patterns.append((str(language), pattern))
        words |= wording.phrase_words(listed)
    return Intent(name, goto, tuple(patterns), bool(entry.get("sets_language"))), words


def _classes(raw: Any, source: str) -> dict[str, dict[str, list[str]]]:
    """`classes:` language ("*" for every language) -> name -> words or short phrases, named
    in phrases as `@name` (app/flows/wording.py), as in flows/triage.yaml."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise FlowError(source, "classes", "must map languages to named word lists")
    found: dict[str, dict[str, list[str]]] = {}
    for language, named in raw.items():
        for name, listed in named.items():
            if (not isinstance(name, str) or not _NAME.match(name) or not isinstance(listed, list)
                    or not listed or not all(isinstance(w, str) and w.strip() for w in listed)):
                raise FlowError(source, f"classes.{language}.{name}",
                                "needs a name like anyone and a list of words")
            found.setdefault(str(language), {})[name] = listed
    return found


def _negations(raw: dict[str, Any], source: str) -> dict[str, Negation]:
    listed, answers = raw.get("negations") or {}, raw.get("answers") or {}
    if not isinstance(listed, dict) or not isinstance(answers, dict):
        raise FlowError(source, "negations", "negations and answers map languages to words")
    return {
        str(language): Negation(frozenset(folding.fold_word(str(w)) for w in words),
                                frozenset(folding.fold_word(str(w))
                                          for w in answers.get(language) or ()))
        for language, words in listed.items()
    }
