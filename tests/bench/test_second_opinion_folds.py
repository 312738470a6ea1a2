"""How the learned second opinion's thresholds are chosen (bench/second_opinion.py): each
writing batch is scored by a model that never read it, and the urgent threshold is held to
what the model ADDS, so rules that already read some calm messages urgent do not leave it
no room at all."""

from __future__ import annotations

import math
import random

from app.flows.learned_train import Example
from bench import second_opinion, second_opinion_cv
from bench.second_opinion import Item


def item(n: int, batch: str, *, urgent: bool = False, calm: bool = True,
         rules_urgent: bool = False) -> Item:
    return Item(Example(f"message {n}", "en", urgent, False), batch, "en", calm,
                rules_urgent, rules_urgent)


def test_each_writing_batch_is_a_fold_of_its_own() -> None:
    items = [item(n, batch) for n, batch in enumerate("aabbcdda")]
    fold, k = second_opinion.batch_folds(items)
    assert k == 4
    assert fold == [0, 0, 1, 1, 2, 3, 3, 0]


def test_the_urgent_threshold_limits_what_the_model_adds_not_the_rules() -> None:
    # 300 calm messages, none urgent; the rules already read 30 of them urgent (0.10, far
    # over any limit). The model's urgent score for message n is n.
    items = [item(n, "a", rules_urgent=n % 10 == 0) for n in range(300)]
    scores = [{"urgent": float(n), "person": 0.0} for n in range(300)]
    threshold = second_opinion.choose(items, scores)["urgent"]
    added = [n for n in range(300) if n % 10 and scores[n]["urgent"] >= threshold]
    assert added  # the model may still read some...
    assert len(added) <= second_opinion.MAX_ADDED_FALSE_URGENT * 270  # ...within its budget


def test_the_threshold_is_the_one_a_count_at_every_score_finds() -> None:
    # The walk down sorted scores (bench/second_opinion_cv.py `lowest`) against counting the
    # negatives read at each score, as it was first written: ties, a score shared by
    # positives and negatives, and scores of messages with no n-grams (-inf) included.
    rng = random.Random(21)  # noqa: S311 -- test data, not a secret
    for trial in range(200):
        scores = [{"urgent": rng.choice([-math.inf, *range(-5, 6)])
                   + rng.random() * (trial % 2)} for _ in range(rng.randint(1, 60))]
        negatives = [i for i in range(len(scores)) if rng.random() < 0.7]
        for limit in (0.0, 0.01, 0.1, 0.5):
            counted = sorted({s["urgent"] for s in scores}, reverse=True)
            expected = counted[0] + 1.0
            for threshold in counted:
                if sum(1 for i in negatives if scores[i]["urgent"] >= threshold) \
                        > limit * len(negatives):
                    break
                expected = threshold
            assert second_opinion_cv.lowest(scores, "urgent", already=lambda i: False,
                                            limit=limit, negatives=negatives) == expected
