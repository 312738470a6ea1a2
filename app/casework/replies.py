"""Advocates' replies: drafted, checked, stored sealed, then sent when it is safe.

A reply is written to the database (the message, sealed, and a `replies` row) before any job
runs, so nothing an advocate sends is lost if Redis or a worker is down. Whether it may go now
is `outbound_gate.decide`; a reply that may not go yet is `held` with its reason, and the
sweeper sends it when that changes (app/casework/reply_delivery.py). Before anything is
stored, the same lock-screen rule and segment limits that `flask flows check` applies to the
flows are applied to the advocate's text, and the advocate sees what a phone's lock screen
would show.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app import audit
from app.casework.canned import CannedReplies, Offered
from app.casework.desk import CaseConflict, CaseNotFound, Casework, NotAllowed, facts
from app.casework.held_replies import HeldReplies
from app.casework.outbound_gate import Gate
from app.content.catalogues import FALLBACK_LANGUAGE, Catalogues
from app.content.lockscreen import LockScreenRule, direction_overrides, visible
from app.content.segments import encoding_of
from app.flows import FlowError
from app.outbound import receipts as provider_receipts
from app.staff import authz
from app.staff.accounts import StaffMember
from app.storage import cases, tallies, transcripts, vault
from app.storage.models import DeliveryReceipt, Message, Reply, table_of
from app.storage.times import aware, utc

log = logging.getLogger(__name__)
replies = table_of(Reply)
messages = table_of(Message)
receipts_table = table_of(DeliveryReceipt)

CANNED = ("canned.received", "canned.safe_now", "canned.when_safe", "canned.services",
          "canned.closing")
MAX_REPLY_CHARS = 1000
STILL_YOURS = ("The case was closed, released or handed over while you were writing, so the "
               "reply was not stored. Reload the case to see where it is.")


class DraftRefused(ValueError):
    """The reply cannot be sent as written; `problems` say why, in words for the advocate."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Draft:
    text: str
    lock_screen: str  # what a phone's lock screen would show
    problems: tuple[str, ...]
    segments: int
    encoding: str
    gate: Gate
    # The survivor's safe-time window (canonical, e.g. "mon-fri 18:00-20:00") when a reply
    # would wait for it, so the check can say when it goes and why then.
    window: str | None = None


@dataclass(frozen=True)
class ReplyStatus:
    id: int
    status: str
    hold_reason: str | None
    not_before: datetime | None
    error_kind: str | None
    created_at: datetime
    sent_at: datetime | None
    provider_status: str | None = None  # from Twilio's status callbacks, e.g. "delivered"
    message_id: uuid.UUID | None = None  # the reply's row in the transcript
    advocate_id: int | None = None


