"""Choose the learned second opinion's features and thresholds by cross-validation on the
tuning splits eval/messages/dev and eval/messages/opened ONLY.

`python bench/second_opinion.py [--folds batch|K] [--write]`. It never reads eval/messages/heldout
(batch j, measured once at the end; batches d-i, each measured once, are now in opened/).

Every tuning message (dev/ and opened/; "dev" below means both) is read by the rules as the
service reads a first message (bench/understanding.py `reader`, without the second opinion):
urgent or not, a case or not. Then, for each candidate (n-gram sizes, smoothing), the
messages are cut into k folds (seeded, stratified by language and label); a model taught on
k-1 folds scores the k-th, so every message gets a score from a model that never saw it. The
combination is the rules OR the model (the rules are the floor): urgent if either reads
urgent; a case if the rules open one or the model reads urgent or a person.

The folds are the writing batches by default (`--folds batch`: a, b, c, d, each written by
other people, at another time): each batch is scored by a model taught on the others only.
Random folds (`--folds 5`) mix each writer's messages into every fold, so the model meets
the style it is scored on; they promised a false urgent rate of 0.019 that became 0.26 on
batch d, unseen. Leaving a whole batch out asks what the service will face: messages from
people it never read.

Thresholds:
- urgent: the lowest threshold at which the model ADDS at most 0.01 false urgent (urgent read
  on a message labelled innocent, info or greeting and not urgent, that the rules do not
  already read urgent) on the cross-validated scores: the budget of the pre-registered rule
  below. (Until 7 December the limit was 0.02 on rules and model together; with batch d
  opened the rules alone read 0.046 of these urgent, which left the model no room at all,
  and a budget shared with the rules moves with every rule change.)
- person: the lowest at which the model alone reads a person on at most 5% of messages
  labelled innocent, info or greeting and not person.
Among candidates, the one whose model ALONE has the highest cross-validated urgent recall +
person recall at those thresholds wins (the rules read every dev message right, so the
combination cannot tell candidates apart on dev).

Whether it ships on is NOT decided here: the rule, pre-registered before batch d existed
(eval/README.md), is measured once on the held-out batch (batch d, then e, then f, now g):
`[triage] second_opinion` ships on if
rules+model raise urgent recall or person recall by at least 0.02 over rules alone, lower
neither, and false urgent rises by at most 0.01; otherwise it ships off. The cross-validated
figures here are optimistic (the thresholds are chosen on the same scores they are reported
on, and the rules themselves were tuned on these messages).

Writes bench/results/second-opinion-cv.txt and, with --write, the chosen thresholds and
features to bench/results/second-opinion-cv.json (read by `flows train-second-opinion`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.language import LanguageGuesser  # noqa: E402 -- after the path is set
from app.deployment import load_deployment  # noqa: E402
from app.flows import learned  # noqa: E402
from bench.understanding import RESULTS, batch_of, files, reader  # noqa: E402

# (method, n-gram sizes, alpha for naive Bayes or the L2 penalty for logistic regression)
CANDIDATES: list[tuple[str, tuple[int, int], float]] = [
    ("bayes", (1, 3), 0.5), ("bayes", (2, 4), 0.5), ("bayes", (2, 4), 1.0),
    ("bayes", (2, 5), 0.5), ("bayes", (3, 5), 0.5),
    ("logistic", (2, 4), 0.001), ("logistic", (2, 5), 0.001), ("logistic", (3, 5), 0.001),
    ("logistic", (2, 5), 0.0001),
    # Round 3 (eval/README.md): stronger and weaker penalties on the chosen n-grams, in case
    # more writers' batches favour either (0.003 won the first run; 0.01 and 0.03 then added).
    ("logistic", (3, 5), 0.003), ("logistic", (3, 5), 0.0003),
    ("logistic", (3, 5), 0.01), ("logistic", (3, 5), 0.03),
]
MAX_ADDED_FALSE_URGENT = 0.01
MAX_FALSE_PERSON = 0.05
SEED = "second-opinion-cv:20261206"


@dataclass(frozen=True)
class Item:
    example: learned.Example
    batch: str  # the writing batch, a-d (bench/understanding.py `batch_of`)
    guessed: str | None
    calm: bool  # labelled innocent, info or greeting
    rules_urgent: bool
    rules_case: bool


TUNING = ("dev", "opened")  # never "heldout"


def dev_items() -> list[Item]:
    """Every message of the tuning splits (dev/ and opened/), read by the rules."""
    deployment = load_deployment(ROOT / "config" / "demo.toml")
    guesser = LanguageGuesser(deployment.languages, preload=True,
                              models=deployment.language_models)
    read = reader()
    items = []
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for split in TUNING:
        for path in files(split):
            entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            grouped.setdefault((path.stem.split("-")[0], batch_of(path)), []).extend(entries)
    for (language, batch), listed in sorted(grouped.items()):
        for entry in listed:
            text, labels = str(entry["text"]), set(entry["labels"])
            seen = read(text)
            items.append(Item(
                learned.Example(text, language, bool(entry["urgent"]), "person" in labels),
                batch, guesser.guess(text), bool(labels & {"innocent", "info", "greeting"}),
                seen.urgent, seen.case))
    return items


def batch_folds(items: list[Item]) -> tuple[list[int], int]:
    """A fold for each writing batch: (each item's fold, how many folds)."""
    batches = sorted({item.batch for item in items})
    return [batches.index(item.batch) for item in items], len(batches)


def folds(items: list[Item], k: int) -> list[int]:
    """A fold for each item, stratified by language and (urgent, person)."""
    rng = random.Random(SEED)
    fold = [0] * len(items)
    groups: dict[tuple[str, bool, bool], list[int]] = {}
    for i, item in enumerate(items):
        e = item.example
        groups.setdefault((e.language, e.urgent, e.person), []).append(i)
    offset = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for n, i in enumerate(members):
            fold[i] = (n + offset) % k
        offset += len(members)
    return fold


def taught_by(method: str, weight: float) -> dict[str, Any]:
    """`learned.train`'s arguments for a candidate's method and its smoothing or penalty."""
    return {"method": method, "l2": weight} if method == "logistic" else {"alpha": weight}


def cross_scores(items: list[Item], fold: list[int], k: int, *, sizes: tuple[int, int],
                 method: str, weight: float) -> list[dict[str, float]]:
    scores: list[dict[str, float]] = [{} for _ in items]
    for f in range(k):
        taught = [it.example for it, g in zip(items, fold, strict=True) if g != f]
        opinion = learned.train(taught, thresholds={"urgent": 0.0, "person": 0.0},
                                sizes=sizes, **taught_by(method, weight))
        for i, item in enumerate(items):
            if fold[i] == f:
                scores[i] = opinion.scores(item.example.text, item.guessed)
    return scores


def figures(items: list[Item], urgent: Callable[[int], bool], case: Callable[[int], bool]
            ) -> dict[str, tuple[int, int]]:
    def rate(chosen: list[int], hit: Callable[[int], bool]) -> tuple[int, int]:
        return sum(1 for i in chosen if hit(i)), len(chosen)

    every = range(len(items))
    return {
        "urgent recall": rate([i for i in every if items[i].example.urgent], urgent),
        "urgent precision": rate([i for i in every if urgent(i)],
                                 lambda i: items[i].example.urgent),
        "person recall": rate([i for i in every if items[i].example.person], case),
        "false urgent": rate([i for i in every
                              if items[i].calm and not items[i].example.urgent], urgent),
        "case for calm": rate([i for i in every if items[i].calm and not items[i].example.urgent
                               and not items[i].example.person], case),
    }


def lowest(scores: list[dict[str, float]], label: str, *,
           already: Callable[[int], bool], limit: float, negatives: list[int]) -> float:
    """The lowest threshold at which the rules OR the model read `label` on at most `limit`
    of `negatives`."""
    candidates = sorted({s[label] for s in scores}, reverse=True)
    best = candidates[0] + 1.0  # reads nothing
    for threshold in candidates:
        wrong = sum(1 for i in negatives if already(i) or scores[i][label] >= threshold)
        if wrong > limit * len(negatives):
            break
        best = threshold
    return best


def choose(items: list[Item], scores: list[dict[str, float]]) -> dict[str, float]:
    every = range(len(items))
    calm_not_urgent = [i for i in every if items[i].calm and not items[i].example.urgent]
    calm_not_person = [i for i in every if items[i].calm and not items[i].example.person]
    return {
        # What the model adds: negatives the rules already read urgent are not its doing.
        "urgent": lowest(scores, "urgent", already=lambda i: False,
                         limit=MAX_ADDED_FALSE_URGENT,
                         negatives=[i for i in calm_not_urgent if not items[i].rules_urgent]),
        # The rules alone already open a case for about 6% of these on dev (a disclosure in
        # an info question): the limit is on what the model adds, read alone.
        "person": lowest(scores, "person", already=lambda i: False,
                         limit=MAX_FALSE_PERSON, negatives=calm_not_person),
    }


def named(method: str, sizes: tuple[int, int], weight: float) -> str:
    how = "naive Bayes, alpha" if method == "bayes" else "logistic regression, L2"
    return f"{how} {weight}, n-grams {sizes[0]}-{sizes[1]}"


def ratio(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits}/{total} ({hits / total:.3f})" if total else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="batch",
                        help='"batch" (one fold per writing batch, the default) or a number '
                             "of random folds stratified by language and label")
    parser.add_argument("--write", action="store_true",
                        help="write the chosen features and thresholds for the trainer")
    args = parser.parse_args()
    items = dev_items()
    if args.folds == "batch":
        fold, k = batch_folds(items)
        how = (f"leave-one-batch-out cross-validation ({k} writing batches: each scored by "
               "a model taught on the others)")
    else:
        k = int(args.folds)
        fold, how = folds(items, k), f"{k}-fold cross-validation (random, stratified)"
    rules = figures(items, lambda i: items[i].rules_urgent, lambda i: items[i].rules_case)
    lines = [f"Second opinion: {how} on the tuning splits "
             f"eval/messages/dev and opened only ({len(items)} messages; heldout/ not read).",
             "", "rules alone on dev + opened (the rules were tuned on them: optimistic):"]
    lines += [f"  {name:<18} {ratio(value)}" for name, value in rules.items()]
    results: list[tuple[float, Any]] = []
    for method, sizes, weight in CANDIDATES:
        scores = cross_scores(items, fold, k, sizes=sizes, method=method, weight=weight)
        thresholds = choose(items, scores)

        def urgent(i: int, s: list[dict[str, float]] = scores,
                   t: dict[str, float] = thresholds) -> bool:
            return items[i].rules_urgent or s[i]["urgent"] >= t["urgent"]

        def case(i: int, s: list[dict[str, float]] = scores,
                 t: dict[str, float] = thresholds) -> bool:
            return (items[i].rules_case or s[i]["urgent"] >= t["urgent"]
                    or s[i]["person"] >= t["person"])

        combined = figures(items, urgent, case)
        def model_urgent(i: int, s: list[dict[str, float]] = scores,
                         t: dict[str, float] = thresholds) -> bool:
            return s[i]["urgent"] >= t["urgent"]

        def model_person(i: int, s: list[dict[str, float]] = scores,
                         t: dict[str, float] = thresholds) -> bool:
            return s[i]["person"] >= t["person"]

        alone = figures(items, model_urgent, model_person)
        # The rules were tuned on these messages, so the choice is by what the model
        # catches alone, at the thresholds above.
        gain = sum(alone[n][0] / alone[n][1] for n in ("urgent recall", "person recall"))
        results.append((gain, (method, sizes, weight, thresholds, combined)))
        lines.append("")
        lines.append(f"rules + model, {named(method, sizes, weight)}, "
                     f"thresholds urgent {thresholds['urgent']:.3f} "
                     f"person {thresholds['person']:.3f} (cross-validated):")
        lines += [f"  {name:<18} {ratio(value)}" for name, value in combined.items()]
        lines.append("  the model alone (cross-validated):")
        lines += [f"    {name:<16} {ratio(value)}" for name, value in alone.items()]
    _, (method, sizes, weight, thresholds, combined) = max(results, key=lambda r: r[0])

    lines += ["", f"chosen: {named(method, sizes, weight)}, thresholds "
              f"urgent {thresholds['urgent']:.3f}, person {thresholds['person']:.3f}",
              "default: decided once on batch j held-out by the rule pre-registered in "
              "eval/README.md (on if rules+model raise urgent or person recall by >= 0.02 "
              "over rules alone, lower neither, and false urgent rises by <= 0.01), not here"]
    text = "\n".join(lines) + "\n"
    print(text)  # noqa: T201 -- a benchmark prints its figures
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "second-opinion-cv.txt").write_text(text, encoding="utf-8")
    if args.write:
        (RESULTS / "second-opinion-cv.json").write_text(json.dumps({
            "ngrams": list(sizes), "method": method, **taught_by(method, weight),
            "thresholds": {k: round(v, 3) for k, v in thresholds.items()},
            "cv": {k: list(v) for k, v in combined.items()},
            "rules": {k: list(v) for k, v in rules.items()},
        }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
