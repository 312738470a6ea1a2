"""How a survivor's words are compared with the phrases in flows/ (intents and triage).

Both the text and the phrases are folded first (app/flows/folding.py: case, accents,
apostrophes, Arabic-script spellings, clauses), and misspelt words corrected
(app/flows/spelling.py).

A phrase is words matched whole: `word*` matches any ending ("strangl*"), a lone `?` is
exactly one word, `...` is up to three words ("talk ... someone"), and `a ~ b` is both parts in
either order with up to three words between ("neck ~ squeez*": "squeezed my neck", "my
neck, he squeezed" is two clauses and does not match); `a ~~ b` is both parts in either order
anywhere in one clause (for exceptions such as "ill kill you ~~ @laugh"), and `a || b` is `a`
in one clause and `b` in the next ("he's outside, washing the car"). A word `@name`
stands for any entry of the named word class, a per-language list of words or short phrases
kept once in the data ("@pills ~ @in_hand" is every tablet word near every way of saying "in my
hand"), so a sense
is written once and its words are listed once; `!@name` between two words says what may not
stand there ("@he_is at !@away ... @now": "he's at the door now", not "he's at work now"), an
exception kept to the one phrase rather than an `unless` that would silence the whole rule.
Welsh phrase words also
match their mutated forms (person: berson, pherson, mherson) and Arabic words their clitics
(the article, و/ف/ب/ل/ك before, pronoun endings after), so the data lists each word once.

A negation (per language) among the four words before a match, in the same clause, cancels
it ("he has never hit me"); an answer word at the start of a clause is not a negation ("No,
he has a knife": the "no" answers a question).

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.flows.folding import CLAUSE, fold_word

_NEGATION_WINDOW = 4
_GAP = "..."
_EITHER = "~"
_CLAUSE_WIDE = "~~"
_NEXT_CLAUSE = "||"
_CLASS = "@"
_NOT = "!"


# Welsh initial mutations: radical -> soft, nasal and aspirate forms (and h- before a vowel).
_WELSH = (
    ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")), ("c", ("g", "ngh", "ch")),
    ("b", ("f", "m")), ("d", ("dd", "n")), ("g", ("", "ng")), ("m", ("f",)),
    ("ll", ("l",)), ("rh", ("r",)),
)
_AR_BEFORE = "(?:و|ف)?(?:ب|ل|ک)?(?:ال|ل)?"
_AR_AFTER = "(?:ني|ي|ک|كم|کم|ه|ها|نا|هم|هن|ين|ون|ات|وا)?"


def _welsh_forms(word: str) -> list[str]:
    forms = [word]
    for radical, mutated in _WELSH:
        if word.startswith(radical):
            forms.extend(m + word[len(radical):] for m in mutated if m + word[len(radical):])
            break
    if word[:1] in "aeiouwyâêîôûŵŷ":
        forms.append("h" + word)
    return forms


def _word_pattern(word: str, language: str) -> str:
    prefix = word.endswith("*")
    core = fold_word(word[:-1] if prefix else word)
    if not core:
        return ""
    tail = r"[^\s|]*" if prefix else ""
    if language == "cy":
        forms = sorted(set(_welsh_forms(core)), key=len, reverse=True)
        return "(?:" + "|".join(re.escape(f) for f in forms) + ")" + tail
    if language == "ar" and not core.isascii():
        return _AR_BEFORE + re.escape(core) + (tail or _AR_AFTER)
    return re.escape(core) + tail


def _class_pattern(name: str, language: str, classes: Mapping[str, Sequence[str]]) -> str:
    """`@name`: any entry of the word class, each entry a phrase without '~' or classes."""
    entries = classes.get(name)
    if not entries:
        raise ValueError(f"unknown word class {_CLASS}{name} for {language}")
    parts = []
    for entry in entries:
        if _EITHER in entry.split() or any(w.startswith(_CLASS) for w in entry.split()):
            raise ValueError(f"word class {_CLASS}{name}: {entry!r} may not use '~' or '@'")
        parts.append(phrase_pattern(entry, language))
    return "(?:" + "|".join(parts) + ")"


def _part(word: str, language: str, classes: Mapping[str, Sequence[str]]) -> str:
    """One phrase word as a pattern: `?` any word, `@name` a class, else the word itself."""
    if word == "?":
        return r"[^\s|]+"
    if word.startswith(_CLASS) and len(word) > 1:
        return _class_pattern(word[1:], language, classes)
    return _word_pattern(word, language)


def _not_a_negation(negations: frozenset[str]) -> str:
    """A look-ahead refusing a word of `negations` here: the words a gap may skip."""
    if not negations:
        return ""
    return "(?!(?:" + "|".join(re.escape(n) for n in sorted(negations)) + r")(?:\s|$))"


def _next_clause(phrase: str, language: str, negations: frozenset[str],
                 classes: Mapping[str, Sequence[str]] | None) -> str:
    """`a || b`: `a` in one clause (at most four words before its end) and `b` near the start
    of the next (at most three words in, none of them a negation): "he's outside, washing the
    car", not "he's outside, it's not the car"."""
    left, _, right = phrase.partition(f" {_NEXT_CLAUSE} ")
    if not left.strip() or not right.strip() or _NEXT_CLAUSE in right.split():
        raise ValueError(f"phrase {phrase!r}: '||' joins exactly two parts")
    skip = _not_a_negation(negations)
    first = phrase_pattern(left, language, negations, classes)
    second = phrase_pattern(right, language, negations, classes)
    rest = r"(?:\s+[^\s|]+){0,4}"  # up to four more words of the first clause
    start = r"\s+(?:" + skip + r"[^\s|]+\s+){0,3}"  # up to three before `b`, no negation
    return f"{first}{rest}\\s+\\{CLAUSE}{start}{second}"


