"""Explainable risk triage: rules as data, a priority and the reasons that produced it.

Rules live in `flows/triage.yaml`, per language, drawn from UK domestic-abuse risk practice
(the DASH questions: strangulation, weapons, threats to kill, pregnancy, separation,
escalation, children, stalking, sexual violence). Triage only ever RAISES a case's priority and
tells the advocate why; it never withholds help, and a request for a person escalates whatever
triage says (docs/threat-model.md, "What we do not do").

Text is folded before matching: NFKC, case-folded, punctuation and symbols turned into
spaces, in every script. A phrase is then matched as whole words: `*` at the end of a word
matches any ending ("strangl*" matches strangled, strangling) and a lone `?` stands for exactly
one word of any kind ("hands ? neck" matches "hands round neck"; write "hands ? ? neck" for
"hands round my neck"). A negation ("never", "not", per language) among the four words before
a match cancels it, because "he has never hit me" is not a disclosure of violence. Pure: no
I/O; the rules are handed in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

LEVELS = ("none", "routine", "high", "urgent")
# How many words before a match a negation may stand ("didn't have a knife" folds to
# "didn t have a knife": the negation is four words back).
_NEGATION_WINDOW = 4
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
    # Phrases that show an innocent sense ("knife and fork", "my boss will kill me").
    unless: dict[str, tuple[re.Pattern[str], ...]]


@dataclass(frozen=True)
class TriageRules:
    rules: tuple[_Rule, ...]
    negations: dict[str, frozenset[str]]
    # Two or more distinct "high" reasons together count as urgent (combined risk).
    combine_high_to_urgent: int = 2

    def assess(self, text: str, language: str | None = None) -> Assessment:
        """Triage one message, with the conversation's language and English when it is known.

        English is always tried because survivors mix it in; every language is tried when the
        language is not known yet. Limiting the rest avoids one language's word matching
        another's ("viol", Romanian for rape, inside the English "violent").
        """
        said = fold(text)
        if not said:
            return NONE
        languages = None if language is None else {language, "en"}
        matched: dict[str, str] = {}
        for rule in self.rules:
            for lang, patterns in rule.patterns.items():
                if languages is not None and lang not in languages:
                    continue
                negations = self.negations.get(lang, frozenset())
                if (any(_matches(p, said, negations) for p in patterns)
                        and not any(u.search(said) for u in rule.unless.get(lang, ()))):
                    matched[rule.reason] = rule.level
                    break
        if not matched:
            return NONE
        level = max(matched.values(), key=_RANK.__getitem__)
        highs = sum(1 for lvl in matched.values() if lvl == "high")
        if level == "high" and highs >= self.combine_high_to_urgent:
            level = "urgent"
        ordered = sorted(matched, key=lambda reason: (-_RANK[matched[reason]], reason))
        return Assessment(level, tuple(ordered))


def fold(text: str) -> str:
    """Lower-case words separated by single spaces, in any script, without punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in folded)
    return " ".join(kept.split())


def _matches(pattern: re.Pattern[str], said: str, negations: frozenset[str]) -> bool:
    for match in pattern.finditer(said):
        before = said[: match.start()].split()[-_NEGATION_WINDOW:]
        if not negations.intersection(before):
            return True
    return False


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for word in phrase.split():
        if word == "?":
            parts.append(r"\S+")
        elif word.endswith("*") and fold(word[:-1]):
            parts.append(re.escape(fold(word[:-1])) + r"\S*")
        elif fold(word):
            parts.append(re.escape(fold(word)))
    if not parts:
        raise TriageRuleError(f"phrase {phrase!r} has no words")
    return r"\s+".join(parts)


def _compile(phrases: list[str]) -> re.Pattern[str]:
    """One pattern for all of a rule's phrases in one language: one scan of the text, not one
    per phrase (triage runs on every message, inside the webhook's request)."""
    alternatives = "|".join(_phrase_pattern(p) for p in phrases)
    # \b does not work for every script's combining marks, so boundaries are spaces or ends.
    return re.compile(r"(?:^|(?<=\s))(?:" + alternatives + r")(?=\s|$)")


def _compile_all(phrases: Any, where: str) -> dict[str, tuple[re.Pattern[str], ...]]:
    if not isinstance(phrases, dict):
        raise TriageRuleError(f"{where}: must map languages to lists of phrases")
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for language, listed in phrases.items():
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise TriageRuleError(f"{where}.{language}: must be a list of phrases")
        phrases_given = [p for p in listed if p.strip()]
        compiled[str(language)] = (_compile(phrases_given),) if phrases_given else ()
    return compiled


def parse_rules(raw: Any, source: str = "flows/triage.yaml") -> TriageRules:
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise TriageRuleError(f"{source}: needs 'rules' (a list)")
    negations = {
        str(language): frozenset(fold(str(w)) for w in listed)
        for language, listed in (raw.get("negations") or {}).items()
    }
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
        compiled = _compile_all(phrases, f"{where} ({reason}): phrases")
        unless = _compile_all(entry.get("unless") or {}, f"{where} ({reason}): unless")
        rules.append(_Rule(reason, str(level), compiled, unless))
    return TriageRules(tuple(rules), negations)
