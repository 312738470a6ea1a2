"""The soak's account of advocate replies (bench/soak_replies.py): a run in which no SMS reply
was accepted, or an accepted SMS reply is missing, fails; the desk takes both channels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from bench.soak_replies import Accepted, ReplyRow, account, next_case, references_at_fake


def sms(reference: str, case_id: int) -> Accepted:
    return Accepted(reference, case_id, "sms")


def chosen_id(case: Mapping[str, Any] | None) -> object:
    return None if case is None else case["id"]


def test_no_sms_reply_fails_however_clean_the_chat_replies() -> None:
    accepted = [Accepted("1-1", 10, "web"), Accepted("1-2", 11, "web")]
    rows = [ReplyRow(10, "web", "delivered", None), ReplyRow(11, "web", "delivered", None)]
    failures, figures = account(accepted, rows, set(), Counter())
    assert any("no SMS advocate reply" in f for f in failures)
    assert figures["advocate_replies_by_channel"] == {"web": 2}


def test_every_sms_reply_at_the_fake_once_held_or_erased_passes() -> None:
    accepted = [sms("1-1", 1), sms("1-2", 2), sms("2-1", 3), Accepted("2-2", 4, "web")]
    rows = [ReplyRow(1, "sms", "sent", None), ReplyRow(2, "sms", "held", "safe_window"),
            ReplyRow(4, "web", "delivered", None)]
    at_fake = references_at_fake(["Thanks. Ref 1-1", "You are now unsubscribed."])
    failures, figures = account(accepted, rows, {3}, at_fake)
    assert failures == []
    assert figures["sms_replies_accounted"] == {
        "at the fake once": 1, "held with a reason": 1, "erased with its conversation": 1}
    assert figures["reply_reconciliation"]["missing_rows_erased"] == 1
    assert figures["reply_reconciliation"]["missing_rows_unexplained"] == 0


def test_a_missing_sms_reply_fails() -> None:
    accepted = [sms("1-1", 1), sms("1-2", 2)]
    rows = [ReplyRow(1, "sms", "sent", None), ReplyRow(2, "sms", "sent", None)]
    failures, _ = account(accepted, rows, set(), references_at_fake(["Ref 1-1"]))
    assert any("1-2" in f for f in failures)


def test_a_reply_held_without_a_reason_or_sent_twice_fails() -> None:
    accepted = [sms("1-1", 1), sms("1-2", 2)]
    rows = [ReplyRow(1, "sms", "held", None), ReplyRow(2, "sms", "sent", None)]
    failures, _ = account(accepted, rows, set(), references_at_fake(["Ref 1-2", "Ref 1-2"]))
    assert any("1-1" in f and "1-2 x2" in f for f in failures)


def test_an_accepted_reply_without_a_row_is_explained_only_by_an_erasure() -> None:
    accepted = [sms("1-1", 1), Accepted("1-2", 2, "web")]
    failures, figures = account(accepted, [ReplyRow(1, "sms", "sent", None)], set(),
                                references_at_fake(["Ref 1-1"]))
    assert any("no reply row" in f for f in failures)
    assert figures["reply_reconciliation"]["gap"] == 1
    failures, _ = account(accepted, [ReplyRow(1, "sms", "sent", None)], {2},
                          references_at_fake(["Ref 1-1"]))
    assert failures == []


def test_the_desk_takes_the_oldest_case_of_the_channel_with_fewer_replies() -> None:
    cases = [
        {"id": 1, "status": "open", "can_claim": True, "channel": "web", "waiting_seconds": 90},
        {"id": 2, "status": "open", "can_claim": True, "channel": "sms", "waiting_seconds": 5},
        {"id": 3, "status": "open", "can_claim": True, "channel": "sms", "waiting_seconds": 40},
        {"id": 4, "status": "claimed", "can_claim": True, "channel": "sms",
         "waiting_seconds": 99},
    ]
    assert chosen_id(next_case(cases, Counter({"web": 3, "sms": 1}))) == 3
    assert chosen_id(next_case(cases, Counter({"web": 0, "sms": 1}))) == 1
    # No open case of the channel behind: the other channel's is taken, not nothing.
    assert chosen_id(next_case(cases, Counter({"sms": 5}), skip={1})) == 3
    assert chosen_id(next_case(cases[3:], Counter())) is None


def test_the_warm_up_ids_are_ones_the_webhook_accepts() -> None:
    # The warm-up once sent SM{12 hex}w{18 hex}: refused, answered by the fail-safe, unstored.
    from app.channels.sms import _SID  # noqa: PLC0415,PLC2701 -- the webhook's own rule
    from bench.soak import message_sid  # noqa: PLC0415 -- the soak's imports are heavy

    assert _SID.fullmatch(message_sid())
