"""Cover mode holds every outbound message (app/casework/outbound_gate.py), on every channel.

Issue 23, item 2: after the duress word the survivor got the cover reply, but an advocate's
reply still went out. Pure table tests: the gate's policy order with "cannot_talk" in it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.casework.outbound_gate import Circumstances, Gate, decide

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def covered(*holds: str, channel: str = "sms") -> Circumstances:
    """Cover mode, with each named hold (a Circumstances field) also applying."""
    return Circumstances(channel=channel, cover=True, opted_out="opted_out" in holds,
                         ended="ended" in holds, erasure_requested="erasure_requested" in holds,
                         paused="paused" in holds, locked="locked" in holds, wants=None,
                         window=None, timezone="Europe/London")


@pytest.mark.parametrize("channel", ["sms", "web"])
def test_cover_mode_holds_a_reply_on_every_channel(channel: str) -> None:
    gate = decide(covered(channel=channel), NOW)
    assert gate == Gate(False, "cannot_talk")
    assert not gate.cancelled  # it waits; it is not thrown away
    assert gate.explanation.startswith("Cannot talk: held.")


@pytest.mark.parametrize("hold", ["opted_out", "paused", "locked"])
def test_cannot_talk_is_the_reason_advocates_see_before_other_holds(hold: str) -> None:
    assert decide(covered(hold), NOW).reason == "cannot_talk"


@pytest.mark.parametrize(("hold", "reason"), [("erasure_requested", "erasure"),
                                              ("ended", "ended")])
def test_a_cancelled_reply_stays_cancelled_in_cover_mode(hold: str, reason: str) -> None:
    assert decide(covered(hold), NOW) == Gate(False, reason)
