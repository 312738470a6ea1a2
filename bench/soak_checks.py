"""What the soak asserts after its run (bench/soak.py): answers, storage, outbound sends,
erasures, the warm-up, and latency before, during and after each fault.
"""


import contextlib
import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.soak_replies import (  # noqa: E402
    ReplyRow,
    account,
    references_at_fake,
)
from bench.soak_stack import Fault, Stack, db_rows, db_value, spooled  # noqa: E402
from bench.soak_survivors import Ledger, Sent  # noqa: E402


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * p + 0.5) - 1))], 1)

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99),
            "max": round(ordered[-1], 1), "mean": round(statistics.fmean(ordered), 1)}


def verify(stack: Stack, ledger: Ledger, start: float, faults: list[Fault]) -> dict[str, Any]:
    failures: list[str] = []
    figures: dict[str, Any] = {}
    for check in (_check_warm_up, _check_answers, _check_storage, _check_outbound):
        check(stack, ledger, failures, figures)
    figures.update(
        failures=failures,
        rq_workers_killed=sum(1 for f in faults if f.name.startswith("rq worker")),
        faults=[(round(f.at, 1), f.name) for f in faults if not f.name.startswith("rq")],
        latency_ms=_latency(ledger.sent, start, faults),
        slowest=[(round(s.at - start, 1), round(s.ms), s.tries,
                  "chat" if s.survivor.startswith("chat:") else "sms", s.text)
                 for s in sorted(ledger.sent, key=lambda s: -s.ms)[:12]],
        events=[(round(at - start, 1), what) for at, what in ledger.events])
    return figures


