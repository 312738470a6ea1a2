"""The second opinion's operating curve (bench/second_opinion_curve.py), on tables small
enough to count by hand: what rules + model read at a threshold, the threshold an allowance
or a recall target gives, and the veto that is NOT shipping."""

from __future__ import annotations

import math
import random

import pytest

from app.flows.learned_train import Example
from bench import second_opinion_curve as curve
from bench.second_opinion_cv import Item, choose


def item(*, urgent: bool = False, rules: bool = False, labels: str = "", batch: str = "a",
         language: str = "en", person: bool = False) -> Item:
    kinds = frozenset(labels.split())
    return Item(Example("message", language, urgent, person), batch, language,
                bool(kinds & {"innocent", "info", "greeting"}), rules, rules, kinds)


# name: (item, urgent score)
TABLE = {
    "urgent, rules read it": (item(urgent=True, rules=True, labels="urgent"), 5.0),
    "urgent, rules miss, model high": (item(urgent=True, labels="urgent"), 3.0),
    "urgent, rules miss, model low": (item(urgent=True, labels="urgent"), -1.0),
    "innocent, rules read urgent": (item(rules=True, labels="innocent"), 0.0),
    "info, model high": (item(labels="info"), 4.0),
    "innocent, model low": (item(labels="innocent"), 1.0),
}
ITEMS = [entry[0] for entry in TABLE.values()]
SCORES = [{"urgent": entry[1], "person": 0.0} for entry in TABLE.values()]


def test_rules_or_model_counted_by_hand() -> None:
    counts = curve.count(ITEMS, SCORES, threshold=2.0, person_threshold=math.inf)
    # Read urgent: the rules' two, and the model's "urgent, high" and "info, high".
    assert counts.urgent_recall == (2, 3)
    assert counts.urgent_precision == (2, 4)
    assert counts.false_urgent == (2, 3)
    assert counts.false_urgent_info == (1, 1)
    assert counts.false_urgent_innocent == (1, 2)
    assert counts.rules_missed_found == (1, 2)


def test_the_model_alone_ignores_the_rules() -> None:
    counts = curve.count(ITEMS, SCORES, threshold=2.0, person_threshold=math.inf,
                         model_only=True)
    assert counts.urgent_recall == (2, 3)  # scores 5 and 3
    assert counts.false_urgent == (1, 3)  # the info message only


def test_the_veto_lowers_only_rule_readings_below_it() -> None:
    counts = curve.count(ITEMS, SCORES, threshold=2.0, person_threshold=math.inf, veto=1.0)
    # The innocent message the rules read urgent scores 0: lowered. The urgent one (5) stays.
    assert counts.false_urgent == (1, 3)
    assert counts.urgent_recall == (2, 3)


def test_a_case_opens_on_the_rules_or_the_models_urgent_or_person_reading() -> None:
    items = [item(person=True), item(person=True), item(person=True, rules=True)]
    scores = [{"urgent": 9.0, "person": 0.0}, {"urgent": 0.0, "person": 0.0},
              {"urgent": 0.0, "person": -5.0}]
    assert curve.count(items, scores, threshold=5.0, person_threshold=1.0
                       ).person_recall == (2, 3)


@pytest.mark.parametrize(("allowance", "expected"), [(0.0, 5.0), (0.5, 3.0), (1.0, -1.0)])
def test_an_allowance_counts_only_calm_messages_the_rules_do_not_read(
        allowance: float, expected: float) -> None:
    # The allowance's messages: "info, model high" (4) and "innocent, model low" (1); the
    # innocent message the rules read urgent is not the model's doing.
    assert curve.threshold_for_allowance(ITEMS, SCORES, allowance) == expected


def test_the_shipping_allowance_gives_the_shipping_procedures_threshold() -> None:
    rng = random.Random(9)  # noqa: S311 -- test data, not a secret
    items = [item(urgent=rng.random() < 0.3, rules=rng.random() < 0.3,
                  labels=rng.choice(["innocent", "info", "greeting", "help"]))
             for _ in range(400)]
    scores = [{"urgent": rng.gauss(0, 3), "person": rng.gauss(0, 3)} for _ in items]
    assert curve.threshold_for_allowance(items, scores, 0.01) == choose(items, scores)["urgent"]


@pytest.mark.parametrize(("target", "expected"), [(0.3, math.inf), (0.6, 3.0), (1.0, -1.0)])
def test_the_highest_threshold_that_reaches_a_recall_target(target: float,
                                                            expected: float) -> None:
    threshold = curve.threshold_for_recall(ITEMS, SCORES, target)
    assert threshold == expected
    found = curve.count(ITEMS, SCORES, threshold=threshold, person_threshold=math.inf)
    assert found.urgent_recall[0] >= target * 3


def test_a_recall_no_score_reaches_is_none() -> None:
    items = [item(urgent=True, rules=True), item(urgent=True)]
    scores = [{"urgent": 1.0, "person": 0.0}, {"urgent": -math.inf, "person": 0.0}]
    assert curve.threshold_for_recall(items, scores, 1.0) is None


def test_the_veto_for_a_loss_lowers_at_most_that_share_of_urgent_messages() -> None:
    # Ten urgent messages the rules read, scores 0..9, and ten calm ones.
    items = [item(urgent=True, rules=True) for _ in range(10)] + \
        [item(labels="innocent", rules=True) for _ in range(10)]
    scores = [{"urgent": float(n % 10), "person": 0.0} for n in range(20)]
    assert curve.veto_for_loss(items, scores, 0.2) == 2.0  # lowers the urgent 0 and 1
    assert curve.veto_for_loss(items, scores, 0.0) == 0.0  # lowers none
    counts = curve.count(items, scores, threshold=math.inf, person_threshold=math.inf,
                         veto=2.0)
    assert counts.urgent_recall == (8, 10)
    assert counts.false_urgent == (8, 10)


def test_a_batchs_threshold_is_chosen_without_its_own_scores() -> None:
    items = [item(labels="info", batch=b) for b in "aabbcc"]
    scores = [{"urgent": float(n), "person": 0.0} for n in range(6)]
    before = curve.by_batch_thresholds(items, scores, 0.25)
    scores[0]["urgent"] = scores[1]["urgent"] = 100.0  # batch a's scores only
    after = curve.by_batch_thresholds(items, scores, 0.25)
    assert after["a"] == before["a"]
    assert after["b"] != before["b"]


def test_the_unseen_estimate_adds_the_models_shares_to_what_the_rules_leave() -> None:
    # Rules find 0.6 and read 0.2 urgent; the model finds half of the rest and adds a
    # tenth of the calm messages the rules leave alone.
    recall, false = curve.unseen_estimate(0.6, 0.2, 0.5, 0.1)
    assert recall == pytest.approx(0.8)
    assert false == pytest.approx(0.28)
