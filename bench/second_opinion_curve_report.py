"""`python bench/second_opinion.py --curve`: the shipping second opinion's operating curve,
by leave-one-batch-out cross-validation on eval/messages/dev and opened ONLY (heldout/ is
never read), written to bench/results/second-opinion-curve.txt and .json.

Only the shipping model's features and teaching are cross-validated (the choice file
bench/results/second-opinion-cv.json that trained flows/second_opinion.json, checked against
it): one candidate, one model per writing batch. Nothing that ships is retrained, rewritten or
read differently; the figures are for the planner's trade-off (issue 21).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.second_opinion_curve import (
    Counts,
    added_false_urgent,
    by_batch_thresholds,
    count,
    count_by_batch,
    language_subset,
    threshold_for_allowance,
    threshold_for_recall,
    unseen_estimate,
    veto_for_loss,
)
from bench.second_opinion_cv import MAX_ADDED_FALSE_URGENT, Candidate, Item, choose, cross_scores
from bench.understanding import RESULTS, ROOT

ALLOWANCES = (0.0, 0.01, 0.02, 0.05, 0.10, 0.20)
RECALL_TARGETS = (0.90, 0.95)
VETO_LOSSES = (0.005, 0.01, 0.02, 0.05)
VETO_ALLOWANCES = (MAX_ADDED_FALSE_URGENT, 0.05)
# Batch k, held out, the rules of f2d6446 alone and with the shipping second opinion
# (eval/README.md, "Applied: batch k"): urgent found, urgent, false urgent, info + innocent.
BATCH_K_RULES = (129, 216, 54, 217)
BATCH_K_SHIPPING = (182, 216, 55, 217)


def shipping_candidate() -> tuple[Candidate, dict[str, float]]:
    """The candidate that taught the shipping model, and the model's thresholds; refuses
    when the choice file and flows/second_opinion.json disagree on what they can both say."""
    choice = json.loads((RESULTS / "second-opinion-cv.json").read_text(encoding="utf-8"))
    shipped = json.loads((ROOT / "flows" / "second_opinion.json").read_text(encoding="utf-8"))
    method = choice.get("method", "bayes")
    candidate = Candidate(
        method, (int(choice["ngrams"][0]), int(choice["ngrams"][1])),
        float(choice["l2"] if method == "logistic" else choice["alpha"]),
        positive_weight=float(choice.get("positive_weight", 1.0)),
        shared_only="min_language" in choice)
    thresholds = {k: float(v) for k, v in shipped["thresholds"].items()}
    if list(shipped["ngrams"]) != list(choice["ngrams"]) or thresholds != choice["thresholds"]:
        raise SystemExit("bench/results/second-opinion-cv.json does not describe "
                         "flows/second_opinion.json: the shipping model's features are unknown")
    return candidate, thresholds


def digest(items: list[Item]) -> str:
    """Which messages, in which order, a kept set of scores belongs to."""
    return hashlib.sha256("\n".join(i.example.text for i in items).encode()).hexdigest()


def ratio(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits}/{total} ({hits / total:.3f})" if total else "-"


def share(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits / total:.3f}" if total else "-"


def finite(value: float | None) -> float | None:
    """A threshold for JSON: None when it reads nothing (inf) or is not reached."""
    return round(value, 3) if value is not None and math.isfinite(value) else None


def shown(value: float | None) -> str:
    if value is None:
        return "not reached"
    return "none needed" if value == math.inf else f"{value:.3f}"


HEAD_BOTH = (f"  {'':<26} {'threshold':>9} {'added':>6} | {'urgent recall':>19} "
             f"{'prec.':>6} {'person':>6} {'false urgent':>17} {'info':>6} {'innoc.':>6} "
             f"{'missed':>6} |")
HEAD = f"{HEAD_BOTH} {'alone: recall':>13} {'prec.':>6} {'false':>6}"


def row(name: str, threshold: float | str, added: tuple[int, int], both: Counts,
        alone: Counts | None) -> str:
    at = threshold if isinstance(threshold, str) else shown(threshold)
    text = (f"  {name:<26} {at:>9} {share(added):>6} | "
            f"{ratio(both.urgent_recall):>19} {share(both.urgent_precision):>6} "
            f"{share(both.person_recall):>6} {ratio(both.false_urgent):>17} "
            f"{share(both.false_urgent_info):>6} {share(both.false_urgent_innocent):>6} "
            f"{share(both.rules_missed_found):>6} |")
    if alone is not None:
        text += (f" {share(alone.urgent_recall):>13} {share(alone.urgent_precision):>6} "
                 f"{share(alone.false_urgent):>6}")
    return text


def curve(items: list[Item], scores: list[dict[str, float]], person: float,
          shipped_urgent: float) -> tuple[list[str], dict[str, Any]]:
    """The curve's lines and JSON: rules alone, each allowance, the shipping threshold as a
    number, and the thresholds that reach each recall target."""
    none = math.inf
    rules = count(items, scores, threshold=none, person_threshold=none)
    lines = ["Rules alone (tuned on these very messages: optimistic; on the ten blind batches "
             "they found 0.51-0.71 of urgent messages):",
             f"  urgent recall {ratio(rules.urgent_recall)}, precision "
             f"{ratio(rules.urgent_precision)}, false urgent (info + innocent) "
             f"{ratio(rules.false_urgent)}: info {ratio(rules.false_urgent_info)}, innocent "
             f"{ratio(rules.false_urgent_innocent)}", "",
             "Rules + model (the service reads urgent if either does) and the model alone, "
             "cross-validated:", HEAD]
    points: list[dict[str, Any]] = []
    named: list[tuple[str, float]] = [(f"allowance {a:.2f}", threshold_for_allowance(
        items, scores, a)) for a in ALLOWANCES]
    named.append((f"shipping number {shipped_urgent:.3f}", shipped_urgent))
    for target in RECALL_TARGETS:
        found = threshold_for_recall(items, scores, target)
        named.append((f"urgent recall >= {target:.2f}", found if found is not None else none))
        if found is None:
            named[-1] = (f"urgent recall >= {target:.2f} (not reached)", none)
    for name, threshold in named:
        both = count(items, scores, threshold=threshold, person_threshold=person)
        alone = count(items, scores, threshold=threshold, person_threshold=person,
                      model_only=True)
        added = added_false_urgent(items, scores, threshold)
        lines.append(row(name, threshold, added, both, alone))
        points.append({"name": name, "threshold": finite(threshold), "added": list(added),
                       "rules_and_model": both.as_dict(), "model_alone": alone.as_dict()})
    return lines, {"rules": rules.as_dict(), "points": points}


def honest(items: list[Item], scores: list[dict[str, float]], person: float
           ) -> tuple[list[str], list[dict[str, Any]]]:
    """Each allowance with each batch's threshold chosen on the other batches only."""
    lines = ["Each batch read at a threshold chosen WITHOUT it (the allowance fitted on the "
             "other batches' scores): what an unseen batch meets", HEAD_BOTH]
    found = []
    for allowance in ALLOWANCES:
        thresholds = by_batch_thresholds(items, scores, allowance)
        both = count_by_batch(items, scores, thresholds, person)
        each = [added_false_urgent(*_batch(items, scores, b), t) for b, t in thresholds.items()]
        added = (sum(hits for hits, _ in each), sum(total for _, total in each))
        lines.append(row(f"allowance {allowance:.2f}", "per batch", added, both, None))
        found.append({"allowance": allowance, "added": list(added),
                      "thresholds": {b: finite(t) for b, t in thresholds.items()},
                      "rules_and_model": both.as_dict()})
    return lines, found


