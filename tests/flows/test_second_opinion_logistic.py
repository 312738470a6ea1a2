"""The second opinion taught by logistic regression (app/flows/learned.py `method`): it
reads what it was taught, the same examples always give the same weights, and its weights
are log-odds in the same file and scoring as naive Bayes'."""

from __future__ import annotations

import pytest

from app.flows import learned
from app.flows.learned import Opinion
from tests.flows.test_second_opinion import TAUGHT


def taught(**extra: float | int) -> learned.SecondOpinion:
    return learned.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0}, sizes=(2, 4),
                         min_language=5, method="logistic", **extra)  # type: ignore[arg-type]


def test_it_reads_what_it_was_taught() -> None:
    opinion = taught(epochs=30)
    assert opinion.read("a blade, hes outside", "en") == Opinion(urgent=True, person=False)
    assert opinion.read("can I chat with a human", "en") == Opinion(urgent=False, person=True)
    assert opinion.read("what time does the library open", "en") == Opinion()


def test_the_same_examples_give_the_same_weights() -> None:
    # The file is generated and committed: retraining on unchanged data must not churn it.
    first, second = taught(), taught()
    assert learned.to_data(first, "x") == learned.to_data(second, "x")


def test_a_stronger_penalty_gives_smaller_weights() -> None:
    def largest(opinion: learned.SecondOpinion) -> float:
        shared = opinion.models[learned.SHARED]
        assert isinstance(shared, learned._Model)  # noqa: SLF001 -- as taught, not packed
        return max(abs(w) for w in shared.weights["urgent"].values())

    assert largest(taught(l2=1.0, epochs=30)) < largest(taught(l2=0.0001, epochs=30))


def test_its_file_loads_like_naive_bayes() -> None:
    data = learned.to_data(taught(), "logistic regression, a test")
    loaded = learned.parse(data)
    assert loaded.read("hes outside with a blade", "en").urgent


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        learned.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0}, method="forest")
