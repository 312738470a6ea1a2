"""The DASH checklist as data (flows/dash.yaml, app/content/checklist.py): the shipped file
loads with its source named, `flows check` refuses a broken one and warns while the questions
are topic labels, and the score counts "yes" answers against the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.content.catalogues import Catalogues
from app.content.checklist import load_checklist, parse_checklist, score
from app.content.lint import check
from app.flows import FlowError

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def raw() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((FLOWS / "dash.yaml").read_text("utf-8"))
    return loaded


def test_the_shipped_checklist_has_24_questions_and_names_its_source() -> None:
    checklist = load_checklist(FLOWS)
    assert len(checklist.questions) == 24
    assert [q.number for q in checklist.questions] == list(range(1, 25))
    assert "SafeLives" in checklist.source
    assert "2009" in checklist.source
    assert set(checklist.judgement) == {"standard", "medium", "high"}


def test_the_shipped_file_says_its_wording_is_not_the_published_one() -> None:
    # We could not obtain the published wording to check it word for word: the file must not
    # present its topic labels as the official questions.
    assert load_checklist(FLOWS).wording == "topics"
    assert "NOT THE PUBLISHED WORDING" in (FLOWS / "dash.yaml").read_text("utf-8")


@pytest.mark.parametrize(("change", "where"), [
    ({"questions": []}, "questions"),
    ({"source": ""}, "source"),
    ({"wording": "official"}, "wording"),
    ({"judgement": {}}, "judgement"),
])
def test_a_broken_checklist_is_refused_naming_the_key(change: dict[str, object],
                                                      where: str) -> None:
    with pytest.raises(FlowError) as refused:
        parse_checklist({**raw(), **change}, "dash.yaml")
    assert refused.value.where == where


def test_a_question_id_used_twice_is_refused() -> None:
    broken = raw()
    questions = list(broken["questions"])  # type: ignore[call-overload]  # a list in the file
    broken["questions"] = [*questions, dict(questions[0])]
    with pytest.raises(FlowError, match="used twice"):
        parse_checklist(broken, "dash.yaml")


def problems_with(tmp_path: Path, dash: str | None) -> list[str]:
    flows = tmp_path / "flows"
    flows.mkdir()
    for path in FLOWS.glob("*.yaml"):
        if path.name != "dash.yaml":
            (flows / path.name).write_text(path.read_text("utf-8"), "utf-8")
    if dash is not None:
        (flows / "dash.yaml").write_text(dash, "utf-8")
    catalogues = Catalogues.load(FLOWS.parent / "translations", "en")
    return [str(p) for p in check(flows, catalogues, "en", "Quietline demo partnership")
            if "dash.yaml" in str(p)]


def test_flows_check_warns_while_the_questions_are_topic_labels(tmp_path: Path) -> None:
    found = problems_with(tmp_path, (FLOWS / "dash.yaml").read_text("utf-8"))
    assert len(found) == 1
    assert found[0].startswith("warning: ")
    assert "not the published DASH wording" in found[0]


def test_flows_check_is_quiet_once_the_published_wording_is_in(tmp_path: Path) -> None:
    text = (FLOWS / "dash.yaml").read_text("utf-8").replace("wording: topics",
                                                            "wording: published")
    assert problems_with(tmp_path, text) == []


@pytest.mark.parametrize(("dash", "why"), [
    (None, "is missing"),
    ("checklist: dash\n", "is required"),
])
def test_flows_check_fails_on_a_missing_or_broken_checklist(tmp_path: Path, dash: str | None,
                                                            why: str) -> None:
    found = problems_with(tmp_path, dash)
    assert len(found) == 1
    assert not found[0].startswith("warning: ")
    assert why in found[0]


def test_the_score_counts_yes_answers_and_meets_the_threshold_at_it() -> None:
    checklist = load_checklist(FLOWS)
    ids = [q.id for q in checklist.questions]
    answers = {i: "yes" for i in ids[:14]} | {i: "not_known" for i in ids[14:16]} \
        | {i: "not_asked" for i in ids[16:]}
    result = score(checklist, answers, 14)
    assert (result.count, result.reached, result.answered) == (14, True, 16)
    assert [q.number for q in result.yes] == list(range(1, 15))
    answers[ids[0]] = "no"
    assert score(checklist, answers, 14).reached is False
    assert score(checklist, answers, 12).reached is True
