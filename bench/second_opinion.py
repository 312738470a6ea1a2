"""Choose the learned second opinion's features and thresholds by cross-validation on the
tuning splits eval/messages/dev and eval/messages/opened ONLY.

`python bench/second_opinion.py [--folds batch|K] [--write]`. It never reads eval/messages/heldout
(batch l, measured once at the end; batches d-k, each measured once, are now in opened/).

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

`--curve` chooses nothing: it cross-validates the SHIPPING model's features only and reports
its operating curve (bench/second_opinion_curve_report.py: other thresholds, per language, a
veto that does not ship) to bench/results/second-opinion-curve.txt and .json.

`--write-higher` (alone, or after `--curve`) writes that curve's allowance-0.05 threshold into
flows/second_opinion.json as `higher_urgent`, the threshold `[triage] urgent_sensitivity =
"higher"` reads urgent at (bench/second_opinion_higher.py); it teaches nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.language import LanguageGuesser  # noqa: E402 -- after the path is set
from app.deployment import load_deployment  # noqa: E402
from app.flows import learned_train  # noqa: E402
from bench.second_opinion_curve_report import curve_main  # noqa: E402
from bench.second_opinion_cv import (  # noqa: E402
    MAX_ADDED_FALSE_URGENT,
    MAX_FALSE_PERSON,
    Candidate,
    Item,
    choose,
    cross_scores,
    figures,
)
from bench.second_opinion_higher import POINT, write_higher  # noqa: E402
from bench.understanding import RESULTS, batch_of, files, reader  # noqa: E402

__all__ = ["MAX_ADDED_FALSE_URGENT", "MAX_FALSE_PERSON", "Item", "choose"]

CANDIDATES: list[Candidate] = [
    # Round 5 (eval/README.md), before batch j was in the repository: the candidates whose
    # model alone scored 0.02 or more below the winner in round 3's cross-validation
    # (urgent + person recall; bench/results/second-opinion-cv-round3.txt) are left out, so
    # that the run fits in a session on two cores: naive Bayes 1-3 and 2-4 (both alphas);
    # logistic 2-4 L2 0.001, 2-5 L2 0.0001, and 3-5 with L2 0.0003, 0.01 and 0.03.
    Candidate("bayes", (2, 5), 0.5), Candidate("bayes", (3, 5), 0.5),
    Candidate("logistic", (2, 5), 0.001), Candidate("logistic", (3, 5), 0.001),
    Candidate("logistic", (3, 5), 0.003),
    # Round 5, for writers the model has never read (urgent recall 0.76 on batch i against
    # the 0.97): urgent examples weighted above calm ones, so a missed danger costs
    # more in training; one model for all languages (a language's model is taught on a
    # tenth of the messages, by few writers); and 6-grams, which hold short words whole
    # with the spaces around them ("kill", "knife", "cyllell"), within the mapped file's
    # eight characters a key.
    Candidate("logistic", (3, 5), 0.001, positive_weight=3.0),
    Candidate("logistic", (3, 5), 0.003, positive_weight=3.0),
    Candidate("logistic", (3, 5), 0.001, shared_only=True),
    Candidate("bayes", (2, 4), 0.5, shared_only=True),
    Candidate("logistic", (3, 6), 0.001),
]
SEED = "second-opinion-cv:20261206"


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
                learned_train.Example(text, language, bool(entry["urgent"]), "person" in labels),
                batch, guesser.guess(text), bool(labels & {"innocent", "info", "greeting"}),
                seen.urgent, seen.case, frozenset(labels)))
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


def ratio(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits}/{total} ({hits / total:.3f})" if total else "-"


def curve_and_higher(args: argparse.Namespace) -> int:
    """`--curve` and/or `--write-higher`: the curve first, so the number written is its own."""
    if args.curve:
        curve_main(dev_items, batch_folds, jobs=args.jobs, save=args.save_scores,
                   load=args.load_scores)
    if args.write_higher:
        written = write_higher(RESULTS / "second-opinion-curve.json",
                               ROOT / "flows" / "second_opinion.json")
        print(f"flows/second_opinion.json: higher_urgent {written}")  # noqa: T201
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="batch",
                        help='"batch" (one fold per writing batch, the default) or a number '
                             "of random folds stratified by language and label")
    parser.add_argument("--write", action="store_true",
                        help="write the chosen features and thresholds for the trainer")
    parser.add_argument("--jobs", type=int, default=0,
                        help="processes teaching models at once (default: one per core)")
    parser.add_argument("--curve", action="store_true",
                        help="report the SHIPPING model's operating curve instead of choosing "
                             "(bench/second_opinion_curve.py); trains nothing that ships")
    parser.add_argument("--save-scores", type=Path,
                        help="with --curve: keep the cross-validated scores in this file")
    parser.add_argument("--load-scores", type=Path,
                        help="with --curve: report from scores kept by --save-scores, "
                             "without teaching again")
    parser.add_argument("--write-higher", action="store_true",
                        help=f"write the curve's {POINT!r} threshold (bench/results/"
                             "second-opinion-curve.json) into flows/second_opinion.json as "
                             "higher_urgent; after --curve when given with it")
    args = parser.parse_args()
    if args.curve or args.write_higher:
        return curve_and_higher(args)
    started = time.monotonic()
    items = dev_items()
    read = time.monotonic()
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
    every = cross_scores(items, fold, k, CANDIDATES, args.jobs)
    for candidate in CANDIDATES:
        scores = every[candidate]
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
        results.append((gain, (candidate, thresholds, combined)))
        lines.append("")
        lines.append(f"rules + model, {candidate.name()}, "
                     f"thresholds urgent {thresholds['urgent']:.3f} "
                     f"person {thresholds['person']:.3f} (cross-validated):")
        lines += [f"  {name:<18} {ratio(value)}" for name, value in combined.items()]
        lines.append("  the model alone (cross-validated):")
        lines += [f"    {name:<16} {ratio(value)}" for name, value in alone.items()]
    # The first of equals wins, as max() chose before.
    _, (chosen, thresholds, combined) = max(results, key=lambda r: r[0])

    lines += ["", f"chosen: {chosen.name()}, thresholds "
              f"urgent {thresholds['urgent']:.3f}, person {thresholds['person']:.3f}",
              "default: decided once on a held-out batch by the rule pre-registered in "
              "eval/README.md (on if rules+model raise urgent or person recall by >= 0.02 "
              "over rules alone, lower neither, and false urgent rises by <= 0.01), not here",
              f"took {time.monotonic() - started:.0f} s ({read - started:.0f} s reading the "
              f"messages with the rules), {args.jobs or 'one per core'} processes"]
    text = "\n".join(lines) + "\n"
    print(text)  # noqa: T201 -- a benchmark prints its figures
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "second-opinion-cv.txt").write_text(text, encoding="utf-8")
    if args.write:
        (RESULTS / "second-opinion-cv.json").write_text(json.dumps({
            "ngrams": list(chosen.sizes), "method": chosen.method, **chosen.taught_by(),
            "thresholds": {k: round(v, 3) for k, v in thresholds.items()},
            "cv": {k: list(v) for k, v in combined.items()},
            "rules": {k: list(v) for k, v in rules.items()},
        }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
