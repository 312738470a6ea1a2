"""The soak's account of advocate replies (bench/soak.py), kept apart so it can be tested
without the full run (tests/bench/test_soak_replies.py).

Issue 22 asks that every advocate reply be "delivered exactly once or held with its reason".
A soak whose desk only ever answered web chats passed that vacuously (no SMS reply, so nothing
could be missing at the fake), and accepted replies were never matched with stored rows. Here:
which case the desk takes next (both channels, so both are exercised), and the account that
fails a run with no SMS reply, or with an accepted SMS reply neither at the fake once, nor held
with a reason, nor erased with its conversation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REFERENCE = re.compile(r"Ref (\d+-\d+)")


@dataclass(frozen=True)
class Accepted:
    """A reply the service accepted (302 on the reply form), by the soak's own reference."""

    reference: str  # "n-m": advocate n's m-th reply, in the text as "Ref n-m"
    case_id: int
    channel: str  # the case's channel as queue.json gives it


@dataclass(frozen=True)
class ReplyRow:
    """A row of the replies table (its text is sealed: matched to references by case)."""

    case_id: int
    channel: str
    status: str
    hold_reason: str | None


def next_case(cases: Iterable[Mapping[str, Any]], accepted: Counter[str],
              skip: Collection[int] = ()) -> Mapping[str, Any] | None:
    """The open case to claim next: the oldest of whichever channel has had fewer accepted
    replies so far (the queue orders by priority then age, and the chat path asks for a person
    sooner, so taking the queue's first case left SMS replies unexercised). None if none."""
    open_cases = [c for c in cases if c.get("status") == "open" and c.get("can_claim")
                  and int(c["id"]) not in skip]
    if not open_cases:
        return None
    by_channel: dict[str, list[Mapping[str, Any]]] = {}
    for case in open_cases:
        by_channel.setdefault(str(case.get("channel", "")), []).append(case)
    channel = min(by_channel, key=lambda name: (accepted[name], name))
    return max(by_channel[channel], key=lambda c: int(c.get("waiting_seconds", 0)))


def references_at_fake(bodies: Iterable[str]) -> Counter[str]:
    """How often each reply reference reached the fake provider."""
    found: Counter[str] = Counter()
    for body in bodies:
        match = REFERENCE.search(body)
        if match:
            found[match.group(1)] += 1
    return found


def account(accepted: list[Accepted], rows: list[ReplyRow], erased_cases: set[int],
            at_fake: Counter[str]) -> tuple[list[str], dict[str, Any]]:
    """Failures and figures for the replies the service accepted.

    An accepted SMS reply is accounted for if its reference is at the fake exactly once, or its
    case holds a reply held with a reason, or its case was erased (the row went with the
    conversation). Accepted replies and rows are reconciled per case: a case with fewer rows
    than accepted replies is explained only by its erasure."""
    failures: list[str] = []
    per_channel = Counter(a.channel for a in accepted)
    if per_channel["sms"] == 0:
        failures.append(f"no SMS advocate reply was accepted ({dict(per_channel)} by channel): "
                        "delivery by SMS was not exercised")
    held_with_reason = Counter(r.case_id for r in rows
                               if r.status == "held" and r.hold_reason)
    outcome: Counter[str] = Counter()
    missing: list[str] = []
    for reply in (a for a in accepted if a.channel == "sms"):
        times = at_fake[reply.reference]
        if times == 1:
            outcome["at the fake once"] += 1
        elif times > 1:
            outcome["at the fake more than once"] += 1
            missing.append(f"{reply.reference} x{times}")
        elif held_with_reason[reply.case_id]:
            held_with_reason[reply.case_id] -= 1
            outcome["held with a reason"] += 1
        elif reply.case_id in erased_cases:
            outcome["erased with its conversation"] += 1
        else:
            outcome["unaccounted"] += 1
            missing.append(reply.reference)
    if missing:
        failures.append(f"{len(missing)} accepted SMS replies neither at the fake exactly once, "
                        f"nor held with a reason, nor erased (e.g. {missing[:5]})")
    figures: dict[str, Any] = {"advocate_replies_by_channel": dict(per_channel),
                               "sms_replies_accounted": dict(outcome)}
    figures.update(_reconcile(accepted, rows, erased_cases, failures))
    return failures, figures


def _reconcile(accepted: list[Accepted], rows: list[ReplyRow], erased_cases: set[int],
               failures: list[str]) -> dict[str, Any]:
    """Accepted replies against reply rows plus erasures, per case."""
    wanted = Counter(a.case_id for a in accepted)
    stored = Counter(r.case_id for r in rows)
    erased_gap = unexplained = 0
    for case_id, count in wanted.items():
        gap = count - stored[case_id]
        if gap > 0 and case_id in erased_cases:
            erased_gap += gap
        elif gap > 0:
            unexplained += gap
    extra = sum(max(0, n - wanted[case_id]) for case_id, n in stored.items())
    if unexplained:
        failures.append(f"{unexplained} accepted replies have no reply row and their case was "
                        "not erased")
    return {"reply_reconciliation": {
        "accepted": len(accepted), "rows": len(rows), "gap": len(accepted) - len(rows),
        "missing_rows_erased": erased_gap, "missing_rows_unexplained": unexplained,
        "rows_not_accepted": extra}}