def _batch(items: list[Item], scores: list[dict[str, float]], batch: str
           ) -> tuple[list[Item], list[dict[str, float]]]:
    members = [i for i, item in enumerate(items) if item.batch == batch]
    return [items[i] for i in members], [scores[i] for i in members]


def languages(items: list[Item], scores: list[dict[str, float]], person: float,
              points: list[tuple[str, float]]) -> tuple[list[str], dict[str, Any]]:
    """Per language: the rules alone and rules + model at each named threshold."""
    names = sorted({item.example.language for item in items})
    lines = ["Per language, urgent recall / false urgent (info + innocent): rules alone, then "
             "rules + model at " + "; ".join(f"{n} ({shown(t)})" for n, t in points)]
    found: dict[str, Any] = {}
    for language in names:
        some, their = language_subset(items, scores, language)
        readings = [("rules alone", math.inf), *points]
        cells, kept = [], {}
        for name, threshold in readings:
            counts = count(some, their, threshold=threshold, person_threshold=person)
            cells.append(f"{share(counts.urgent_recall)} / {share(counts.false_urgent)}")
            kept[name] = counts.as_dict()
        total = sum(1 for item in some if item.example.urgent)
        lines.append(f"  {language} ({total} urgent): " + " | ".join(cells))
        found[language] = kept
    return lines, found


