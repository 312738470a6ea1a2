"""The second opinion taught by logistic regression (app/flows/learned.py `method`): it
reads what it was taught, the same examples always give the same weights, and its weights
are log-odds in the same file and scoring as naive Bayes'."""

from __future__ import annotations

from typing import Any

import pytest

from app.flows import learned, learned_train
from app.flows.learned import Opinion
from app.flows.said import Said
from tests.flows.test_second_opinion import TAUGHT


def taught(**extra: Any) -> learned.SecondOpinion:
    return learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0},
                               sizes=(2, 4), min_language=5, method="logistic",
                               **extra)


def test_it_reads_what_it_was_taught() -> None:
    opinion = taught(epochs=30)
    assert opinion.read("a blade, hes outside", "en") == Opinion(urgent=True, person=False)
    assert opinion.read("can I chat with a human", "en") == Opinion(urgent=False, person=True)
    assert opinion.read("what time does the library open", "en") == Opinion()


def test_the_same_examples_give_the_same_weights() -> None:
    # The file is generated and committed: retraining on unchanged data must not churn it.
    first, second = taught(), taught()
    assert learned_train.to_data(first, "x") == learned_train.to_data(second, "x")


def test_a_stronger_penalty_gives_smaller_weights() -> None:
    def largest(opinion: learned.SecondOpinion) -> float:
        shared = opinion.models[learned.SHARED]
        assert isinstance(shared, learned._Model)  # noqa: SLF001 -- as taught, not packed
        return max(abs(w) for w in shared.weights["urgent"].values())

    assert largest(taught(l2=1.0, epochs=30)) < largest(taught(l2=0.0001, epochs=30))


def test_its_file_loads_like_naive_bayes() -> None:
    data = learned_train.to_data(taught(), "logistic regression, a test")
    loaded = learned.parse(data)
    assert loaded.read("hes outside with a blade", "en").urgent


def test_weighting_positive_examples_raises_their_scores() -> None:
    # A missed urgent message costs more than a false alarm: every urgent example scores
    # higher than when both cost the same.
    plain, weighted = taught(epochs=30), taught(epochs=30, positive_weight=4.0)
    for example in TAUGHT:
        if example.urgent:
            assert (weighted.scores(example.text, example.language)["urgent"]
                    > plain.scores(example.text, example.language)["urgent"])


def test_n_grams_made_once_teach_the_same_model() -> None:
    # Cross-validation hands in each message's n-grams, made once, instead of the texts.
    grams = [learned.features(Said.of(e.text).folded, (2, 4)) for e in TAUGHT]
    assert learned_train.to_data(taught(grams=grams), "x") == learned_train.to_data(taught(), "x")


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0}, method="forest")
