"""DASH risk assessments on a case: answers and professional judgement, sealed, with history.

The checklist is data (flows/dash.yaml, `app.content.checklist`). Each question is answered
yes, no, not known or not asked; the advocate adds their professional judgement (a level and
free text). The score is the count of "yes" answers; at `[casework] marac_threshold` (14 by
default) the MARAC threshold is reached, and the page says which answers drove it. A
re-assessment is a new record, so earlier ones stay with their dates. Sealed and audited like
notes (`app.casework.records`): `risk.assessed` and `risk.read`, never an answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.casework.desk import Casework
from app.casework.records import CaseRecordsBase, RecordRefused
from app.content.checklist import ANSWERS, Checklist, Score, score
from app.deployment.sections import CaseworkPolicy
from app.staff.accounts import StaffMember
from app.storage import case_records

log = logging.getLogger(__name__)
MAX_JUDGEMENT_CHARS = 2000


@dataclass(frozen=True)
class Assessment:
    id: uuid.UUID
    author_id: int
    created_at: datetime
    checklist: str
    answers: dict[str, str]
    level: str
    judgement: str
    score: Score

    @property
    def refer_on_judgement(self) -> bool:
        """Professional judgement alone refers to MARAC, whatever the score."""
        return self.level == "high"


class RiskAssessments(CaseRecordsBase):
    def __init__(self, *, casework: Casework, policy: CaseworkPolicy,
                 clock: Callable[[], datetime], checklist: Checklist | None) -> None:
        super().__init__(casework=casework, policy=policy, clock=clock)
        self.checklist = checklist

    @property
    def threshold(self) -> int:
        return self.policy.marac_threshold

    def _checklist(self) -> Checklist:
        if self.checklist is None:
            raise RecordRefused("The risk checklist (flows/dash.yaml) is missing or broken; "
                                "`flask flows check` says why.")
        return self.checklist

    def assess(self, case_id: int, member: StaffMember, *, answers: dict[str, str],
               level: str, judgement: str, purpose: str | None = None) -> uuid.UUID:
        now = self.clock()
        with self.casework.database.transaction() as connection:
            # Authorised first: a member who may not assess is told that, not which question
            # they left out (the refusal rolls the transaction back; nothing is written).
            opened = self._open(connection, case_id, member, purpose, write=True,
                                action="risk")
            checklist = self._checklist()
            given = {q.id: answers.get(q.id, "") for q in checklist.questions}
            missing = [str(q.number) for q in checklist.questions
                       if given[q.id] not in ANSWERS]
            if missing:
                raise RecordRefused("Answer every question (\"not asked\" is an answer): "
                                    f"question {', '.join(missing)} has none.")
            if level not in checklist.judgement:
                raise RecordRefused("Choose your professional judgement of the risk.")
            text = judgement.strip()
            if len(text) > MAX_JUDGEMENT_CHARS:
                raise RecordRefused(f"The judgement can be at most {MAX_JUDGEMENT_CHARS} "
                                    "characters.")
            assessment_id = case_records.add_assessment(
                connection, self.casework.keyring, opened.keys, scope=self.scope,
                author_id=member.id, checklist=checklist.label, answers=given,
                judgement={"level": level, "text": text}, now=now)
            self._audit(opened, member, "risk.assessed")
        log.info("event=risk.assessed escalation=%s advocate=%s", case_id, member.id)
        return assessment_id

    def history(self, case_id: int, member: StaffMember, purpose: str | None = None, *,
                viewing: int | None = None) -> list[Assessment]:
        """Every assessment of the case, newest first, scored against today's checklist and
        threshold; reading any writes one audit row (once per `viewing`, the staff session,
        when given)."""
        with self.casework.database.transaction() as connection:
            opened = self._open(connection, case_id, member, purpose, write=False,
                                action="read")
            found = case_records.assessments(connection, self.casework.keyring, opened.keys)
            if found:
                self._audit_read(opened, member, "risk.read", viewing)
        return [self.scored(a) for a in found]

    def scored(self, stored: case_records.StoredAssessment) -> Assessment:
        """An assessment as read, scored against today's checklist and threshold."""
        checklist = self.checklist
        return Assessment(
            stored.id, stored.author_id, stored.created_at, stored.checklist, stored.answers,
            stored.judgement.get("level", ""), stored.judgement.get("text", ""),
            score(checklist, stored.answers, self.threshold) if checklist is not None
            else Score((), self.threshold, 0))