def vetoes(items: list[Item], scores: list[dict[str, float]], person: float
           ) -> tuple[list[str], list[dict[str, Any]]]:
    """The veto, NOT shipping, at a few thresholds each lowering at most a share of urgent."""
    lines = ["VETO, NOT SHIPPING (it would break 'triage only raises': the model lowers a "
             "rule's urgent reading to high when its urgent score is below the veto):",
             f"  {'':<40} {'veto':>8} | {'urgent recall':>19} {'precision':>6} "
             f"{'false urgent':>17} {'info':>6} {'innoc.':>6}"]
    found = []
    for allowance in VETO_ALLOWANCES:
        threshold = threshold_for_allowance(items, scores, allowance)
        for loss in VETO_LOSSES:
            veto = veto_for_loss(items, scores, loss)
            c = count(items, scores, threshold=threshold, person_threshold=person, veto=veto)
            name = f"allowance {allowance:.2f}, veto losing <= {loss:.3f}"
            lines.append(f"  {name:<40} {shown(veto):>8} | {ratio(c.urgent_recall):>19} "
                         f"{share(c.urgent_precision):>6} {ratio(c.false_urgent):>17} "
                         f"{share(c.false_urgent_info):>6} {share(c.false_urgent_innocent):>6}")
            found.append({"allowance": allowance, "loss": loss, "veto": finite(veto),
                          "threshold": finite(threshold), "rules_and_model": c.as_dict()})
    return lines, found


def curve_main(dev_items: Callable[[], list[Item]],
               batch_folds: Callable[[list[Item]], tuple[list[int], int]], *, jobs: int,
               save: Path | None, load: Path | None) -> int:
    """Cross-validate the shipping candidate (or read kept scores) and write the report."""
    started = time.monotonic()
    candidate, shipped = shipping_candidate()
    items = dev_items()
    read = time.monotonic() - started
    if load is not None:
        kept = json.loads(load.read_text(encoding="utf-8"))
        if kept["digest"] != digest(items) or kept["candidate"] != candidate.name():
            raise SystemExit(f"{load} holds scores of other messages or another model")
        scores = [{"urgent": u, "person": p} for u, p in kept["scores"]]
        took, folds = float(kept["took"]), int(kept["folds"])
    else:
        fold, folds = batch_folds(items)
        taught = time.monotonic()
        scores = cross_scores(items, fold, folds, [candidate], jobs)[candidate]
        took = time.monotonic() - taught
        if save is not None:
            save.write_text(json.dumps({
                "digest": digest(items), "candidate": candidate.name(), "took": took,
                "folds": folds, "scores": [[s["urgent"], s["person"]] for s in scores]}),
                encoding="utf-8")
    person = choose(items, scores)["person"]
    batches = "".join(sorted({item.batch for item in items}))
    lines = [
        "Second opinion: OPERATING CURVE of the shipping model's features (issue 21). "
        "Nothing that ships was changed.",
        f"{candidate.name()} (bench/results/second-opinion-cv.json, the choice that taught "
        f"flows/second_opinion.json: thresholds urgent {shipped['urgent']:.3f}, person "
        f"{shipped['person']:.3f}).",
        f"Leave-one-batch-out over {folds} writing batches ({batches}): each batch scored by a "
        f"model taught on the others; {len(items)} messages of eval/messages/dev and opened "
        "(heldout/ not read).",
        f"Cross-validation {took:.0f} s wall, reading with the "
        f"rules {read:.0f} s{' (this report from kept scores)' if load else ''}.",
        "",
        "allowance: the share of calm (info, innocent, greeting) messages not labelled "
        "urgent, and not read urgent by the rules, that the model may ADD as urgent; the "
        "threshold is the lowest that keeps to it, chosen as the shipping one is (0.01). "
        "'added' is that share at the threshold.",
        "false urgent: info + innocent messages not labelled urgent read urgent (as the "
        "held-out tables in eval/README.md). missed: of the urgent messages the rules do not "
        "read urgent, the share found (the model's own part). person: person recall at the "
        f"cross-validated person threshold {person:.3f}, the same on every row.",
        "",
    ]
    body, data = curve(items, scores, person, shipped["urgent"])
    lines += [*body, ""]
    nested, data["chosen_without_the_batch"] = honest(items, scores, person)
    lines += [*nested, ""]
    targets = [(f"allowance {MAX_ADDED_FALSE_URGENT:.2f} (shipping)",
                threshold_for_allowance(items, scores, MAX_ADDED_FALSE_URGENT))]
    for target in RECALL_TARGETS:
        found = threshold_for_recall(items, scores, target)
        if found is not None:
            targets.append((f"recall {target:.2f}", found))
        else:
            lines.append(f"Urgent recall {target:.2f} is not reached at any threshold.")
    per_language, data["languages"] = languages(items, scores, person, targets)
    lines += [*per_language, ""]
    veto, data["veto_not_shipping"] = vetoes(items, scores, person)
    lines += [*veto, ""]
    unseen, data["unseen_arithmetic"] = arithmetic(data["points"])
    lines += [*unseen, "", *caveats(data["rules"])]
    data.update({"candidate": candidate.name(), "messages": len(items), "folds": folds,
                 "batches": batches, "cross_validation_seconds": round(took),
                 "person_threshold": round(person, 3), "shipping_thresholds": shipped})
    text = "\n".join(lines) + "\n"
    print(text)  # noqa: T201 -- a benchmark prints its figures
    (RESULTS / "second-opinion-curve.txt").write_text(text, encoding="utf-8")
    (RESULTS / "second-opinion-curve.json").write_text(json.dumps(data, indent=1) + "\n",
                                                       encoding="utf-8")
    return 0


