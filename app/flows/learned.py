"""A learned second opinion on a first message: may it be urgent, does it ask for a person?

The rules (flows/triage.yaml, flows/intents.yaml) are the floor. This reads the same folded
text (`app/flows/said.py`, so a long message is read in part, like the rules) and can only
ADD what they missed: it raises a reading to urgent, or reads a request for a person; it
never lowers a priority or takes a person away (docs/threat-model.md, "What we do not do").

The model is small and readable: a linear model over the character n-grams of the folded
text (a weight per n-gram and a prior, summed into log-odds), one per language (the language
the message reads as) and one shared by all languages; a message's score is their mean
log-odds (the shared one's alone when its language has no model), and a label is read when
the score reaches the file's threshold for it. Its weights are taught one of two ways, which
cross-validation chooses between (bench/second_opinion.py): binarised multinomial naive
Bayes (each n-gram's weight from its counts alone) or L2-regularised logistic regression
(each weight learned with the others, so n-grams that always come together are not counted
twice: naive Bayes grows over-sure with many overlapping n-grams). Character n-grams need no
word list, so inflections, Welsh mutations, clitics and misspellings share most of their
n-grams with the forms the model was taught.

The weights are data the partnership owns (flows/second_opinion.json), made by
`learned_train.train` from labelled messages (`flask --app wsgi flows train-second-opinion
FOLDER`); thresholds and features are chosen by cross-validation (bench/second_opinion.py).
Whether it runs is a deployment setting (`[triage] second_opinion`). The file may also hold a
lower urgent threshold, `higher_urgent`, measured on the model's operating curve
(bench/results/second-opinion-curve.txt) and written there by `bench/second_opinion.py
--write-higher`; a deployment that asks for `[triage] urgent_sensitivity = "higher"` reads
urgent at it (`SecondOpinion.more_sensitive`). A lower threshold only reads MORE messages
urgent: triage still only raises.

Pure: no I/O; the parsed file is handed in.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from app.flows.said import Said, understood
from app.flows.triage import Assessment

LABELS = ("urgent", "person")
SHARED = "*"
VERSION = 1
# The file's key for the lower urgent threshold `[triage] urgent_sensitivity = "higher"` uses.
HIGHER_URGENT = "higher_urgent"
REASON = "second_opinion"  # the reason an advocate sees when this raised a message to urgent


class SecondOpinionError(ValueError):
    """The second-opinion file is not valid; the message says what is wrong."""


def features(folded: str, sizes: tuple[int, int]) -> frozenset[str]:
    """The character n-grams (of `sizes[0]` to `sizes[1]` characters) of each clause of the
    folded text, each clause padded with a space so word starts and ends are features."""
    low, high = sizes
    found: set[str] = set()
    for clause in folded.split("|"):
        padded = f" {' '.join(clause.split())} "
        if len(padded) <= 2:  # noqa: PLR2004 -- an empty clause, padded
            continue
        for size in range(low, high + 1):
            found.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    return frozenset(found)


@dataclass(frozen=True)
class _Model:
    """Log-odds for each label over one vocabulary, as training makes them (dicts)."""

    priors: dict[str, float]
    weights: dict[str, dict[str, float]]  # label -> n-gram -> log-odds weight

    def scores(self, message: Grams) -> tuple[float, ...]:
        """Each label's log-odds (in LABELS' order)."""
        return tuple(self.priors[label] + sum(self.weights[label].get(gram, 0.0)
                                              for gram in message.grams) for label in LABELS)


class Keying(Protocol):
    """How a model looks n-grams up: each n-gram it can hold as an integer key (the mapped
    file's key table: app/content/second_opinion_map.py)."""

    def keys(self, grams: frozenset[str]) -> list[int]: ...


class Grams:
    """One message's n-grams as the models score them, with the keys they were looked up by.

    A message is scored by two models, the shared one and its language's, and a mapped file's
    models look n-grams up through one key table: making a key costs about as much as a
    look-up, so the keys are made once for the message and the second model reuses them.
    Lives while one message is scored; never shared between messages."""

    __slots__ = ("_keyed", "_keying", "grams")

    def __init__(self, grams: frozenset[str]) -> None:
        self.grams = grams
        self._keying: Keying | None = None
        self._keyed: list[int] = []

    def keyed(self, keying: Keying) -> list[int]:
        """The n-grams' keys under `keying`, made on the first call with it."""
        if keying is not self._keying:
            self._keyed, self._keying = keying.keys(self.grams), keying
        return self._keyed


class Scorer(Protocol):
    """A model as a second opinion reads it: each label's log-odds for a message's n-grams, in
    LABELS' order (`_Model`, `_Packed`, or a mapped file's: app/content/second_opinion_map.py)."""

    def scores(self, message: Grams) -> tuple[float, ...]: ...


def thousandths(model: _Model) -> dict[str, list[int]]:
    """Each n-gram's weights in integer thousandths, one per label in LABELS' order: the file
    rounds weights to three decimals, so these are exact, and a sum of them is the same in
    any order. What a packed or mapped model holds."""
    rows: dict[str, list[int]] = {}
    for column, label in enumerate(LABELS):
        for gram, weight in model.weights[label].items():
            rows.setdefault(gram, [0] * len(LABELS))[column] = round(weight * 1000)
    return rows


class _Packed:
    """The same model as read from the file, packed for a long-lived process.

    As dicts, the shipped weights (about 320,000) take some 25 MiB in every process, and a
    forked web worker copies the pages it reads (each lookup writes a reference count), so
    the web tier would hold them three times over (issue 22, item 6: the whole stack in 300
    MiB). Packed, they are two flat arrays: the n-grams' hashes, sorted, and each n-gram's
    weights in thousandths (the file rounds them to three decimals, so the integers are
    exact); a message's n-grams are found by binary search, and reading never writes to the
    arrays' pages. About 16 bytes an n-gram.

    The hash is Python's own, for the n-gram's text: fixed for the life of a process and its
    forks, which is all these arrays live for (they are built when the file is read). Two
    n-grams of one model with the same 64-bit hash (about one chance in a billion for the
    shipped file) would share the sum of their weights.
    """

    __slots__ = ("_keys", "_values", "priors")

    def __init__(self, model: _Model) -> None:
        self.priors = dict(model.priors)
        merged: dict[int, list[int]] = {}
        for gram, row in thousandths(model).items():
            summed = merged.setdefault(hash(gram), [0] * len(LABELS))
            for column, value in enumerate(row):
                summed[column] += value
        self._keys = array("q", sorted(merged))
        self._values = array("i", [v for key in self._keys for v in merged[key]])

    def scores(self, message: Grams) -> tuple[float, ...]:
        keys, values, width = self._keys, self._values, len(LABELS)
        found = len(keys)
        totals = [0] * width
        for gram in message.grams:  # Python caches a string's hash: no keys to share
            key = hash(gram)
            at = bisect_left(keys, key)
            if at < found and keys[at] == key:
                for column in range(width):
                    totals[column] += values[at * width + column]
        return tuple(self.priors[label] + totals[column] / 1000
                     for column, label in enumerate(LABELS))


@dataclass(frozen=True)
class Opinion:
    urgent: bool = False
    person: bool = False


NO_OPINION = Opinion()


def raised(risk: Assessment, opinion: Opinion) -> Assessment:
    """The rules' assessment, raised to urgent when the second opinion reads danger they did
    not; never lowered, and its reasons kept (the advocate sees why)."""
    if not opinion.urgent or risk.at_least("urgent"):
        return risk
    return Assessment("urgent", (REASON, *risk.reasons))


@dataclass(frozen=True)
class SecondOpinion:
    models: Mapping[str, Scorer]  # language (or SHARED) -> model
    thresholds: dict[str, float]
    sizes: tuple[int, int]
    # The file's `higher_urgent`, below thresholds["urgent"]; None when it has none.
    higher_urgent: float | None = None

    def more_sensitive(self) -> SecondOpinion:
        """The same model reading urgent at the file's `higher_urgent` threshold (the
        person threshold untouched); `SecondOpinionError` when the file has none. Never a
        higher threshold than the standard one: the setting may only raise readings."""
        if self.higher_urgent is None:
            raise SecondOpinionError("the second opinion's file has no higher_urgent threshold")
        return self.reading_urgent_at(min(self.higher_urgent, self.thresholds["urgent"]))

    def reading_urgent_at(self, threshold: float) -> SecondOpinion:
        """The same model reading urgent at `threshold`, the person threshold untouched (a
        point of the operating curve, bench/second_opinion.py --curve)."""
        return replace(self, thresholds={**self.thresholds, "urgent": threshold})

    def scores(self, text: str | Said, language: str | None = None) -> dict[str, float]:
        """Each label's score for a message: the shared model's log-odds, averaged with its
        language's when there is a model for that language."""
        return self.scores_of(features(understood(text).folded, self.sizes), language)

    def scores_of(self, grams: frozenset[str], language: str | None = None
                  ) -> dict[str, float]:
        """`scores` for a message's n-grams already made (`features` at `sizes`):
        cross-validation scores each message under many models and makes them once."""
        if not grams:
            return {label: -math.inf for label in LABELS}
        message = Grams(grams)
        shared = self.models[SHARED].scores(message)
        own_model = self.models.get(language.split("-")[0]) if language else None
        if own_model is None:
            return dict(zip(LABELS, shared, strict=True))
        own = own_model.scores(message)
        return {label: (shared[i] + own[i]) / 2 for i, label in enumerate(LABELS)}

    def read(self, text: str | Said, language: str | None = None) -> Opinion:
        scores = self.scores(text, language)
        return Opinion(urgent=scores["urgent"] >= self.thresholds["urgent"],
                       person=scores["person"] >= self.thresholds["person"])


def parse(raw: Any, source: str = "flows/second_opinion.json") -> SecondOpinion:
    """The second opinion in a parsed file, packed (`_Packed`); `SecondOpinionError` names what
    is wrong."""
    models, thresholds, sizes = checked(raw, source)
    return SecondOpinion({language: _Packed(model) for language, model in models.items()},
                         thresholds, sizes, higher_urgent(raw, thresholds, source))


def higher_urgent(raw: dict[str, Any], thresholds: dict[str, float],
                  source: str = "flows/second_opinion.json") -> float | None:
    """The file's optional `higher_urgent` threshold, checked against its `thresholds`: a
    finite number below the standard urgent threshold (a higher one would read FEWER
    messages urgent under a setting named for more), or None when the file has none."""
    if raw.get(HIGHER_URGENT) is None:
        return None
    value = raw[HIGHER_URGENT]
    if not _finite(value) or not value < thresholds["urgent"]:
        raise SecondOpinionError(
            f"{source}: {HIGHER_URGENT} must be a number below thresholds.urgent "
            f"({thresholds['urgent']})")
    return float(value)


def checked(raw: Any, source: str = "flows/second_opinion.json"
            ) -> tuple[dict[str, _Model], dict[str, float], tuple[int, int]]:
    """A parsed file's models (as dicts, as `to_data` wrote them), thresholds and n-gram
    sizes, checked; `SecondOpinionError` names what is wrong. `parse` packs them; the mapped
    file is made from them (app/content/second_opinion_map.py)."""
    def fail(what: str) -> SecondOpinionError:
        return SecondOpinionError(f"{source}: {what}")

    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise fail(f"needs version {VERSION}")
    if not isinstance(raw.get("made"), str) or not raw["made"].strip():
        raise fail("needs 'made': how the weights were made, from what")
    sizes = raw.get("ngrams")
    if (not isinstance(sizes, list) or len(sizes) != 2  # noqa: PLR2004 -- [low, high]
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes)
            or not 1 <= sizes[0] <= sizes[1] <= 8):  # noqa: PLR2004
        raise fail("ngrams must be [low, high], 1 <= low <= high <= 8")
    thresholds = raw.get("thresholds")
    if not isinstance(thresholds, dict) or set(thresholds) != set(LABELS) or not all(
            _finite(v) for v in thresholds.values()):
        raise fail(f"thresholds must give a number for each of {', '.join(LABELS)}")
    listed = raw.get("models")
    if not isinstance(listed, dict) or SHARED not in listed:
        raise fail(f"models must map languages to models, with a shared one ({SHARED!r})")
    models: dict[str, _Model] = {}
    for language, entry in listed.items():
        where = f"models.{language}"
        if not isinstance(entry, dict) or set(entry) != {"priors", "weights"}:
            raise fail(f"{where}: needs priors and weights")
        priors, weights = entry["priors"], entry["weights"]
        if not isinstance(priors, dict) or set(priors) != set(LABELS) or not all(
                _finite(v) for v in priors.values()):
            raise fail(f"{where}.priors: a number for each of {', '.join(LABELS)}")
        if not isinstance(weights, dict) or set(weights) != set(LABELS):
            raise fail(f"{where}.weights: an n-gram table for each of {', '.join(LABELS)}")
        for label, table in weights.items():
            if not isinstance(table, dict) or not all(
                    isinstance(k, str) and k and _finite(v) for k, v in table.items()):
                raise fail(f"{where}.weights.{label}: must map n-grams to numbers")
        models[str(language)] = _Model({k: float(v) for k, v in priors.items()},
                                       {k: {g: float(w) for g, w in t.items()}
                                        for k, t in weights.items()})
    numbers = {k: float(v) for k, v in thresholds.items()}
    higher_urgent(raw, numbers, source)  # checked here too, so `flows check` names it
    return models, numbers, (sizes[0], sizes[1])


def _finite(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))
