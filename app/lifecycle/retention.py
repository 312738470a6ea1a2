"""Retention: conversations past the deployment's retention days are erased, and a signed
report of what was done (counts only) is written.

docs/threat-model.md, A4 (least data): what the service no longer needs is destroyed the same
way a survivor's erasure destroys it (app/lifecycle/erasure.py): the data key with the rows,
the provider's copies queued for deletion; its cases are deleted too (the report's outcome
"retention" was counted first). The tombstones of cases survivors erased go `retention_days`
after the erasure (app/lifecycle/tombstones.py).
A conversation whose case an advocate still has open is kept, and counted in the report, so no
one's live casework disappears under them; it goes at the first run after the case is closed.

Each conversation is erased in its own transaction, so an interrupted purge leaves every
conversation either whole or gone, and running it again finishes the job.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, select

from app.crypto import ReportSigner
from app.lifecycle import erasure, tombstones
from app.private_files import write_private_text
from app.storage import case_records
from app.storage.db import Database
from app.storage.models import Conversation, Escalation, ResumeWord, table_of

log = logging.getLogger(__name__)
conversations = table_of(Conversation)
escalations = table_of(Escalation)
resume_words = table_of(ResumeWord)
REPORT_KIND = "quietline-retention-report"


class ReportInvalid(ValueError):
    """A retention report that is not what the service wrote; the message says why."""


@dataclass
class Purge:
    retention_days: int
    cutoff: str
    started: str
    finished: str = ""
    conversations_deleted: int = 0
    provider_copies_queued: int = 0
    kept_open_cases: int = 0
    # Cases whose survivor erased the conversation, with notes the deployment kept after it
    # (`[casework] keep_notes_after_erasure`): their records and key destroyed now.
    kept_case_records_deleted: int = 0
    # Cases the survivor erased more than the retention days ago: their tombstones deleted
    # (app/lifecycle/tombstones.py).
    tombstones_deleted: int = 0
    # Resume words of contacts with no conversation left, set before the cutoff.
    resume_words_deleted: int = 0


def expired(database: Database, cutoff: datetime) -> tuple[list[uuid.UUID], int]:
    """Conversations quiet since before `cutoff`: those to erase, and how many are kept
    because an advocate still has their case open."""
    unfinished = exists().where(and_(escalations.c.conversation_id == conversations.c.id,
                                     escalations.c.status != "closed"))
    with database.transaction() as connection:
        due = list(connection.execute(select(conversations.c.id).where(
            conversations.c.last_activity_at < cutoff, ~unfinished)).scalars())
        kept = len(connection.execute(select(conversations.c.id).where(
            conversations.c.last_activity_at < cutoff, unfinished)).all())
    return due, kept


def purge(database: Database, *, retention_days: int, now: datetime,
          progress: Callable[[int], None] = lambda _n: None,
          deleted: Callable[[list[int]], None] = lambda _ids: None) -> Purge:
    """Erase every expired conversation; `deleted(ids)` gets the provider deletions to
    enqueue after each commit, `progress(1)` is called per conversation."""
    cutoff = now - timedelta(days=retention_days)
    due, kept = expired(database, cutoff)
    report = Purge(retention_days, cutoff.isoformat(timespec="seconds"),
                   now.isoformat(timespec="seconds"), kept_open_cases=kept)
    for conversation_id in due:
        with database.transaction() as connection:
            ids = erasure.erase(connection, conversation_id, also=None, now=now,
                                reason=erasure.CLOSED_BY_RETENTION)
        deleted(ids)
        report.conversations_deleted += 1
        report.provider_copies_queued += len(ids)
        progress(1)
    with database.transaction() as connection:
        kept_cases = case_records.kept_after_erasure(connection, cutoff)
        case_records.destroy(connection, kept_cases)
        report.tombstones_deleted = tombstones.forget(connection, cutoff)
        report.resume_words_deleted = forget_resume_words(connection, cutoff)
    report.kept_case_records_deleted = len(kept_cases)
    report.finished = now.isoformat(timespec="seconds")
    log.info("event=retention.purged conversations=%s provider_copies=%s kept_open=%s",
             report.conversations_deleted, report.provider_copies_queued, kept)
    return report


def forget_resume_words(connection: Connection, cutoff: datetime) -> int:
    """Delete the resume words set before `cutoff` whose contact has no conversation left.

    The word keeps a later conversation on the number from showing what came before; once
    every conversation of the contact is erased or purged there is nothing before it, and a
    prompt for the word would itself tell whoever holds the phone that it was used to write
    to us. STOP records stay for good (app/conversation/optouts.py): never contacting a
    number that said STOP does not expire."""
    has_conversation = exists().where(conversations.c.contact_hash == resume_words.c.contact_hash)
    return connection.execute(delete(resume_words).where(
        resume_words.c.set_at < cutoff, ~has_conversation)).rowcount or 0


def default_report_path(instance: Path, now: datetime) -> Path:
    return instance / "retention-reports" / f"retention-{now:%Y%m%dT%H%M%S}.json"


def purge_and_sign(database: Database, *, retention_days: int, now: datetime,
                   signer: ReportSigner, report_path: Path,
                   progress: Callable[[int], None] = lambda _n: None,
                   deleted: Callable[[list[int]], None] = lambda _ids: None) -> Purge:
    """The retention run, as both `flask retention purge` and the daily job do it: erase what
    is due (`purge`), then write the signed report of the counts to `report_path`."""
    report = purge(database, retention_days=retention_days, now=now, progress=progress,
                   deleted=deleted)
    # The counts are no secret, but instance/ is the owner's only (app/private_files.py).
    write_private_text(report_path, signed_report(report, signer))
    return report


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def signed_report(report: Purge, signer: ReportSigner) -> str:
    fields = {"kind": REPORT_KIND, **asdict(report)}
    return json.dumps({**fields, "signature": signer.sign(_canonical(fields))}, indent=2,
                      sort_keys=True) + "\n"


def verify_report(text: str, signer: ReportSigner) -> dict[str, Any]:
    """The report's figures if it is exactly as the service signed it; else ReportInvalid."""
    try:
        fields = json.loads(text)
    except ValueError as exc:
        raise ReportInvalid("not a retention report (not JSON)") from exc
    if not isinstance(fields, dict) or fields.get("kind") != REPORT_KIND:
        raise ReportInvalid("not a retention report")
    signature = fields.pop("signature", None)
    if not isinstance(signature, str) or not signer.verify(_canonical(fields), signature):
        raise ReportInvalid("the signature does not match: the report was changed, or it was "
                            "not written by this service")
    return fields


def resign_reports(directory: Path, signer: ReportSigner) -> tuple[int, list[Path]]:
    """Re-sign every retention report in `directory` under the newest SECRET_KEY, after a
    rotation, so it still verifies once the old key is removed. A report that does not verify
    under any listed key is left as it is and returned: it must not be blessed by a new
    signature. Returns (how many were re-signed, the ones that did not verify)."""
    resigned, invalid = 0, []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        try:
            fields = verify_report(text, signer)
        except ReportInvalid:
            invalid.append(path)
            continue
        if signer.is_current(_canonical(fields), json.loads(text)["signature"]):
            continue
        signed = json.dumps({**fields, "signature": signer.sign(_canonical(fields))},
                            indent=2, sort_keys=True) + "\n"
        path.write_text(signed, encoding="utf-8")
        resigned += 1
    return resigned, invalid
