"""Teaching the learned second opinion (app/flows/learned.py) from labelled messages.

Two ways to learn the weights, which cross-validation chooses between
(bench/second_opinion.py): binarised multinomial naive Bayes (each n-gram's weight from its
counts alone) or L2-regularised logistic regression (each weight learned with the others).
Apart from `learned.py` so that a running service never loads what only training uses.

Cross-validation teaches hundreds of models from the same messages, so the n-grams of each
message can be made once and handed in (`train(..., grams=...)`), and both trainers are
written for speed in plain Python without changing what they compute: the same integers
for naive Bayes, the same floating-point operations in the same order for logistic
regression (checked against the earlier code on dev messages, round 5 of issue 21).

Pure: no I/O.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.flows.learned import LABELS, SHARED, VERSION, SecondOpinion, _Model, features
from app.flows.said import Said

METHODS = ("bayes", "logistic")


@dataclass(frozen=True)
class Example:
    """One labelled message: its text, the language it is written in, and its labels."""

    text: str
    language: str
    urgent: bool
    person: bool


def _train_model(grams: list[frozenset[str]], labels: dict[str, list[bool]], *,
                 alpha: float, min_count: int) -> _Model:
    counts = Counter[str]()
    for doc in grams:
        counts.update(doc)
    vocabulary = {gram for gram, n in counts.items() if n >= min_count}
    ordered = sorted(vocabulary)
    priors: dict[str, float] = {}
    weights: dict[str, dict[str, float]] = {}
    for label in LABELS:
        marks = labels[label]
        # Counted over whole messages and read on the vocabulary only: the same integers as
        # counting each message's n-grams in the vocabulary, without a set per message.
        positive = Counter[str]()
        for doc, mark in zip(grams, marks, strict=True):
            if mark:
                positive.update(doc)
        n_pos = sum(marks)
        n_neg = len(marks) - n_pos
        # Smoothed, so a label seen in no example is still a finite, very unlikely reading.
        priors[label] = math.log((n_pos + alpha) / (n_neg + alpha))
        in_positive = sum(positive[gram] for gram in ordered)
        total_pos = in_positive + alpha * len(vocabulary)
        total_neg = sum(counts[gram] for gram in ordered) - in_positive \
            + alpha * len(vocabulary)
        log = math.log
        weights[label] = {
            gram: round(log((positive[gram] + alpha) / total_pos)
                        - log((counts[gram] - positive[gram] + alpha) / total_neg), 3)
            for gram in ordered
        }
    return _Model(priors, weights)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _train_logistic(grams: list[frozenset[str]], labels: dict[str, list[bool]], *,
                    l2: float, min_count: int, epochs: int,
                    positive_weight: float = 1.0) -> _Model:
    """L2-regularised logistic regression by stochastic gradient descent with AdaGrad steps
    (each n-gram's step shrinks as it is seen, so rare n-grams still learn), in a seeded
    order: the same examples always give the same weights. The weights are log-odds, like
    naive Bayes', so the file and the scoring are the same for both. `positive_weight`
    multiplies a positive example's step: above 1, a missed urgent message costs more than a
    false alarm (the thresholds are chosen afterwards either way)."""
    counts = Counter[str]()
    for doc in grams:
        counts.update(doc)
    vocabulary = sorted(gram for gram, n in counts.items() if n >= min_count)
    index = {gram: i for i, gram in enumerate(vocabulary)}
    rows = [[index[gram] for gram in doc if gram in index] for doc in grams]
    rate = 0.5
    sqrt, sigmoid = math.sqrt, _sigmoid
    priors: dict[str, float] = {}
    weights: dict[str, dict[str, float]] = {}
    for label in LABELS:
        marks = [1.0 if mark else 0.0 for mark in labels[label]]
        scale = [positive_weight if mark else 1.0 for mark in labels[label]]
        w = [0.0] * len(vocabulary)
        seen = [1e-8] * len(vocabulary)  # AdaGrad: the sum of each weight's squared steps
        bias, bias_seen = 0.0, 1e-8
        order = list(range(len(rows)))
        # A seeded order, not a secret: the same examples must give the same file.
        shuffle = random.Random(f"{label}:{len(rows)}:{len(vocabulary)}").shuffle  # noqa: S311
        weigh = w.__getitem__
        for _ in range(epochs):
            shuffle(order)
            for i in order:
                row = rows[i]
                # sum() adds left to right as the generator it replaces did: same floats.
                error = sigmoid(bias + sum(map(weigh, row))) - marks[i]
                if positive_weight != 1.0:
                    error *= scale[i]
                bias_seen += error * error
                bias -= rate * error / sqrt(bias_seen)
                for j in row:
                    # The penalty is applied when an n-gram is seen ("lazy"): rare n-grams
                    # are held back less than in full-batch training, which CV measures.
                    step = error + l2 * w[j]
                    seen[j] = total = seen[j] + step * step
                    w[j] -= rate * step / sqrt(total)
        priors[label] = round(bias, 3)
        # Weights that round to nothing are left out: the file holds what changes a score.
        weights[label] = {gram: round(w[i], 3) for i, gram in enumerate(vocabulary)
                          if round(w[i], 3) != 0.0}
    return _Model(priors, weights)


def train(examples: Iterable[Example], *, thresholds: Mapping[str, float],
          sizes: tuple[int, int] = (2, 4), alpha: float = 0.5, min_count: int = 2,
          min_language: int = 30, method: str = "bayes", l2: float = 0.01,
          epochs: int = 10, positive_weight: float = 1.0,
          grams: Sequence[frozenset[str]] | None = None) -> SecondOpinion:
    """A second opinion taught by `examples`: the shared model from all of them, and one
    model for each language with at least `min_language` examples (none with a
    `min_language` above their number: one model for every language). N-grams seen in fewer
    than `min_count` messages are left out (they would be one message's quirks). `method`
    is "bayes" (smoothed by `alpha`) or "logistic" (penalised by `l2`, `epochs` passes,
    positive examples weighted by `positive_weight`). `grams`, when given, are each
    example's `learned.features` at `sizes`, already made."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    examples = list(examples)
    made = (list(grams) if grams is not None
            else [features(Said.of(e.text).folded, sizes) for e in examples])
    if len(made) != len(examples):
        raise ValueError("grams must give one set of n-grams per example")

    def fit(chosen: list[int]) -> _Model:
        taught = [made[i] for i in chosen]
        marks = {"urgent": [examples[i].urgent for i in chosen],
                 "person": [examples[i].person for i in chosen]}
        if method == "logistic":
            return _train_logistic(taught, marks, l2=l2, min_count=min_count, epochs=epochs,
                                   positive_weight=positive_weight)
        return _train_model(taught, marks, alpha=alpha, min_count=min_count)

    models = {SHARED: fit(list(range(len(examples))))}
    for language in sorted({e.language for e in examples}):
        chosen = [i for i, e in enumerate(examples) if e.language == language]
        if len(chosen) >= min_language:
            models[language] = fit(chosen)
    return SecondOpinion(models, dict(thresholds), sizes)


def to_data(opinion: SecondOpinion, made: str) -> dict[str, Any]:
    """The file's content: `made` says how (from what, by which command) it was made. For a
    second opinion just taught (`train`): one read from a file is packed, and its file is
    already written."""
    trained = {language: model for language, model in opinion.models.items()
               if isinstance(model, _Model)}
    if len(trained) != len(opinion.models):
        raise TypeError("to_data writes a second opinion made by train, not one read from a file")
    return {
        "version": VERSION,
        "made": made,
        "ngrams": list(opinion.sizes),
        "thresholds": dict(opinion.thresholds),
        "models": {language: {"priors": model.priors, "weights": model.weights}
                   for language, model in sorted(trained.items())},
    }
