"""Safe call-backs: "Call now" rings the advocate's own phone, then dials the survivor.

The survivor asked to be called at a safe time; the advocate holding the case presses "Call
now" inside the window. Twilio calls the advocate's phone (the number sealed on their account,
app/staff/phones.py); when it answers, the voice webhook (app/channels/voice.py) asks the
advocate to press 1, and only then, after asking the gate again, dials the survivor with the
service's number as caller ID. Neither sees the other's number; the advocate never sees the
survivor's at all: it is unsealed here only to be put in that one TwiML answer.

docs/threat-model.md, A2: the gate (`call_rules.decide`) decides before the advocate's phone
rings and again before the survivor is dialled, because the survivor may have sent the duress
word, STOP or "pause", or erased the conversation, in between; then nobody dials them. The
key press keeps an advocate's voicemail from being connected to the survivor (it would greet
them in the advocate's, or the organisation's, name). Calls are rows: the webhooks name a call
id only, and every change is a conditional UPDATE, so Twilio's retries change nothing twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.casework import call_rules
from app.casework.desk import Casework, NotAllowed, circumstances, facts
from app.casework.outbound_gate import Gate
from app.logs import exception_summary
from app.outbound.twilio_rest import SendError
from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.phones import StaffPhones
from app.storage import cases, transcripts
from app.storage.models import Call, table_of
from app.storage.times import utc

log = logging.getLogger(__name__)
# Twilio call ids (CA + 32 hex).
CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
calls = table_of(Call)
VOICE_PATH = "/webhooks/twilio/voice"
# A call row whose REST request never got an answer (the process died) stops blocking the
# case after this; any call without a final status from Twilio, after the longer time.
STALE_START = timedelta(minutes=2)
STALE_CALL = timedelta(hours=4)


class CallRefused(Exception):
    """No call now; `message` says why, in words an advocate acts on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Dialer(Protocol):
    def call(self, to: str, answer_url: str, status_url: str) -> str: ...


@dataclass(frozen=True)
class CallSummary:
    id: int
    advocate_id: int
    status: str
    outcome: str | None
    stop_reason: str | None
    created_at: datetime

    @property
    def words(self) -> str:
        if self.outcome is None:
            return call_rules.LIVE_STATES.get(self.status, self.status)
        text = call_rules.OUTCOMES.get(self.outcome, self.outcome)
        if self.stop_reason:
            text += " " + call_rules.explain(Gate(False, self.stop_reason))
        return text


@dataclass(frozen=True)
class CallPanel:
    """What the case page shows about calling: nothing of any number but a masked one."""

    asked: bool  # the survivor chose "call me at a safe time", by SMS
    can_call: bool  # this member may call (holds the case)
    gate: Gate
    explanation: str
    phone: str | None  # the member's own phone, masked
    calls: list[CallSummary]


@dataclass(frozen=True)
class Step:
    """What the voice webhook answers: "confirm" (ask for 1), "dial" the survivor, "stop"
    (the call cannot go ahead), or "end" (nothing more to say: hang up)."""

    action: str
    number: str | None = field(default=None, repr=False)
    caller_id: str | None = field(default=None, repr=False)


