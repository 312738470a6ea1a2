"""The DASH risk checklist as data (flows/dash.yaml): read, checked, and scored. Pure.

The file names its source and whether its question texts are the published wording
(`wording: published`) or topic labels (`wording: topics`, which `flask flows check` warns
about and the form says). Each answer is one of ANSWERS; the score is the number of "yes"
answers and the MARAC threshold (`[casework] marac_threshold`, 14 by default) is met at or
above it. Professional judgement can refer below the threshold: the score never lowers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.flows import FlowError
from app.flows.loader import read_yaml

CHECKLIST_FILE = "dash.yaml"
ANSWERS = {"yes": "Yes", "no": "No", "not_known": "Not known", "not_asked": "Not asked"}
WORDINGS = ("published", "topics")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Question:
    number: int
    id: str
    text: str


@dataclass(frozen=True)
class Checklist:
    name: str
    version: str
    title: str
    source: str
    wording: str
    questions: tuple[Question, ...]
    judgement: dict[str, str]  # level code -> what it means

    @property
    def label(self) -> str:
        """The checklist as stored with each assessment: name and version."""
        return f"{self.name}:{self.version}"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Score:
    yes: tuple[Question, ...]  # the answers that drove the score
    threshold: int
    answered: int  # questions answered yes, no or not known (asked)

    @property
    def count(self) -> int:
        return len(self.yes)

    @property
    def reached(self) -> bool:
        return self.count >= self.threshold


def score(checklist: Checklist, answers: dict[str, str], threshold: int) -> Score:
    """Count the "yes" answers to this checklist's questions (others in `answers`, from an
    older version of the file, do not count)."""
    yes = tuple(q for q in checklist.questions if answers.get(q.id) == "yes")
    asked = sum(1 for q in checklist.questions
                if answers.get(q.id) in ("yes", "no", "not_known"))
    return Score(yes, threshold, asked)


def load_checklist(flows_dir: Path) -> Checklist:
    path = flows_dir / CHECKLIST_FILE
    return parse_checklist(read_yaml(path), str(path))


def parse_checklist(raw: Any, source: str) -> Checklist:
    def fail(where: str, why: str) -> FlowError:
        return FlowError(source, where, why)

    if not isinstance(raw, dict):
        raise fail("file", "must be a mapping with checklist, source and questions")
    for key in ("checklist", "version", "title", "source", "wording"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(key, "is required (text)")
    if raw["wording"] not in WORDINGS:
        raise fail("wording", f"must be one of {', '.join(WORDINGS)}")
    listed = raw.get("questions")
    if not isinstance(listed, list) or not listed:
        raise fail("questions", "must be a list of {id, text}")
    questions, seen = [], set()
    for number, item in enumerate(listed, start=1):
        where = f"questions[{number}]"
        if not isinstance(item, dict) or set(item) != {"id", "text"}:
            raise fail(where, "must have exactly an id and a text")
        question_id, text = item["id"], item["text"]
        if not isinstance(question_id, str) or not _ID.match(question_id):
            raise fail(where, "id must be lower-case letters, digits and _ (up to 32)")
        if question_id in seen:
            raise fail(where, f"id {question_id!r} is used twice")
        if not isinstance(text, str) or not text.strip():
            raise fail(where, "text is required")
        seen.add(question_id)
        questions.append(Question(number, question_id, text.strip()))
    judgement = raw.get("judgement")
    if (not isinstance(judgement, dict) or not judgement
            or not all(isinstance(k, str) and _ID.match(k) and isinstance(v, str) and v.strip()
                       for k, v in judgement.items())):
        raise fail("judgement", "must map level codes (e.g. standard, medium, high) to text")
    return Checklist(raw["checklist"].strip(), raw["version"].strip(), raw["title"].strip(),
                     " ".join(raw["source"].split()), raw["wording"], tuple(questions),
                     {k: v.strip() for k, v in judgement.items()})


def checklist_problems(flows_dir: Path) -> list[tuple[str, str, bool]]:
    """For `flows check`: (where, why, is a warning only)."""
    path = flows_dir / CHECKLIST_FILE
    if not path.exists():
        return [(str(path), "is missing: advocates cannot record a DASH risk assessment", False)]
    try:
        checklist = load_checklist(flows_dir)
    except FlowError as error:
        return [(f"{error.source}: {error.where}", error.why, False)]
    if checklist.wording != "published":
        return [(str(path), "the questions are topic labels, not the published DASH wording: "
                            "replace them from your SafeLives copy and set wording: published",
                 True)]
    return []