def _check_warm_up(stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """The warm-up's texts stored, and each of its numbers' requests for a person a case."""
    mine = set(ledger.warm_up_sids)
    found = [(sid, case) for sid, case in db_rows(
        stack, "SELECT m.provider_sid, e.id FROM messages m LEFT JOIN escalations e "
               "ON e.conversation_id = m.conversation_id WHERE m.direction = 'in'")
             if sid in mine]
    stored = len({sid for sid, _ in found})
    opened = len({case for _, case in found if case is not None})
    if stored != len(ledger.warm_up_sids) or opened != ledger.warm_up_numbers:
        failures.append(f"the warm-up stored {stored} of its {len(ledger.warm_up_sids)} texts "
                        f"and opened {opened} cases for {ledger.warm_up_numbers} numbers")
    figures["warm_up"] = {"texts": len(ledger.warm_up_sids), "stored": stored,
                          "numbers": ledger.warm_up_numbers, "cases_opened": opened}


def _check_answers(_stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """Every message answered with 200 and TwiML or the chat's JSON."""
    sent = ledger.sent
    unanswered = [s for s in sent if s.status != 200]
    if unanswered:
        failures.append(f"{len(unanswered)} messages not answered with 200 "
                        f"(statuses {Counter(s.status for s in unanswered)})")
    figures.update(
        sent=len(sent), sms=sum(1 for s in sent if not s.survivor.startswith("chat:")),
        chat=sum(1 for s in sent if s.survivor.startswith("chat:")),
        answered_200=len(sent) - len(unanswered),
        failsafe_answers=sum(1 for s in sent if s.failsafe),
        empty_answers=sum(1 for s in sent if s.empty),
        retried=sum(1 for s in sent if s.tries > 1))


def _check_storage(stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """Every message since the survivor's last erasure stored exactly once, nothing from
    before it left, and every request for a person since then on the queue."""
    sent = ledger.sent
    stored = Counter(row[0] for row in db_rows(
        stack, "SELECT provider_sid FROM messages WHERE direction = 'in' "
               "AND provider_sid IS NOT NULL"))
    last = {person: ledger.erasures[person] for person in {s.survivor for s in sent}}
    # The message that confirmed an erasure ("1" after "delete") goes with it.
    current = [s for s in sent if s.epoch == last[s.survivor]
               and s.text not in ("delete", "<erase>")]
    missing = [s for s in current if stored[s.provider_id] == 0]
    doubled = [sid for sid, n in stored.items() if n > 1]
    left_behind = [s for s in sent if s.epoch < last[s.survivor] and stored[s.provider_id]]
    if missing:
        failures.append(f"{len(missing)} answered messages not stored "
                        f"(e.g. {[(m.text, m.status) for m in missing[:5]]})")
    if doubled:
        failures.append(f"{len(doubled)} messages stored more than once")
    if left_behind:
        failures.append(f"{len(left_behind)} messages left after their survivor's erasure")
    asked = {s.provider_id for s in current if s.text == "person"}
    on_queue = {row[0] for row in db_rows(
        stack, "SELECT m.provider_sid FROM messages m JOIN escalations e "
               "ON e.conversation_id = m.conversation_id WHERE m.direction = 'in'")}
    if asked - on_queue:
        failures.append(f"{len(asked - on_queue)} requests for a person not on the queue")
    figures.update(
        spool_left=spooled(stack), spool_lost=_log_count(stack, "event=spool.lost"),
        checked_for_storage=len(current), stored_exactly_once=len(current) - len(missing),
        erasures=sum(ledger.erasures.values()), left_after_erasure=len(left_behind),
        person_requests=len(asked), person_requests_queued=len(asked & on_queue))


def _log_count(stack: Stack, event: str) -> int:
    """How many lines of the web and worker logs name `event`."""
    total = 0
    for name in ("gunicorn.log", "workers.log"):
        with contextlib.suppress(OSError), (stack.directory / name).open(
                encoding="utf-8", errors="replace") as log:
            total += sum(1 for line in log if event in line)
    return total


def _check_outbound(stack: Stack, ledger: Ledger, failures: list[str],
                    figures: dict[str, Any]) -> None:
    """Each advocate reply sent at most once (counted at the fake by its reference); every
    SMS reply marked sent reached the fake; the rest are held with a reason."""
    by_reference: Counter[str] = Counter()
    erased_at_fake: set[str] = set()
    deleted = set(stack.fake.deleted)
    at_fake = stack.fake.messages  # one snapshot for every figure below
    for message in at_fake:
        found = re.search(r"Ref (\d+-\d+)", message.body)
        if found:
            by_reference[found.group(1)] += 1
            if message.sid in deleted:  # the survivor erased the conversation afterwards
                erased_at_fake.add(found.group(1))
    duplicates = {ref: n for ref, n in by_reference.items() if n > 1}
    if duplicates:
        failures.append(f"{len(duplicates)} advocate replies sent more than once")
    statuses = Counter(f"{row[0]} ({row[1]})" if row[1] else row[0] for row in db_rows(
        stack, "SELECT status, coalesce(hold_reason, error_kind) FROM replies"))
    held_without_reason = db_value(stack, "SELECT count(*) FROM replies WHERE status = 'held' "
                                        "AND hold_reason IS NULL")
    unfinished = sum(n for status, n in statuses.items()
                     if status.split()[0] not in ("sent", "held", "failed", "delivered"))
    failed = sum(n for status, n in statuses.items() if status.startswith("failed"))
    sms_sent = db_value(stack, "SELECT count(*) FROM replies WHERE channel = 'sms' "
                             "AND status IN ('sent', 'delivered')")
    if failed:
        failures.append(f"{failed} advocate replies failed to send")
    if held_without_reason:
        failures.append(f"{held_without_reason} replies held without a reason")
    if unfinished:
        failures.append(f"{unfinished} advocate replies neither sent nor held")
    # Matched by Twilio's SID, both ways: every SMS reply marked sent is at the fake under its
    # SID, and every reply at the fake is a row marked sent with that SID, or its conversation
    # was erased afterwards (no row any more) and the erasure queued the copy for deletion.
    # Deleting copies is a job with retries: the drain waits for them (checked below).
    sent_sids = {row[0] for row in db_rows(
        stack, "SELECT provider_sid FROM replies WHERE channel = 'sms' "
               "AND status IN ('sent', 'delivered')")}
    deletions = {row[0]: row[1] for row in db_rows(
        stack, "SELECT provider_sid, status FROM provider_deletions")}
    replies_at_fake = {m.sid for m in at_fake if re.search(r"Ref (\d+-\d+)", m.body)}
    not_at_fake = sent_sids - {m.sid for m in at_fake}
    erased = {sid for sid in replies_at_fake - sent_sids if sid in deletions}
    unaccounted = replies_at_fake - sent_sids - erased
    # Every provider copy an erasure queued (messages in and out, calls) deleted by the end
    # of the drain: nothing of an erased conversation stays at the provider.
    copies = Counter(deletions.values())
    if copies["pending"]:
        failures.append(f"{copies['pending']} provider-copy deletions still pending after "
                        f"the drain (of {len(deletions)} queued by erasures)")
    if copies["failed"]:
        failures.append(f"{copies['failed']} provider-copy deletions failed")
    accepted_failures, accepted_figures = account(
        list(ledger.replies.values()),
        [ReplyRow(int(row[0]), row[1], row[2], row[3]) for row in db_rows(
            stack, "SELECT escalation_id, channel, status, hold_reason FROM replies")],
        {int(row[0]) for row in db_rows(
            stack, "SELECT id FROM escalations WHERE conversation_id IS NULL")},
        references_at_fake(message.body for message in at_fake))
    failures.extend(accepted_failures)
    figures.update(accepted_figures)
    if not_at_fake or unaccounted:
        # The soak's texts are its own, never a survivor's: show what the fake got instead.
        others = [message.body[:80] for message in at_fake
                  if not re.search(r"Ref (\d+-\d+)", message.body)]
        failures.append(f"{sms_sent} SMS replies marked sent, {len(by_reference)} at the fake: "
                        f"{len(not_at_fake)} marked sent but not at the fake, "
                        f"{len(unaccounted)} at the fake with neither a row marked sent nor "
                        f"an erasure's deletion; other messages at the fake: {others[:5]}")
    figures.update(
        advocate_replies_accepted=len(ledger.replies),
        advocate_replies_refused=ledger.refused_replies, reply_statuses=dict(statuses),
        advocate_stalls=dict(ledger.stalls),
        outbound_sends_at_fake=len(at_fake),
        advocate_replies_at_fake=len(by_reference),
        advocate_replies_erased_at_fake=len(erased_at_fake),
        advocate_replies_erased=len(erased),
        advocate_reply_copies_deletion_pending=sum(
            1 for sid in erased if deletions[sid] == "pending"),
        provider_deletions=dict(copies), provider_copies_pending=copies["pending"],
        duplicate_outbound=len(duplicates))


def _latency(sent: list[Sent], start: float, faults: list[Fault]) -> dict[str, Any]:
    """Percentiles overall, per channel, before the first fault, and around each fault."""
    answered = [s for s in sent if s.status == 200]
    latency: dict[str, Any] = {
        "all": percentiles([s.ms for s in answered]),
        "sms": percentiles([s.ms for s in answered if not s.survivor.startswith("chat:")]),
        "chat": percentiles([s.ms for s in answered if s.survivor.startswith("chat:")])}
    first = min((f.at for f in faults), default=1e9)
    latency["before faults"] = percentiles([s.ms for s in answered if s.at - start < first])
    window = [(s.at - start, s.ms) for s in answered]
    for fault in faults:
        if fault.name.startswith("rq worker"):
            continue
        latency[fault.name] = {
            "before (30 s)": percentiles([ms for t, ms in window
                                          if fault.at - 30 <= t < fault.at]),
            "during (30 s)": percentiles([ms for t, ms in window
                                          if fault.at <= t < fault.at + 30]),
            "after (30-60 s)": percentiles([ms for t, ms in window
                                            if fault.at + 30 <= t < fault.at + 60]),
        }
    return latency
