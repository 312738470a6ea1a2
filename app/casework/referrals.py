"""Referrals and the consent ledger, and the printable referral summary.

Consent is a ledger (`consent_events`): given or withdrawn, per agency, with dates, never
changed in place. It comes from the survivor's own dated choice in the conversation (linked to
it: the row's `stated_at` is that choice's date) or from an advocate who records what the
survivor told them. The survivor's later choice counts at once: a "refused" made after the last
ledger row withdraws consent on the case page before anyone records it.

A referral (MARAC, an IDVA service, police, children's services, housing, a refuge) rests on
the survivor's consent, as it stands when it is recorded, or on a documented reason to share
without consent because of high risk (sealed). Its summary carries only what the survivor
agreed to share, and nothing once they withdraw, unless that reason is recorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from app import hours
from app.casework.desk import Casework, state_of
from app.casework.notes import Note, Notes
from app.casework.records import CaseRecordsBase, Opened, RecordRefused
from app.casework.risk import Assessment, RiskAssessments
from app.content.agencies import Agencies
from app.deployment.sections import CaseworkPolicy
from app.staff.accounts import StaffMember
from app.storage import case_records, cases

log = logging.getLogger(__name__)
MAX_REASON_CHARS = 2000
BASES = {"consent": "The survivor's consent",
         "without_consent": "Without consent: high risk (reason recorded)"}


@dataclass(frozen=True)
class ConsentNow:
    """Where consent stands for one agency."""

    agency: str
    action: str  # given, withdrawn
    stated_at: datetime
    source: str  # survivor_choice, advocate
    shares: tuple[str, ...]
    event_id: uuid.UUID | None  # None: the survivor's choice, not yet in the ledger


@dataclass(frozen=True)
class ReferralView:
    referral: case_records.StoredReferral
    consent: case_records.ConsentRow | None


@dataclass(frozen=True)
class ReferralsPanel:
    ledger: list[case_records.ConsentRow]
    now: dict[str, ConsentNow]  # agency -> where consent stands
    withdrawn: list[ConsentNow]  # to show prominently
    referrals: list[ReferralView]
    choice_to_record: ConsentNow | None  # the survivor's choice, not yet in the ledger
    # The days a referral may be dated (the form's date picker offers no others).
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class Summary:
    reference: str
    referral: case_records.StoredReferral
    consent: ConsentNow | None
    shares: tuple[str, ...]  # what this summary may carry
    withheld: str | None  # why nothing is shown
    assessment: Assessment | None = None
    notes: list[Note] = field(default_factory=list)


class Referrals(CaseRecordsBase):
    def __init__(self, *, casework: Casework, policy: CaseworkPolicy,
                 clock: Callable[[], datetime], agencies: Agencies | None, notes: Notes,
                 risk: RiskAssessments) -> None:
        super().__init__(casework=casework, policy=policy, clock=clock)
        self.agencies = agencies
        self.notes = notes
        self.risk = risk

    def _agencies(self) -> Agencies:
        if self.agencies is None:
            raise RecordRefused("The referral agencies (flows/referrals.yaml) are missing or "
                                "broken; `flask flows check` says why.")
        return self.agencies

    # -- consent ---------------------------------------------------------------------------

    def _from_choice(self, record: cases.CaseRecord) -> list[ConsentNow]:
        """What the survivor's own dated choice says, as consent per agency it covers."""
        agencies = self.agencies
        mapping = agencies.survivor_choice if agencies else None
        if mapping is None:
            return []
        choice = state_of(record).choices.get(mapping.choice)
        if choice is None or choice.value not in (mapping.given, mapping.withdrawn):
            return []
        action = "given" if choice.value == mapping.given else "withdrawn"
        return [ConsentNow(agency, action, choice.at, "survivor_choice",
                           tuple(agencies.shares) if agencies else (), None)
                for agency in mapping.agencies]

    def _standing(self, record: cases.CaseRecord, ledger: list[case_records.ConsentRow]
                  ) -> tuple[dict[str, ConsentNow], ConsentNow | None]:
        now: dict[str, ConsentNow] = {}
        for row in ledger:  # oldest first: the latest row per agency wins
            now[row.agency] = ConsentNow(row.agency, row.action, row.stated_at, row.source,
                                         row.shares, row.id)
        pending = None
        for said in self._from_choice(record):
            recorded = any(r.source == "survivor_choice" and r.agency == said.agency
                           and r.stated_at == said.stated_at for r in ledger)
            current = now.get(said.agency)
            if not recorded and (current is None or said.stated_at > current.stated_at):
                now[said.agency] = said
                pending = pending or said
        return now, pending

    def record_consent(self, case_id: int, member: StaffMember, *, agency: str, action: str,
                       shares: list[str], purpose: str | None = None) -> None:
        """Consent the survivor gave or withdrew to the advocate: a new ledger row."""
        now = self.clock()
        with self.casework.database.transaction() as connection:
            # Authorised before the form is judged (a refusal here rolls back, writing nothing).
            opened = self._open(connection, case_id, member, purpose, write=True,
                                action="referral")
            agencies = self._agencies()
            if agency not in agencies.names:
                raise RecordRefused("Choose the agency the consent is about.")
            if action not in ("given", "withdrawn"):
                raise RecordRefused("Say whether consent was given or withdrawn.")
            chosen = [s for s in shares if s in agencies.shares] if action == "given" else []
            if action == "given" and not chosen:
                raise RecordRefused("Say what the survivor agreed to share.")
            case_records.add_consent(connection, opened.keys, scope=self.scope, agency=agency,
                                     action=action, source="advocate", shares=chosen,
                                     stated_at=now, recorded_by=member.id, now=now)
            self._audit(opened, member, f"consent.{action}")
        log.info("event=consent.%s escalation=%s advocate=%s", action, case_id, member.id)

    def record_choice(self, case_id: int, member: StaffMember, purpose: str | None = None
                      ) -> int:
        """Put the survivor's own dated choice into the ledger (linked by its date); how
        many rows were added (none when it is there already)."""
        now = self.clock()
        added = 0
        with self.casework.database.transaction() as connection:
            opened = self._open(connection, case_id, member, purpose, write=True,
                                action="referral")
            ledger = case_records.consents(connection, case_id)
            for said in self._from_choice(opened.record):
                if any(r.source == "survivor_choice" and r.agency == said.agency
                       and r.stated_at == said.stated_at for r in ledger):
                    continue
                case_records.add_consent(
                    connection, opened.keys, scope=self.scope, agency=said.agency,
                    action=said.action, source="survivor_choice", shares=said.shares,
                    stated_at=said.stated_at, recorded_by=member.id, now=now)
                added += 1
            if added:
                self._audit(opened, member, "consent.from_choice")
        return added

    # -- referrals -------------------------------------------------------------------------

    def refer(self, case_id: int, member: StaffMember, *, agency: str, on: str, basis: str,
              reason: str, purpose: str | None = None) -> uuid.UUID:
        now = self.clock()
        with self.casework.database.transaction() as connection:
            # Authorised before the form is judged (a refusal here rolls back, writing nothing).
            opened = self._open(connection, case_id, member, purpose, write=True,
                                action="referral")
            agencies = self._agencies()
            if agency not in agencies.names:
                raise RecordRefused("Choose the agency the case was referred to.")
            day = self._referral_day(on, opened.record, now)
            if basis not in BASES:
                raise RecordRefused("Say what the referral rests on: consent, or a reason to "
                                    "share without it.")
            text = reason.strip()
            if basis == "without_consent" and not text:
                raise RecordRefused("Sharing without consent needs the reason: write why the "
                                    "risk is high enough to share without the survivor's "
                                    "consent.")
            if len(text) > MAX_REASON_CHARS:
                raise RecordRefused(f"The reason can be at most {MAX_REASON_CHARS} "
                                    "characters.")
            consent_id = None
            if basis == "consent":
                consent_id = self._consent_row(opened, member, agency, now)
            referral_id = case_records.add_referral(
                connection, self.casework.keyring, opened.keys, scope=self.scope,
                author_id=member.id, agency=agency,
                referred_at=datetime.combine(day, time(12, 0), tzinfo=now.tzinfo),
                basis=basis, consent_event_id=consent_id,
                reason=text if basis == "without_consent" else None, now=now)
            self._audit(opened, member, "referral.recorded")
        log.info("event=referral.recorded escalation=%s advocate=%s basis=%s", case_id,
                 member.id, basis)
        return referral_id

    def _referral_day(self, on: str, record: cases.CaseRecord, now: datetime) -> date:
        """The referral's date as typed: a calendar day in the partnership's time zone, from
        the day the case was opened to today. A case cannot have been referred before the
        survivor asked for help here (0001-01-01 was taken, and would have printed on the
        summary an agency receives); in the first hour of a British Summer Time day the UTC
        date is still yesterday's, so both ends are local days."""
        try:
            day = date.fromisoformat(on)
        except ValueError as exc:
            raise RecordRefused("Give the date of the referral (e.g. 2026-12-01).") from exc
        opened = hours.local_today(record.created_at, self.casework.timezone)
        if day < opened:
            raise RecordRefused(f"The referral date is before this case was opened "
                                f"({opened:%d %b %Y}): give the day it was made.")
        if day > hours.local_today(now, self.casework.timezone):
            raise RecordRefused("The referral date is in the future.")
        return day

    def _consent_row(self, opened: Opened, member: StaffMember, agency: str, now: datetime
                     ) -> uuid.UUID:
        """The ledger row a referral on consent rests on: consent must stand now."""
        ledger = case_records.consents(opened.connection, opened.record.id)
        standing, _pending = self._standing(opened.record, ledger)
        current = standing.get(agency)
        if current is None or current.action != "given":
            raise RecordRefused("There is no consent to share with this agency now. Record "
                                "the survivor's consent first, or the reason to share "
                                "without it.")
        if current.event_id is not None:
            return current.event_id
        # The survivor's own choice, not yet in the ledger: it goes in now, linked by date.
        return case_records.add_consent(
            opened.connection, opened.keys, scope=self.scope, agency=agency, action="given",
            source="survivor_choice", shares=current.shares, stated_at=current.stated_at,
            recorded_by=member.id, now=now)

    # -- reading ---------------------------------------------------------------------------

    def panel(self, case_id: int, member: StaffMember, purpose: str | None = None, *,
              viewing: int | None = None) -> ReferralsPanel:
        """Consent and referrals for the case page; reading a sealed reason is audited (once
        per `viewing`, the staff session, when given)."""
        with self.casework.database.transaction() as connection:
            opened = self._open(connection, case_id, member, purpose, write=False,
                                action="read")
            ledger = case_records.consents(connection, case_id)
            found = case_records.referrals(connection, self.casework.keyring, opened.keys,
                                           open_reasons=True)
            if any(r.has_reason for r in found):
                self._audit_read(opened, member, "referral_reasons.read", viewing)
        standing, pending = self._standing(opened.record, ledger)
        by_id = {row.id: row for row in ledger}
        return ReferralsPanel(
            ledger=ledger, now=standing,
            withdrawn=[c for c in standing.values() if c.action == "withdrawn"],
            referrals=[ReferralView(r, by_id.get(r.consent_event_id)
                                    if r.consent_event_id else None) for r in found],
            choice_to_record=pending,
            first_day=hours.local_today(opened.record.created_at, self.casework.timezone),
            last_day=hours.local_today(self.clock(), self.casework.timezone))

    def summary(self, case_id: int, referral_id: uuid.UUID, member: StaffMember,
                purpose: str | None = None) -> Summary:
        """The printable referral summary, audited; it carries only what the survivor agreed
        to share (nothing once they withdrew), unless a reason to share without consent is
        recorded, which it then shows."""
        with self.casework.database.transaction() as connection:
            opened = self._open(connection, case_id, member, purpose, write=False,
                                action="read")
            ledger = case_records.consents(connection, case_id)
            found = {r.id: r for r in case_records.referrals(
                connection, self.casework.keyring, opened.keys, open_reasons=True)}
            referral = found.get(referral_id)
            if referral is None:
                raise RecordRefused("There is no such referral on this case.")
            self._audit(opened, member, "referral.summary_viewed")
        standing, _pending = self._standing(opened.record, ledger)
        consent = standing.get(referral.agency)
        shares: tuple[str, ...]
        withheld = None
        if referral.basis == "without_consent":
            shares = tuple(self._agencies().shares)
        elif consent is not None and consent.action == "given":
            shares = consent.shares
        else:
            shares = ()
            withheld = ("The survivor has withdrawn consent to share with this agency. "
                        "Nothing of the case can be shared unless a reason to share without "
                        "consent is recorded.")
        result = Summary(opened.record.reference, referral, consent, shares, withheld)
        if "risk" in shares:
            history = self.risk.history(case_id, member, purpose)
            result = Summary(**{**result.__dict__, "assessment": history[0] if history
                                else None})
        if "notes" in shares:
            result = Summary(**{**result.__dict__,
                                "notes": self.notes.read(case_id, member, purpose)})
        log.info("event=referral.summary_viewed escalation=%s advocate=%s", case_id,
                 member.id)
        return result
