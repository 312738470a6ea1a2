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
    # Per rule language, the speller that corrects a message before that language's phrases
    # read it: towards that language's words only (app/flows/spelling.py).
    spellers: dict[str, Speller] = field(default_factory=dict)
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
        message = understood(text)
        if not message.folded:
            return NONE
        languages = self._languages(language, also)
        own = self._languages(language, also, english=False)
        tried: dict[str, str | None] = {}  # each language corrected and screened once
        matched: dict[str, str] = {}
        for rule in self.rules:
            for lang, patterns in rule.patterns.items():
                if lang not in tried:
                    tried[lang] = self._tried(lang, languages, own, message)
                said = tried[lang]
                if said is None:
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

    def _languages(self, language: str | None, also: tuple[str, ...], *, english: bool = True
                   ) -> set[str] | None:
        """The languages read for a message (None: all), with those read together with them;
        with `english` false, only those it is written in (English only when it is one)."""
        if language is None:
            return None
        languages = {language, *also} | ({"en"} if english else set())
        return languages | {other for lang in languages for other in self.together.get(lang, ())}

    def _tried(self, lang: str, languages: set[str] | None, own: set[str] | None,
               message: Said) -> str | None:
        """The message as a rule language reads it (folded, spelling corrected towards its
        words when it is one of the `own` languages the message is written in), or None when
        it is not read: it is not one of `languages` (nor always tried), or no phrase of it
        matches anywhere in the text."""
        base = lang.split("-", maxsplit=1)[0]
        if languages is not None and lang not in self.always and base not in languages:
            return None
        # English, and Urdu and Punjabi in Latin letters, read every message, but correct
        # only their own language's words: respelt towards them, a word of the message's
        # language is no typo (Somali "bilood", months, is not "blood"; Polish "polsce" is not
        # "police"). Their txt-speak table still applies.
        written = own is None or base in own
        said = message.corrected(self.speller_for(lang if written else ""))
        screen = self.screens.get(lang)
        return said if screen is None or screen.search(said) is not None else None

    def speller_for(self, lang: str) -> Speller:
        """The speller of a rule language (one that only rewrites txt-speak if it has none)."""
        return self.spellers.get(lang) or self.spellers.get("", Speller((), {}))

    def spelling_languages(self) -> tuple[str, ...]:
        """The rule languages with a speller of their own."""
        return tuple(sorted(lang for lang in self.spellers if lang))


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


def _spellers(entries: list[Any], classes: dict[str, dict[str, list[str]]],
              respellings: dict[str, str]) -> dict[str, Speller]:
    """One speller per rule language, correcting towards the whole words of its own phrases
    and word classes only (not towards the stems of `word*`); a word of any language's rules
    (phrases, exceptions, classes) is never corrected (app/flows/spelling.py). The speller
    under "" only rewrites txt-speak."""
    own: dict[str, set[str]] = {}
    everything: list[str] = [entry for by_name in classes.values()
                             for listed in by_name.values() for entry in listed]
    for entry in entries:
        for key in ("phrases", "except", "unless"):
            for language, listed in (entry.get(key) or {}).items():
                everything.extend(listed)
                if key == "phrases":
                    own.setdefault(str(language), set()).update(
                        wording.phrase_words(listed, stems=False))
    known = wording.phrase_words(everything)
    spellers = {"": Speller((), respellings, known)}
    for language, words in own.items():
        class_words = {word for listed in wording.classes_for(classes, language).values()
                       for word in wording.phrase_words(listed, stems=False)}
        spellers[language] = Speller(words | class_words, respellings, known)
    return spellers


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
                       spellers=_spellers(raw["rules"], classes,
                                          {str(k): str(v) for k, v in respell.items()}),
                       negations_by_language=by_language,
                       screens={k: v for k, v in screened.items() if v is not None})
