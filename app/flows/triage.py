"""Explainable risk triage: rules as data, a priority and the reasons that produced it.

Rules live in `flows/triage.yaml`, per language, drawn from UK domestic-abuse risk practice
(the DASH questions: strangulation, weapons, threats to kill, pregnancy, separation,
escalation, children, stalking, sexual violence). Triage only ever RAISES a case's priority and
tells the advocate why; it never withholds help, and a request for a person escalates whatever
triage says (docs/threat-model.md, "What we do not do").

Text and phrases are folded (`app/flows/folding.py`) and matched as `app/flows/wording.py`
describes: accents and apostrophes dropped, Arabic-script spellings unified, "word*" for any
ending, "?" for one word, "..." for up to three, Welsh mutations and Arabic clitics matched
from the plain word. A negation ("never", "not", per language) among the four words before a
match, in the same clause, cancels it, because "he has never hit me" is not a disclosure of
violence; an answer word opening a clause does not ("No, he has a knife"). Misspellings are
corrected towards the rules' own words (`app/flows/spelling.py`). Pure: no I/O; the rules are
handed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.flows import folding, wording
from app.flows.said import Said, understood
from app.flows.spelling import Speller
from app.flows.wording import NO_NEGATION, Negation

LEVELS = ("none", "routine", "high", "urgent")
_RANK = {level: index for index, level in enumerate(LEVELS)}


class TriageRuleError(ValueError):
    """The triage file is invalid; the message names the rule and what is wrong."""


@dataclass(frozen=True)
class Assessment:
    level: str
    reasons: tuple[str, ...]

    def at_least(self, level: str) -> bool:
        return _RANK[self.level] >= _RANK[level]


NONE = Assessment("none", ())


@dataclass(frozen=True)
class _Rule:
    reason: str
    level: str
    patterns: dict[str, tuple[re.Pattern[str], ...]]  # language -> compiled phrases
    # Phrases that show an innocent sense of the whole message ("knife and fork").
    unless: dict[str, tuple[re.Pattern[str], ...]]
    # Reasons that make this one redundant ("weapon" makes "weapon_mentioned" so).
    not_with: frozenset[str] = frozenset()
    # Reasons of which one must also be read in the message for this one to count: a rule
    # that says WHEN ("last night", "on Sunday") raises only what another rule said happened
    # (sexual violence), wherever in the message the two are said.
    needs: frozenset[str] = frozenset()
    # Narrow exceptions: a phrase match that lies inside one of these phrases' matches does not
    # count ("my coach will kill me" holds "kill me"), and nothing else in the message changes.
    excepted: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TriageRules:
    rules: tuple[_Rule, ...]
    negations: dict[str, Negation]
    # Two or more distinct "high" reasons together count as urgent (combined risk).
    combine_high_to_urgent: int = 2
    # Languages tried whatever the conversation's language (English, and Urdu and Punjabi
    # written in Latin letters, which the language guess cannot tell apart).
    always: frozenset[str] = frozenset({"en"})
    # Languages read together: a message guessed as a key is also read with the listed
    # languages' phrases (Urdu and Punjabi in Shahmukhi share a script, and the guess often
    # takes one for the other).
    together: dict[str, frozenset[str]] = field(default_factory=dict)
    speller: Speller = field(default_factory=lambda: Speller((), {}))
    # Each rule language's negations, as `wording.negation_for` gives them.
    negations_by_language: dict[str, Negation] = field(default_factory=dict)
    # Per language, one pattern for all the rules' phrases (`wording.screen`): most messages
    # match no phrase of a language, and one scan says so instead of one per rule.
    screens: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def assess(self, text: str | Said, language: str | None = None, *,
               also: tuple[str, ...] = ()) -> Assessment:
        """Triage one message, with the conversation's language and English when it is known.

        English is always tried because survivors mix it in, and so are `also` (the language
        this very message reads as, which may not be the conversation's: a Polish message on
        an English page); every language is tried when the language is not known yet.
        Limiting the rest avoids one language's word matching another's ("viol", Romanian for
        rape, inside the English "violent"). A long text is read in part (`app/flows/said.py`);
        pass a `Said` when the intents will read the same message.
        """
        said = understood(text).corrected(self.speller)
        if not said:
            return NONE
        languages = self._languages(language, also)
        tried: dict[str, bool] = {}  # each language screened once per message
        matched: dict[str, str] = {}
        for rule in self.rules:
            for lang, patterns in rule.patterns.items():
                if lang not in tried:
                    tried[lang] = self._tried(lang, languages, said)
                if not tried[lang]:
                    continue
                negation = self.negations_by_language.get(lang, NO_NEGATION)
                if self._matches(rule, lang, patterns, said, negation):
                    matched[rule.reason] = rule.level
                    break
        for rule in self.rules:
            if (rule.reason in matched and rule.needs
                    and not rule.needs.intersection(matched)):
                del matched[rule.reason]
        for rule in self.rules:
            if rule.reason in matched and rule.not_with.intersection(matched):
                del matched[rule.reason]
        if not matched:
            return NONE
        level = max(matched.values(), key=_RANK.__getitem__)
        highs = sum(1 for lvl in matched.values() if lvl == "high")
        if level == "high" and highs >= self.combine_high_to_urgent:
            level = "urgent"
        ordered = sorted(matched, key=lambda reason: (-_RANK[matched[reason]], reason))
        return Assessment(level, tuple(ordered))

    @staticmethod
    def _matches(rule: _Rule, lang: str, patterns: tuple[re.Pattern[str], ...], said: str,
                 negation: Negation) -> bool:
        """Whether one of the rule's phrases in `lang` matches outside its exceptions, and no
        `unless` phrase does. The exceptions are looked for only once a phrase has matched:
        most messages match none, and the search for the exceptions was most of the cost."""
        if not any(wording.first_match(p, said, negation) for p in patterns):
            return False
        excepted = wording.spans(rule.excepted.get(lang, ()), said)
        if excepted and not any(wording.first_match(p, said, negation, excepted)
                                for p in patterns):
            return False
        return not any(u.search(said) for u in rule.unless.get(lang, ()))

    def _languages(self, language: str | None, also: tuple[str, ...]) -> set[str] | None:
        """The languages read for a message (None: all), with those read together with them."""
        if language is None:
            return None
        languages = {language, "en", *also}
        return languages | {other for lang in languages for other in self.together.get(lang, ())}

    def _tried(self, lang: str, languages: set[str] | None, said: str) -> bool:
        """Whether a rule language is read for this message: it is one of `languages` (or
        always tried), and some phrase of it matches somewhere in the folded text."""
        if (languages is not None and lang not in self.always
                and lang.split("-", maxsplit=1)[0] not in languages):
            return False
        screen = self.screens.get(lang)
        return screen is None or screen.search(said) is not None


def _compile_all(phrases: Any, where: str, negations: dict[str, Negation] | None = None,
                 classes: dict[str, dict[str, list[str]]] | None = None
                 ) -> dict[str, tuple[re.Pattern[str], ...]]:
    if not isinstance(phrases, dict):
        raise TriageRuleError(f"{where}: must map languages to lists of phrases")
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for language, listed in phrases.items():
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise TriageRuleError(f"{where}.{language}: must be a list of phrases")
        try:
            negation = wording.negation_for(negations or {}, str(language))
            pattern = wording.compile_phrases(listed, str(language), negation.words,
                                              wording.classes_for(classes or {}, str(language)))
        except ValueError as error:
            raise TriageRuleError(f"{where}.{language}: {error}") from error
        compiled[str(language)] = (pattern,) if pattern else ()
    return compiled


def _exceptions(raw: Any, where: str, classes: dict[str, dict[str, list[str]]],
                negations: dict[str, Negation]) -> dict[str, tuple[re.Pattern[str], ...]]:
    """`except:` compiled one pattern per phrase, so each finds its own longest span (one
    alternation stops at the first phrase that matches: "the film ... kill" before "the film
    ... kill me", whose span is the one that holds the whole threat phrase). Their gaps never
    span a negation, as a phrase's do: "he's back, it's not the delivery" is no exception."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise TriageRuleError(f"{where}: must map languages to lists of phrases")
    found: dict[str, tuple[re.Pattern[str], ...]] = {}
    for language, listed in raw.items():
        if not isinstance(listed, list):
            raise TriageRuleError(f"{where}.{language}: must be a list of phrases")
        found[str(language)] = tuple(
            pattern for phrase in listed
            for pattern in _compile_all({language: [phrase]}, where, negations, classes)[
                str(language)])
    return found


def _classes(raw: Any, source: str) -> dict[str, dict[str, list[str]]]:
    """`classes:` language ("*" for every language) -> class name -> words or short phrases,
    named in phrases as `@name` (app/flows/wording.py)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TriageRuleError(f"{source}: classes must map languages to named word lists")
    found: dict[str, dict[str, list[str]]] = {}
    for language, named in raw.items():
        if not isinstance(named, dict):
            raise TriageRuleError(f"{source}: classes.{language} must map names to lists")
        for name, listed in named.items():
            if (not isinstance(name, str) or not re.match(r"^[a-z_]+$", name)
                    or not isinstance(listed, list) or not listed
                    or not all(isinstance(w, str) and w.strip() for w in listed)):
                raise TriageRuleError(f"{source}: classes.{language}.{name}: a name like "
                                      "pills and a list of words")
            found.setdefault(str(language), {})[name] = listed
    return found


def _read_together(raw: Any, source: str) -> dict[str, frozenset[str]]:
    """`read_together: {ur: [pa]}`: a message guessed as Urdu is read with Punjabi's phrases."""
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise TriageRuleError(f"{source}: read_together must map languages to lists of languages")
    return {str(k): frozenset(str(x) for x in v) for k, v in raw.items()}


def parse_rules(raw: Any, source: str = "flows/triage.yaml", *,
                screens: bool = True) -> TriageRules:
    """The rules of a parsed triage file; raises TriageRuleError naming what is wrong.

    `screens=False` leaves out the per-language screens, which only spare a reader scans
    (they never change an assessment): a process that reads a few messages holds a third less
    and compiles with a third of the peak memory (the screens are the largest patterns)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise TriageRuleError(f"{source}: needs 'rules' (a list)")
    answers = raw.get("answers") or {}
    negations = {
        str(language): Negation(frozenset(folding.fold_word(str(w)) for w in listed),
                                frozenset(folding.fold_word(str(w))
                                          for w in answers.get(language) or ()))
        for language, listed in (raw.get("negations") or {}).items()
    }
    classes = _classes(raw.get("classes"), source)
    vocabulary: set[str] = {word for by_name in classes.values() for entries in by_name.values()
                            for word in wording.phrase_words(entries)}
    rules = []
    for index, entry in enumerate(raw["rules"]):
        where = f"{source}: rules[{index}]"
        if not isinstance(entry, dict):
            raise TriageRuleError(f"{where}: must be a mapping")
        reason, level, phrases = entry.get("reason"), entry.get("level"), entry.get("phrases")
        if not isinstance(reason, str) or not re.match(r"^[a-z_]+$", reason):
            raise TriageRuleError(f"{where}: needs a reason code like strangulation")
        if level not in LEVELS[1:]:
            raise TriageRuleError(f"{where} ({reason}): level must be routine, high or urgent")
        if not isinstance(phrases, dict) or not phrases:
            raise TriageRuleError(f"{where} ({reason}): needs phrases per language")
        compiled = _compile_all(phrases, f"{where} ({reason}): phrases", negations, classes)
        unless = _compile_all(entry.get("unless") or {}, f"{where} ({reason}): unless",
                              classes=classes)
        excepted = _exceptions(entry.get("except"), f"{where} ({reason}): except", classes,
                               negations)
        not_with = entry.get("not_with") or []
        if not isinstance(not_with, list):
            raise TriageRuleError(f"{where} ({reason}): not_with must be a list of reasons")
        needs = entry.get("needs") or []
        if not isinstance(needs, list):
            raise TriageRuleError(f"{where} ({reason}): needs must be a list of reasons")
        rules.append(_Rule(reason, str(level), compiled, unless,
                           frozenset(str(r) for r in not_with),
                           frozenset(str(r) for r in needs), excepted))
        for listed in phrases.values():
            vocabulary |= wording.phrase_words(listed)
    known = {rule.reason for rule in rules}
    for rule in rules:
        if not rule.needs <= known:
            raise TriageRuleError(f"{source} ({rule.reason}): needs names no rule: "
                                  + ", ".join(sorted(rule.needs - known)))
    always = frozenset(str(a) for a in raw.get("always_tried") or ("en",))
    together = _read_together(raw.get("read_together") or {}, source)
    respell = raw.get("respellings") or {}
    if not isinstance(respell, dict):
        raise TriageRuleError(f"{source}: respellings must map words to words")
    by_language = {language: wording.negation_for(negations, language)
                   for rule in rules for language in rule.patterns}
    screened = {language: wording.screen(p for rule in rules
                                         for p in rule.patterns.get(language, ()))
                for language in by_language} if screens else {}
    return TriageRules(tuple(rules), negations, always=always, together=together,
                       speller=Speller(vocabulary, {str(k): str(v) for k, v in respell.items()}),
                       negations_by_language=by_language,
                       screens={k: v for k, v in screened.items() if v is not None})