class CallBacks:
    def __init__(self, *, casework: Casework, phones: StaffPhones,
                 dialer: Callable[[], Dialer], clock: Callable[[], datetime],
                 base_url: str, caller_id: Callable[[], str]) -> None:
        self.casework = casework
        self.database = casework.database
        self.keyring = casework.keyring
        self.phones = phones
        self.dialer = dialer
        self.clock = clock
        self.base_url = base_url
        self.caller_id = caller_id

    # -- the case page ---------------------------------------------------------------------

    def gate(self, record: cases.CaseRecord) -> Gate:
        return call_rules.decide(circumstances(record, self.casework.timezone), self.clock())

    def explain(self, gate: Gate, record: cases.CaseRecord) -> str:
        if gate.reason == "outside_window" and gate.opens_at is not None:
            opens = gate.opens_at.astimezone(ZoneInfo(self.casework.timezone))
            return (f"Outside the survivor's safe time ({record.window_text}). You can call "
                    f"from {opens:%a %d %b %H:%M}.")
        if gate.open:
            return f"Inside the survivor's safe time ({record.window_text}): you can call now."
        return call_rules.explain(gate)

    def panel(self, record: cases.CaseRecord, member: StaffMember) -> CallPanel:
        gate = self.gate(record)
        wants = circumstances(record, self.casework.timezone).wants
        return CallPanel(
            asked=record.channel == "sms" and wants == "call_back",
            can_call=authz.can_call(member, facts(record)), gate=gate,
            explanation=self.explain(gate, record), phone=self.phones.masked(member.id),
            calls=self.for_case(record.id))

    def for_case(self, case_id: int) -> list[CallSummary]:
        with self.database.transaction() as connection:
            rows = connection.execute(select(calls).where(calls.c.escalation_id == case_id)
                                      .order_by(calls.c.id.desc())).all()
        return [CallSummary(r.id, r.advocate_id, r.status, r.outcome, r.stop_reason,
                            utc(r.created_at)) for r in rows]

    # -- "Call now" --------------------------------------------------------------------------

    def start(self, case_id: int, member: StaffMember) -> int:
        """Ring the member's phone for this case; returns the call's id. Raises NotAllowed,
        or CallRefused saying why not (outside the window, no phone set, a call under way)."""
        record = self.casework.load(case_id)
        if not authz.can_call(member, facts(record)):
            raise NotAllowed("call")
        gate, now = self.gate(record), self.clock()
        if not gate.open:
            with self.database.transaction() as connection:
                audit.record(connection, now=now, actor=audit.staff(member.id),
                             action="call.refused", conversation_id=record.conversation_id,
                             escalation_id=case_id)
            log.info("event=call.refused escalation=%s reason=%s", case_id, gate.reason)
            raise CallRefused("Not called. " + self.explain(gate, record))
        to = self.phones.number(member.id)
        if to is None:
            raise CallRefused("Add your own phone number first (Your phone, at the top of the "
                              "page): the service rings it, then connects you.")
        call_id = self._insert(record, member, now)
        try:
            sid = self.dialer().call(to, self.url("answer", call_id),
                                     self.url("status", call_id))
        except SendError as error:
            self._finish(call_id, "failed", error_kind=error.kind)
            raise CallRefused("Twilio could not ring your phone. Check the number on your "
                              "account, then try again.") from None
        except Exception as error:  # noqa: BLE001 -- the call must not stay "ringing" forever
            log.error("event=call.start_failed call=%s %s", call_id, exception_summary(error))
            self._finish(call_id, "failed", error_kind="provider_error")
            raise CallRefused("The call could not be started. Try again in a minute.") from None
        with self.database.transaction() as connection:
            connection.execute(update(calls).where(
                calls.c.id == call_id, calls.c.advocate_call_sid.is_(None))
                .values(advocate_call_sid=sid))
        log.info("event=call.started call=%s escalation=%s advocate=%s", call_id, case_id,
                 member.id)
        return call_id

    def _insert(self, record: cases.CaseRecord, member: StaffMember, now: datetime) -> int:
        try:
            with self.database.transaction() as connection:
                self._expire_stale(connection, record.id, now)
                call_id: int = connection.execute(insert(calls).values(
                    escalation_id=record.id, advocate_id=member.id,
                    status="calling_advocate", created_at=now).returning(calls.c.id)
                ).scalar_one()
                audit.record(connection, now=now, actor=audit.staff(member.id),
                             action="call.requested", conversation_id=record.conversation_id,
                             escalation_id=record.id)
        except IntegrityError:
            # The partial unique index: this case has a call under way (a second click).
            raise CallRefused("A call on this case is already under way.") from None
        return call_id

    def _expire_stale(self, connection: Connection, case_id: int, now: datetime) -> None:
        stale = (calls.c.escalation_id == case_id) & (calls.c.status != "ended") & (
            (calls.c.created_at < now - STALE_CALL)
            | (calls.c.advocate_call_sid.is_(None) & (calls.c.created_at < now - STALE_START)))
        connection.execute(update(calls).where(stale).values(
            status="ended", outcome="unknown", ended_at=now))

    def url(self, step: str, call_id: int) -> str:
        """The webhook address for one step of one call: our id only, never a number."""
        return f"{self.base_url}{VOICE_PATH}/{step}?call={call_id}"

    # -- Twilio's webhooks (signed; app/channels/voice.py) ----------------------------------

    def answered(self, call_id: int, call_sid: str) -> Step:
        """The advocate's phone answered: ask for 1, unless the call may no longer go ahead."""
        with self.database.transaction() as connection:
            row = self._row(connection, call_id, call_sid)
            if row is None:
                return Step("end")
            stopped = self._check(connection, row)
            if stopped:
                return stopped
            connection.execute(update(calls).where(
                calls.c.id == call_id, calls.c.status == "calling_advocate")
                .values(status="advocate_answered", answered_at=self.clock()))
        return Step("confirm")

    def connect(self, call_id: int, call_sid: str, digits: str) -> Step:
        """The advocate pressed a key: dial the survivor if it is 1 and the gate, asked again
        now, is open; their number leaves the vault only into this answer."""
        with self.database.transaction() as connection:
            row = self._row(connection, call_id, call_sid)
            if row is None:
                return Step("end")
            if digits != "1":
                self._end(connection, call_id, "not_connected")
                return Step("end")
            stopped = self._check(connection, row)
            if stopped:
                return stopped
            record = cases.load(connection, self.keyring, row.escalation_id)
            number = None if record is None else transcripts.reply_address(
                connection, self.keyring, record.conversation_id)
            if record is None or number is None:
                self._end(connection, call_id, "stopped", stop_reason="no_address")
                return Step("stop")
            first = connection.execute(update(calls).where(
                calls.c.id == call_id, calls.c.status != "dialling_survivor")
                .values(status="dialling_survivor", dialled_at=self.clock())).rowcount
            if first:
                audit.record(connection, now=self.clock(), actor="system",
                             action="call.survivor_dialled",
                             conversation_id=record.conversation_id,
                             escalation_id=record.id)
        log.info("event=call.dialling call=%s replay=%s", call_id, not first)
        return Step("dial", number=number, caller_id=self.caller_id())

    def dialled(self, call_id: int, call_sid: str, dial_status: str,
                survivor_call_sid: str = "") -> None:
        """The <Dial> to the survivor ended: record how (once), and the survivor's leg's id,
        which erasure needs to delete Twilio's record of that leg (it holds the number)."""
        outcome = call_rules.DIAL_OUTCOMES.get(dial_status)
        with self.database.transaction() as connection:
            row = self._row(connection, call_id, call_sid)
            if row is not None and CALL_SID.match(survivor_call_sid):
                connection.execute(update(calls).where(
                    calls.c.id == call_id, calls.c.survivor_call_sid.is_(None))
                    .values(survivor_call_sid=survivor_call_sid))
            if row is not None and outcome is not None:
                self._end(connection, call_id, outcome)

    def leg_status(self, call_id: int, call_sid: str, call_status: str) -> None:
        """The advocate's call ended: its final status, if nothing more precise was recorded."""
        with self.database.transaction() as connection:
            row = self._row(connection, call_id, call_sid)
            if row is None:
                return
            outcome = call_rules.leg_outcome(call_status, row.status == "dialling_survivor",
                                             row.status == "advocate_answered")
            if outcome is not None:
                self._end(connection, call_id, outcome)

    def _row(self, connection: Connection, call_id: int, call_sid: str) -> Row[Any] | None:
        """The unfinished call this webhook names. Twilio may answer before `start` stored the
        SID, so the first webhook binds it; a webhook naming another SID gets nothing."""
        connection.execute(update(calls).where(
            calls.c.id == call_id, calls.c.advocate_call_sid.is_(None))
            .values(advocate_call_sid=call_sid))
        row = connection.execute(select(calls).where(
            calls.c.id == call_id, calls.c.advocate_call_sid == call_sid)).first()
        if row is None or row.outcome is not None:
            return None
        return row

    def _check(self, connection: Connection, row: Row[Any]) -> Step | None:
        """The gate as it is now, and the advocate still holding the case; a "stop" step (the
        call recorded as stopped, with the reason) if the call may not go ahead."""
        record = cases.load(connection, self.keyring, row.escalation_id)
        reason: str | None
        if record is None:
            reason = "erasure"
        elif not authz.still_holds(row.advocate_id, facts(record)):
            reason = "not_holder"
        else:
            gate = self.gate(record)
            reason = None if gate.open else gate.reason
        if reason is None:
            return None
        self._end(connection, row.id, "stopped", stop_reason=reason)
        log.info("event=call.stopped call=%s reason=%s", row.id, reason)
        return Step("stop")

    def _end(self, connection: Connection, call_id: int, outcome: str, *,
             stop_reason: str | None = None, error_kind: str | None = None) -> None:
        now = self.clock()
        changed = connection.execute(update(calls).where(
            calls.c.id == call_id, calls.c.outcome.is_(None)).values(
            status="ended", outcome=outcome, stop_reason=stop_reason, error_kind=error_kind,
            ended_at=now)).rowcount
        if changed:
            case_id = connection.execute(select(calls.c.escalation_id).where(
                calls.c.id == call_id)).scalar_one()
            audit.record(connection, now=now, actor="system",
                         action="call.stopped" if outcome == "stopped" else "call.ended",
                         escalation_id=case_id)
            log.info("event=call.ended call=%s outcome=%s", call_id, outcome)

    def _finish(self, call_id: int, outcome: str, *, error_kind: str | None = None) -> None:
        with self.database.transaction() as connection:
            self._end(connection, call_id, outcome, error_kind=error_kind)

