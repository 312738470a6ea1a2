"""The learned second opinion's operating curve (issue 21): what the rules + the model would
read at urgent thresholds other than the shipping one, on cross-validated scores.

Issue 21 asks urgent recall >= 0.97 with false urgent <= 0.02; the shipping threshold lets
the model add at most 0.01 false urgent, and neither rule tuning nor retraining moves the
held-out figures any more. Which trade-off to make is the planner's decision; this module
gives the figures for it. It is pure (items, scores and thresholds in, counts out) and
decides nothing: `bench/second_opinion.py --curve` runs the cross-validation and reports.

A threshold at an ALLOWANCE is chosen exactly as the shipping one is
(`second_opinion_cv.choose`): the lowest urgent score at which the model adds at most that
share of false urgent readings, counted over the calm (innocent, info or greeting) messages
not labelled urgent that the rules do not already read urgent.

The VETO is not shipping and must not ship as it stands: it lets the model LOWER a rule's
urgent reading (to high) when its urgent score is below a threshold, which breaks the rule
that triage only raises (`learned.raised`). It is measured so the planner can see what that
rule costs, nothing more.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.second_opinion_cv import Item, lowest

Scores = Sequence[dict[str, float]]


@dataclass(frozen=True)
class Counts:
    """What one way of reading did to a set of messages: (hits, of how many) per measure."""

    urgent_recall: tuple[int, int]
    urgent_precision: tuple[int, int]
    person_recall: tuple[int, int]
    false_urgent: tuple[int, int]  # info + innocent, not urgent: as the held-out tables
    false_urgent_info: tuple[int, int]
    false_urgent_innocent: tuple[int, int]
    # Of the urgent messages the rules do not read urgent, how many this reading finds:
    # the model's own contribution, the part that does not depend on rules tuned on dev.
    rules_missed_found: tuple[int, int]

    def as_dict(self) -> dict[str, list[int]]:
        return {name: list(value) for name, value in asdict(self).items()}


def read_urgent(item: Item, score: float, *, threshold: float, veto: float | None = None,
                model_only: bool = False) -> bool:
    """Urgent as the service would read it: the rules OR the model (score at or above
    `threshold`). With `veto` (NOT shipping) a rule's urgent reading stands only if the
    model's score is at least `veto`; `model_only` ignores the rules."""
    model = score >= threshold
    if model_only:
        return model
    rules = item.rules_urgent and (veto is None or score >= veto)
    return rules or model


def count(items: Sequence[Item], scores: Scores, *, threshold: float,
          person_threshold: float, veto: float | None = None,
          model_only: bool = False) -> Counts:
    """The measures for `items` read at these thresholds (see `read_urgent`). A case opens
    when the rules open one or the model reads urgent or a person, as `learned.raised` and
    the flow do; the model alone opens one on its person reading, as bench/second_opinion.py
    reports it."""
    urgent = [read_urgent(item, s["urgent"], threshold=threshold, veto=veto,
                          model_only=model_only) for item, s in zip(items, scores, strict=True)]
    person_read = [s["person"] >= person_threshold for s in scores]
    case = [person_read[i] if model_only
            else item.rules_case or scores[i]["urgent"] >= threshold or person_read[i]
            for i, item in enumerate(items)]

    def rate(members: list[int], hit: list[bool]) -> tuple[int, int]:
        return sum(1 for i in members if hit[i]), len(members)

    every = range(len(items))
    truly = [item.example.urgent for item in items]
    calm = [i for i in every if not truly[i]]
    return Counts(
        urgent_recall=rate([i for i in every if truly[i]], urgent),
        urgent_precision=rate([i for i in every if urgent[i]], truly),
        person_recall=rate([i for i in every if items[i].example.person], case),
        false_urgent=rate([i for i in calm if items[i].labels & {"info", "innocent"}],
                          urgent),
        false_urgent_info=rate([i for i in calm if "info" in items[i].labels
                                and "innocent" not in items[i].labels], urgent),
        false_urgent_innocent=rate([i for i in calm if "innocent" in items[i].labels],
                                   urgent),
        rules_missed_found=rate([i for i in every if truly[i] and not items[i].rules_urgent],
                                urgent),
    )


def allowance_negatives(items: Sequence[Item]) -> list[int]:
    """The messages an allowance is a share of: calm, not urgent, not read urgent by the
    rules (`second_opinion_cv.choose`)."""
    return [i for i, item in enumerate(items)
            if item.calm and not item.example.urgent and not item.rules_urgent]