class Replies:
    def __init__(self, *, casework: Casework, catalogues: Catalogues,
                 rule: Callable[[], LockScreenRule], services_text: Callable[[str], str],
                 clock: Callable[[], datetime],
                 canned_replies: CannedReplies | None = None) -> None:
        self.casework = casework
        self.canned_replies = canned_replies
        self.catalogues = catalogues
        self._load_rule = rule
        self._rule: LockScreenRule | None = None
        self.services_text = services_text
        self.clock = clock
        # Replies not yet gone, and withdrawing them (also when the case is closed).
        self.held = HeldReplies(casework=casework, clock=clock)

    @property
    def rule(self) -> LockScreenRule:
        """The lock-screen rule from flows/outbound.yaml. If it cannot be read, nothing is sent:
        an unchecked reply could give a survivor away on their lock screen."""
        if self._rule is None:
            try:
                self._rule = self._load_rule()
            except FlowError as error:
                raise DraftRefused(["The rules for outbound messages (flows/outbound.yaml) "
                                    "cannot be read, so no reply can be checked or sent. "
                                    "Tell the service's administrator."]) from error
        return self._rule

    def canned(self, language: str) -> list[tuple[str, str]]:
        """The canned replies as (id, text), as `canned_choices` offers them."""
        return [(o.key, o.text) for o in self.canned_choices(language)]

    def canned_choices(self, language: str) -> list[Offered]:
        """The canned replies, rendered in the survivor's language, else the deployment's
        default, else English, each saying which language it is in (the picker labels a
        fallback): the deployment's edited versions when `canned_replies` is set
        (app/casework/canned.py)."""
        if self.canned_replies is not None:
            return self.canned_replies.for_language(language)
        chain = list(dict.fromkeys((language, self.catalogues.default_language,
                                    FALLBACK_LANGUAGE)))
        found = []
        for message_id in CANNED:
            for candidate in chain:
                if self.catalogues.has(candidate, message_id):
                    found.append(Offered(message_id, self.catalogues.text(
                        candidate, message_id, {"services": self.services_text(candidate)}),
                        candidate))
                    break
        return found

    def draft(self, case_id: int, member: StaffMember, text: str) -> Draft:
        """Check a reply and show what would happen, without storing anything."""
        record = self.casework.load(case_id)
        if not authz.can_reply(member, facts(record)):
            raise NotAllowed("reply")
        text = text.strip()
        problems = []
        if not text:
            problems.append("Write a reply first.")
        if len(text) > MAX_REPLY_CHARS:
            problems.append(f"The reply is longer than {MAX_REPLY_CHARS} characters.")
        found = self.rule.violations_in_any_language(text)
        if found:
            problems.append(
                f"The first {self.rule.preview} characters would show on a locked phone and "
                f"give away what this is ({', '.join(found)}). Start with ordinary words.")
        overrides = direction_overrides(text)
        if overrides:
            problems.append(
                f"The reply holds an invisible character ({', '.join(overrides)}) that makes "
                "a phone show the words or numbers after it in another order. Retype the "
                "reply rather than pasting it.")
        encoding = encoding_of(text)
        if record.channel == "sms" and encoding.segments > self.rule.max_segments:
            problems.append(f"Too long for a text: {encoding.segments} parts (at most "
                            f"{self.rule.max_segments}).")
        gate = self.casework.gate(record)
        if gate.cancelled:
            problems.append(gate.explanation)
        return Draft(text, visible(text)[: self.rule.preview], tuple(problems), encoding.segments,
                     encoding.name, gate, record.window_text if gate.opens_at else None)

    def send(self, case_id: int, member: StaffMember, text: str) -> tuple[int, Gate]:
        """Store the reply and its delivery row; the caller dispatches it after the commit."""
        draft = self.draft(case_id, member, text)
        if draft.problems:
            raise DraftRefused(list(draft.problems))
        now = self.clock()
        gate = draft.gate
        with self.casework.database.transaction() as connection:
            record = cases.load(connection, self.casework.keyring, case_id)
            if record is None:
                raise CaseNotFound(case_id)
            conversation = vault.OpenConversation(record.conversation_id, record.channel,
                                                  record.key, None, record.language, False)
            message_id = uuid.uuid4()
            vault.add_messages(connection, conversation, [vault.NewMessage(
                "out", "advocate", draft.text, id=message_id)], now)
            reply_id: int = connection.execute(replies.insert().values(
                escalation_id=case_id, conversation_id=record.conversation_id,
                message_id=message_id, advocate_id=member.id, channel=record.channel,
                status="queued" if gate.open else "held", hold_reason=gate.reason,
                not_before=gate.opens_at, attempts=0, created_at=now,
            ).returning(replies.c.id)).scalar_one()
            # Checked again with the case held: a close, release or handover that committed
            # since the draft was checked must not leave a reply nobody chose to send (a close
            # counts the waiting replies under the same lock, app/casework/held_replies.py).
            cases.hold_row(connection, case_id)
            current = cases.load(connection, self.casework.keyring, case_id)
            if current is None or not authz.can_reply(member, facts(current)):
                raise CaseConflict(STILL_YOURS)
            tallies.first_reply(connection, case_id, now)
            audit.record(connection, now=now, actor=audit.staff(member.id),
                         action="reply.written", conversation_id=record.conversation_id,
                         escalation_id=case_id)
        log.info("event=reply.written escalation=%s reply=%s status=%s reason=%s", case_id,
                 reply_id, "queued" if gate.open else "held", gate.reason)
        return reply_id, gate

    def for_case(self, case_id: int) -> list[ReplyStatus]:
        """The case's replies, with what the provider last said about each (its status
        callbacks: delivered, undelivered...), so the advocate knows whether it arrived."""
        with self.casework.database.transaction() as connection:
            rows = connection.execute(
                select(replies).where(replies.c.escalation_id == case_id)
                .order_by(replies.c.created_at)).all()
            sids = [r.provider_sid for r in rows if r.provider_sid]
            receipts = connection.execute(
                select(receipts_table.c.provider_sid, receipts_table.c.status)
                .where(receipts_table.c.provider_sid.in_(sids))
                .order_by(receipts_table.c.received_at, receipts_table.c.id)).all() if sids else []
        arrived: dict[str, list[str]] = {}
        for sid, status in receipts:
            arrived.setdefault(sid, []).append(status)
        # The furthest status, not the latest to arrive: callbacks come out of order.
        latest = {sid: provider_receipts.furthest(statuses) for sid, statuses in arrived.items()}
        return [ReplyStatus(r.id, r.status, r.hold_reason, aware(r.not_before),
                            r.error_kind, utc(r.created_at), aware(r.sent_at),
                            latest.get(r.provider_sid), r.message_id, r.advocate_id)
                for r in rows]

    def collect_web(self, conversation_id: uuid.UUID) -> list[str]:
        """Advocates' replies waiting for this web conversation's page; each is handed over
        once (the conditional UPDATE decides, so two polls at once cannot both take it)."""
        now = self.clock()
        collected: list[str] = []
        with self.casework.database.transaction() as connection:
            waiting = connection.execute(
                select(replies.c.id, replies.c.escalation_id, replies.c.message_id)
                .where(replies.c.conversation_id == conversation_id,
                       replies.c.status.in_(("queued", "held")))
                .order_by(replies.c.created_at)).all()
            if not waiting:
                return []
            record = cases.load(connection, self.casework.keyring, waiting[0].escalation_id)
            if record is None or not self.casework.gate(record).open:
                return []
            texts = {m.id: m.body for m in transcripts.transcript(
                connection, self.casework.keyring, conversation_id)}
            for row in waiting:
                taken = connection.execute(
                    update(replies).where(replies.c.id == row.id,
                                          replies.c.status.in_(("queued", "held")))
                    .values(status="sent", sent_at=now, hold_reason=None)).rowcount
                if taken and row.message_id in texts:
                    collected.append(texts[row.message_id])
        return collected