def _clause_wide(phrase: str, language: str, negations: frozenset[str],
                 classes: Mapping[str, Sequence[str]] | None) -> str:
    """`a ~~ b`: both parts, in either order, anywhere in one clause (the gap, like `...`,
    never spans a negation)."""
    left, _, right = phrase.partition(f" {_CLAUSE_WIDE} ")
    if not left.strip() or not right.strip() or _CLAUSE_WIDE in right.split():
        raise ValueError(f"phrase {phrase!r}: '~~' joins exactly two parts")
    skip = _not_a_negation(negations)
    gap = r"\s+(?:" + skip + r"[^\s|]+\s+)*?"
    first = phrase_pattern(left, language, negations, classes)
    second = phrase_pattern(right, language, negations, classes)
    return f"(?:{first}{gap}{second}|{second}{gap}{first})"


def phrase_pattern(phrase: str, language: str, negations: frozenset[str] = frozenset(),
                   classes: Mapping[str, Sequence[str]] | None = None) -> str:
    """One phrase as a regular expression over folded text (see the module docstring).

    A gap ("...") never spans a negation: "he didnt have a knife" is not "he ... knife"."""
    if _NEXT_CLAUSE in phrase.split():
        return _next_clause(phrase, language, negations, classes)
    if _CLAUSE_WIDE in phrase.split():
        return _clause_wide(phrase, language, negations, classes)
    if _EITHER in phrase.split():
        left, _, right = phrase.partition(f" {_EITHER} ")
        if not left.strip() or not right.strip() or _EITHER in right.split():
            raise ValueError(f"phrase {phrase!r}: '~' joins exactly two parts")
        one = phrase_pattern(f"{left} {_GAP} {right}", language, negations, classes)
        other = phrase_pattern(f"{right} {_GAP} {left}", language, negations, classes)
        return f"(?:{one}|{other})"
    skip = _not_a_negation(negations)
    pattern = ""
    gap = False
    unlike: list[str] = []  # `!@name`: the classes that may not stand where the next word does
    for word in phrase.split():
        if word == _GAP:
            gap = bool(pattern)
            continue
        if word.startswith(_NOT + _CLASS) and len(word) > len(_NOT + _CLASS):
            if not pattern:
                raise ValueError(f"phrase {phrase!r}: '{word}' must follow a word")
            unlike.append(_class_pattern(word[2:], language, classes or {}))
            continue
        part = _part(word, language, classes or {})
        if not part:
            continue
        if pattern:
            # \s+ (word \s+){0,3} is the gap of up to three words; `unlike` is checked
            # where the next word starts, before any gap.
            not_here = "".join(rf"(?!{c}(?:\s|$))" for c in unlike)
            pattern += (r"\s+" + not_here + r"(?:" + skip + r"[^\s|]+\s+){0,3}") if gap \
                else r"\s+" + not_here
        pattern += part
        gap = False
        unlike = []
    if not pattern:
        raise ValueError(f"phrase {phrase!r} has no words")
    # A trailing `!@name`: what may not follow the phrase's last word.
    return pattern + "".join(rf"(?!\s+{c}(?:\s|$))" for c in unlike)


# \b does not work for every script's combining marks, so boundaries are spaces or ends.
_BEFORE_WORD = r"(?:^|(?<=\s))(?:"
_AFTER_WORD = r")(?=\s|$)"