def threshold_for_allowance(items: Sequence[Item], scores: Scores, allowance: float) -> float:
    """The lowest urgent threshold at which the model adds at most `allowance` false urgent
    readings: `second_opinion_cv.choose`'s urgent threshold when `allowance` is the shipping
    0.01."""
    return lowest(list(scores), "urgent", already=lambda i: False, limit=allowance,
                  negatives=allowance_negatives(items))


def added_false_urgent(items: Sequence[Item], scores: Scores, threshold: float
                       ) -> tuple[int, int]:
    """What the model adds at `threshold`, in the allowance's own measure."""
    negatives = allowance_negatives(items)
    return sum(1 for i in negatives if scores[i]["urgent"] >= threshold), len(negatives)


def threshold_for_recall(items: Sequence[Item], scores: Scores, target: float
                         ) -> float | None:
    """The highest urgent threshold at which the rules OR the model find at least `target`
    of the urgent messages; None when even reading every scored message urgent does not."""
    urgent = [i for i, item in enumerate(items) if item.example.urgent]
    needed = math.ceil(target * len(urgent) - 1e-9)
    found_by_rules = sum(1 for i in urgent if items[i].rules_urgent)
    missed = sorted((scores[i]["urgent"] for i in urgent if not items[i].rules_urgent),
                    reverse=True)
    more = needed - found_by_rules
    if more <= 0:
        return math.inf  # the rules reach it alone: the model need add nothing
    if more > len(missed) or missed[more - 1] == -math.inf:
        return None
    return missed[more - 1]


def veto_for_loss(items: Sequence[Item], scores: Scores, loss: float) -> float:
    """The highest veto threshold that lowers at most `loss` of all urgent messages from
    the rules' urgent reading (urgent recall falls by at most `loss` before the model adds
    anything back)."""
    kept = sorted(scores[i]["urgent"] for i, item in enumerate(items)
                  if item.example.urgent and item.rules_urgent)
    total = sum(1 for item in items if item.example.urgent)
    allowed = math.floor(loss * total + 1e-9)
    if allowed >= len(kept):
        return math.inf
    # Scores strictly below kept[allowed] are at most `allowed`; ties at it stay urgent.
    candidate = kept[allowed]
    assert bisect_left(kept, candidate) <= allowed  # noqa: S101 -- the invariant above
    return candidate


def by_batch_thresholds(items: Sequence[Item], scores: Scores, allowance: float
                        ) -> dict[str, float]:
    """For each writing batch, the allowance's threshold chosen on the OTHER batches only:
    so a batch's figures are not flattered by a threshold fitted to it."""
    thresholds = {}
    for batch in sorted({item.batch for item in items}):
        others = [i for i, item in enumerate(items) if item.batch != batch]
        thresholds[batch] = threshold_for_allowance(
            [items[i] for i in others], [scores[i] for i in others], allowance)
    return thresholds


def count_by_batch(items: Sequence[Item], scores: Scores, thresholds: dict[str, float],
                   person_threshold: float) -> Counts:
    """The measures summed over batches, each read at its own threshold."""
    parts = []
    for batch, threshold in thresholds.items():
        members = [i for i, item in enumerate(items) if item.batch == batch]
        parts.append(count([items[i] for i in members], [scores[i] for i in members],
                           threshold=threshold, person_threshold=person_threshold))
    summed: dict[str, Any] = {}
    for part in parts:
        for name, (hits, total) in asdict(part).items():
            before = summed.get(name, (0, 0))
            summed[name] = (before[0] + hits, before[1] + total)
    return Counts(**summed)


def language_subset(items: Sequence[Item], scores: Scores, language: str
                    ) -> tuple[list[Item], list[dict[str, float]]]:
    members = [i for i, item in enumerate(items) if item.example.language == language]
    return [items[i] for i in members], [scores[i] for i in members]


def unseen_estimate(rules_recall: float, rules_false: float, missed: float, added: float
                    ) -> tuple[float, float]:
    """ARITHMETIC, not a measurement: urgent recall and false urgent on a batch where the
    rules alone read `rules_recall` and `rules_false`, if the model finds the same share
    (`missed`) of the urgent messages the rules miss, and adds the same share (`added`) of
    the calm messages they leave alone, as it does on the cross-validated tuning splits."""
    return (rules_recall + (1 - rules_recall) * missed,
            rules_false + (1 - rules_false) * added)