def arithmetic(points: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Each allowance carried to batch k by `unseen_estimate`: ARITHMETIC, not measured."""
    found, urgent, false, calm = BATCH_K_RULES
    rules_recall, rules_false = found / urgent, false / calm
    lines = ["FOR UNSEEN WRITERS, ARITHMETIC, NOT MEASURED: batch k's rules alone (urgent recall "
             f"{rules_recall:.3f}, false urgent {rules_false:.3f}) plus the model's "
             "cross-validated shares above ('missed' of the urgent messages the rules miss, "
             "'added' of the calm ones they leave).",
             f"  check at the shipping threshold: measured on batch k {BATCH_K_SHIPPING[0]}/"
             f"{BATCH_K_SHIPPING[1]} ({BATCH_K_SHIPPING[0] / BATCH_K_SHIPPING[1]:.3f}) urgent "
             f"recall, {BATCH_K_SHIPPING[2]}/{BATCH_K_SHIPPING[3]} "
             f"({BATCH_K_SHIPPING[2] / BATCH_K_SHIPPING[3]:.3f}) false urgent"]
    found_points = []
    for point in points:
        missed = point["rules_and_model"]["rules_missed_found"]
        added = point["added"]
        if not missed[1] or not added[1]:
            continue
        recall, false_urgent = unseen_estimate(rules_recall, rules_false,
                                               missed[0] / missed[1], added[0] / added[1])
        lines.append(f"  {point['name']:<40} urgent recall ~{recall:.2f}, "
                     f"false urgent ~{false_urgent:.2f}")
        found_points.append({"name": point["name"], "urgent_recall": round(recall, 3),
                             "false_urgent": round(false_urgent, 3)})
    return lines, found_points


def caveats(rules: dict[str, list[int]]) -> list[str]:
    """What the figures cannot say, with the rules' own figures on these messages."""
    found, urgent = rules["urgent_recall"]
    false, calm = rules["false_urgent"]
    return [
        "How far to trust these figures:",
        f"- The rules were tuned on these very messages: here they find {found / urgent:.2f} "
        f"of urgent messages and read {false / calm:.2f} of info and innocent ones urgent; "
        "on the ten blind batches, before anyone read them, they found 0.51-0.71 (0.60 on "
        "j and k) and on the last four read 0.18-0.25 urgent (eval/README.md). Every "
        "absolute figure above is optimistic for unseen writers.",
        "- The model's scores are honest in one way (no batch is scored by a model that read "
        "it), but the allowance and recall-target thresholds are fitted on the same scores "
        "they are reported on; the 'chosen WITHOUT it' table is not.",
        "- 'missed' (the share of the urgent messages the rules miss that the model finds) "
        "leans least on the rules' tuning; on batch k the shipping model found 53 of the 87 "
        "the rules missed (0.61), with 1 false urgent reading added of 217.",
        "- Nothing here changes what ships: flows/second_opinion.json, its thresholds and the "
        "triage rules are untouched; the veto is a measurement, not a proposal to ship.",
    ]
