"""flows/second_opinion.json: `flows check` validates it, the trainer makes it from a folder
of labelled messages (never a held-out one), and the deployment decides whether it runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.config import Settings
from app.content import second_opinion
from app.deployment import parse_deployment
from app.flows import learned
from app.services import load_second_opinion

ROOT = Path(__file__).resolve().parents[2]
CHOICE = {"ngrams": [2, 4], "alpha": 0.5, "thresholds": {"urgent": 1.0, "person": 1.0}}


def write_messages(folder: Path) -> None:
    folder.mkdir(parents=True)
    entries = [{"text": f"he is outside with a blade {n}", "labels": ["urgent"], "urgent": True}
               for n in range(3)]
    entries += [{"text": f"can i chat to a human {n}", "labels": ["person"], "urgent": False}
                for n in range(3)]
    entries += [{"text": f"what time do you open {n}", "labels": ["info"], "urgent": False}
                for n in range(3)]
    (folder / "en.yaml").write_text(json.dumps(entries), encoding="utf-8")  # JSON is YAML
    (folder / "en-b.yaml").write_text(json.dumps(entries[:2]), encoding="utf-8")


def test_the_trainer_makes_a_file_that_loads(tmp_path: Path) -> None:
    write_messages(tmp_path / "labelled")
    out = tmp_path / "flows"
    out.mkdir()
    taught = second_opinion.retrain([tmp_path / "labelled"], CHOICE,
                                    out / second_opinion.FILE, "a test")
    assert taught == 11  # noqa: PLR2004 -- both files, one language
    loaded = second_opinion.load(out)
    assert loaded.thresholds == CHOICE["thresholds"]
    assert "11 labelled messages" in json.loads(
        (out / second_opinion.FILE).read_text(encoding="utf-8"))["made"]
    assert second_opinion.problems(out) == []


def test_the_trainer_weights_urgent_examples_as_cross_validation_chose(tmp_path: Path) -> None:
    # bench/second_opinion.py may choose a candidate that weights positive examples: the
    # file it makes must be taught that way, and say so.
    write_messages(tmp_path / "labelled")
    made = {}
    for weight in (1.0, 3.0):
        out = tmp_path / f"flows-{weight}"
        out.mkdir()
        choice = {**CHOICE, "method": "logistic", "l2": 0.001, "positive_weight": weight}
        second_opinion.retrain([tmp_path / "labelled"], choice, out / second_opinion.FILE,
                               "a test")
        made[weight] = json.loads((out / second_opinion.FILE).read_text(encoding="utf-8"))
    assert "weighted x3.0" in made[3.0]["made"]
    assert made[3.0]["models"] != made[1.0]["models"]


def test_the_trainer_refuses_a_held_out_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="held-out"):
        second_opinion.labelled([tmp_path / "eval" / "heldout"])


def test_the_trainer_learns_from_both_tuning_splits_and_refuses_any_heldout_path(
        tmp_path: Path) -> None:
    # make second-opinion teaches from dev/ and opened/ (the first held-out part, opened for
    # tuning); any path that says "heldout", or leads to one, is refused before anything is
    # read, even beside a tuning folder.
    write_messages(tmp_path / "eval" / "dev")
    write_messages(tmp_path / "eval" / "opened")
    out = tmp_path / "flows"
    out.mkdir()
    taught = second_opinion.retrain([tmp_path / "eval" / "dev", tmp_path / "eval" / "opened"],
                                    CHOICE, out / second_opinion.FILE, "a test")
    assert taught == 22  # noqa: PLR2004 -- 11 in each folder
    assert "dev/, opened/" in json.loads(
        (out / second_opinion.FILE).read_text(encoding="utf-8"))["made"]
    write_messages(tmp_path / "eval" / "old-heldout-copy")
    (tmp_path / "eval" / "linked").symlink_to(tmp_path / "eval" / "old-heldout-copy")
    for refused in ([tmp_path / "eval" / "dev", tmp_path / "eval" / "old-heldout-copy"],
                    [tmp_path / "eval" / "linked"], [tmp_path / "HeldOut-d"]):
        with pytest.raises(ValueError, match="held-out"):
            second_opinion.labelled(refused)
    (tmp_path / "eval" / "dev" / "en-heldout.yaml").symlink_to(
        tmp_path / "eval" / "dev" / "en.yaml")
    with pytest.raises(ValueError, match="held-out"):
        second_opinion.labelled([tmp_path / "eval" / "dev"])


def test_flows_check_names_a_broken_file(tmp_path: Path) -> None:
    assert second_opinion.problems(tmp_path) == []  # none: the second opinion stays off
    with pytest.raises(learned.SecondOpinionError, match="not found"):
        second_opinion.load(tmp_path)
    (tmp_path / second_opinion.FILE).write_text("{", encoding="utf-8")
    assert "not valid JSON" in second_opinion.problems(tmp_path)[0][1]
    (tmp_path / second_opinion.FILE).write_text('{"version": 1}', encoding="utf-8")
    assert "made" in second_opinion.problems(tmp_path)[0][1]
    assert second_opinion.problems(ROOT / "flows") == []


def test_it_is_on_by_default_and_the_deployment_can_turn_it_off(settings: Settings) -> None:
    base = {"organisation": {"name": "Test"}}
    assert parse_deployment(base).second_opinion
    assert not parse_deployment({**base, "triage": {"second_opinion": False}}).second_opinion
    assert isinstance(load_second_opinion(settings), learned.SecondOpinion)
    off = replace(settings, deployment=replace(settings.deployment, second_opinion=False))
    assert load_second_opinion(off) is None
