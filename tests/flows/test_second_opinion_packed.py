"""A second opinion read from its file is packed into flat arrays (app/flows/learned.py
`_Packed`, for memory: issue 22, item 6) and scores exactly as the dicts it was taught as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.flows import learned, learned_train
from tests.flows.test_second_opinion_logistic import TAUGHT

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ["hes outside with a blade", "can i chat with a human please",
            "what time does the library open", "a blade, a human, the library", ""]


@pytest.mark.parametrize("method", ["bayes", "logistic"])
def test_read_from_its_file_it_scores_as_taught(method: str) -> None:
    taught = learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0},
                           sizes=(2, 4), min_language=5, method=method)
    # The file rounds weights to three decimals, as training does: the packed integers are
    # those thousandths exactly.
    read = learned.parse(json.loads(json.dumps(learned_train.to_data(taught, "a test"))))
    assert all(isinstance(model, learned._Packed) for model in read.models.values())  # noqa: SLF001
    for text in MESSAGES:
        for language in ("en", None, "pl"):
            assert read.scores(text, language) == pytest.approx(
                taught.scores(text, language), abs=1e-9)
            assert read.read(text, language) == taught.read(text, language)


def test_the_shipped_file_is_packed_and_reads_danger() -> None:
    shipped = learned.parse(json.loads((ROOT / "flows" / "second_opinion.json").read_text(
        encoding="utf-8")))
    assert all(isinstance(model, learned._Packed) for model in shipped.models.values())  # noqa: SLF001
    assert shipped.read("he has his hands round my neck and says tonight i die", "en").urgent


def test_a_packed_opinion_is_not_written_back() -> None:
    taught = learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0}, min_language=5)
    read = learned.parse(learned_train.to_data(taught, "a test"))
    with pytest.raises(TypeError, match="made by train"):
        learned_train.to_data(read, "again")