def classes_for(classes: Mapping[str, Mapping[str, Sequence[str]]], language: str
                ) -> dict[str, Sequence[str]]:
    """The word classes a language's phrases may name: those listed for every language
    (`"*"`), then the base language's (`ur` for `ur-Latn`), then its own, each later one
    replacing an earlier class of the same name."""
    base = language.split("-", maxsplit=1)[0]
    found: dict[str, Sequence[str]] = {}
    for key in ("*", base, language):
        found.update(classes.get(key) or {})
    return found


@lru_cache(maxsize=4096)
def _compiled(source: str) -> re.Pattern[str]:
    """`re.compile` with room for every pattern of the rules and intents.

    `re` keeps only the last 512 patterns it compiled, and the triage rules alone now make
    more than that: each further parse (the `flows check` command, a worker, every test that
    checks a changed copy of flows/) compiled them all again, about 4 s a time. Kept here,
    a second parse of the same phrases costs what building their sources does."""
    return re.compile(source)


def compile_phrases(phrases: Iterable[str], language: str,
                    negations: frozenset[str] = frozenset(),
                    classes: Mapping[str, Sequence[str]] | None = None
                    ) -> re.Pattern[str] | None:
    """All of one language's phrases for one rule as one pattern: one scan of the text.
    `classes` are the word classes `@name` may name, for this language."""
    listed = [p for p in phrases if p.strip()]
    if not listed:
        return None
    alternatives = "|".join(phrase_pattern(p, language, negations, classes) for p in listed)
    return _compiled(_BEFORE_WORD + alternatives + _AFTER_WORD)


def screen(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that matches where any of `patterns` (from `compile_phrases`) does.

    A text it does not match has no match of any of them, so a reader can skip them all
    after one scan, and look at each (and its negations) only when it does."""
    inner = []
    for pattern in patterns:
        source = pattern.pattern
        if not (source.startswith(_BEFORE_WORD) and source.endswith(_AFTER_WORD)):
            raise ValueError("screen() takes patterns made by compile_phrases()")
        inner.append(source[len(_BEFORE_WORD):-len(_AFTER_WORD)])
    if not inner:
        return None
    return _compiled(_BEFORE_WORD + "|".join(inner) + _AFTER_WORD)


def phrase_words(phrases: Iterable[str]) -> set[str]:
    """The plain words of phrases (no wildcards), for spelling correction."""
    words = set()
    for phrase in phrases:
        for word in phrase.split():
            if (word not in ("?", _GAP, _EITHER, _CLAUSE_WIDE, _NEXT_CLAUSE)
                    and not word.startswith((_CLASS, _NOT))):
                folded = fold_word(word.rstrip("*"))
                if folded:
                    words.add(folded)
    return words


@dataclass(frozen=True)
class Negation:
    """Per language: words that negate what follows, and answer words ("no", "nie") that do
    not when they open a clause."""

    words: frozenset[str]
    answers: frozenset[str] = frozenset()

    def cancels(self, before: list[str]) -> bool:
        clause: list[str] = []
        for word in reversed(before):
            if word == CLAUSE:
                break
            clause.insert(0, word)
        if clause and clause[0] in self.answers:
            clause = clause[1:]
        return bool(self.words.intersection(clause[-_NEGATION_WINDOW:]))


NO_NEGATION = Negation(frozenset())


def negation_for(negations: Mapping[str, Negation], language: str) -> Negation:
    """A language's negations (`ur-Latn` has its own, else its base language's), with
    English's too: survivors switch to English mid-sentence ("nahi, he's not here")."""
    base = language.split("-", maxsplit=1)[0]
    own = negations.get(language) or negations.get(base) or NO_NEGATION
    english = negations.get("en", NO_NEGATION)
    if own is english:
        return own
    return Negation(own.words | english.words, own.answers | english.answers)


def first_match(pattern: re.Pattern[str], said: str, negation: Negation,
                excepted: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the pattern matches somewhere that no negation cancels and that lies inside
    none of the `excepted` spans (where an exception phrase matched: "my coach will kill me"
    is an exception that holds "kill me" inside it, and leaves a "kill me" elsewhere alone)."""
    for match in pattern.finditer(said):
        if any(start <= match.start() and match.end() <= end for start, end in excepted):
            continue
        if not negation.cancels(said[: match.start()].split()):
            return True
    return False


def spans(patterns: Iterable[re.Pattern[str]], said: str) -> tuple[tuple[int, int], ...]:
    """Where any of the patterns matches in the folded text, as (start, end) spans."""
    return tuple(match.span() for pattern in patterns for match in pattern.finditer(said))


