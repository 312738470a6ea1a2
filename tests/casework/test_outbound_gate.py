"""May a message go to this survivor now? (app/outbound_gate.py).

docs/threat-model.md, A2: we never contact a number that sent STOP or "pause", before the resume
word, or outside the survivor's safe-time window. The order of the reasons is the policy: the
first that applies is the one advocates see, and only erasure and a finished chat cancel.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.casework.outbound_gate import Circumstances, Gate, decide
from app.casework.safe_time import SafeWindow

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
WEEKDAY_EVENINGS = SafeWindow(frozenset({0, 1, 2, 3, 4}), time(18), time(20))
# Wednesday 1 July 2026: 12:00 BST is outside the evening window, 19:00 BST inside it.
OUTSIDE = datetime(2026, 7, 1, 12, 0, tzinfo=LONDON)
INSIDE = datetime(2026, 7, 1, 19, 0, tzinfo=LONDON)


def circumstances(*, channel: str = "sms", opted_out: bool = False, ended: bool = False,
                  erasure_requested: bool = False, paused: bool = False, locked: bool = False,
                  cover: bool = False, wants: str | None = None,
                  window: SafeWindow | None = None,
                  timezone: str = "Europe/London") -> Circumstances:
    """A survivor with nothing holding messages back, changed by the arguments."""
    return Circumstances(channel=channel, opted_out=opted_out, ended=ended,
                         erasure_requested=erasure_requested, paused=paused, locked=locked,
                         cover=cover, wants=wants, window=window, timezone=timezone)


def holding(*reasons: str, channel: str = "sms") -> Circumstances:
    """Circumstances where each named hold applies, with a window that is shut at OUTSIDE."""
    return circumstances(
        channel=channel, erasure_requested="erasure" in reasons, ended="ended" in reasons,
        opted_out="opted_out" in reasons, paused="paused" in reasons, locked="locked" in reasons,
        cover="cannot_talk" in reasons,
        wants="information_only" if "information_only" in reasons else "call_back",
        window=WEEKDAY_EVENINGS)


@pytest.mark.parametrize(
    ("c", "reason"),
    [
        pytest.param(holding("erasure"), "erasure", id="erasure-alone"),
        pytest.param(holding("ended"), "ended", id="ended-alone"),
        pytest.param(holding("opted_out"), "opted_out", id="opted-out-alone"),
        pytest.param(holding("paused"), "paused", id="paused-alone"),
        pytest.param(holding("locked"), "locked", id="locked-alone"),
        pytest.param(holding("information_only"), "information_only",
                     id="information-only-alone"),
        pytest.param(holding("erasure", "ended", "opted_out", "paused", "locked",
                             "information_only"), "erasure", id="erasure-beats-everything"),
        pytest.param(holding("ended", "opted_out", "paused", "locked", "information_only"),
                     "ended", id="ended-beats-opted-out-and-later"),
        pytest.param(holding("opted_out", "paused", "locked", "information_only"),
                     "opted_out", id="opted-out-beats-paused-and-later"),
        pytest.param(holding("paused", "locked", "information_only"), "paused",
                     id="paused-beats-locked-and-later"),
        pytest.param(holding("locked", "information_only"), "locked",
                     id="locked-beats-information-only"),
    ],
)
def test_the_first_hold_in_policy_order_is_the_reason_on_sms(c: Circumstances,
                                                              reason: str) -> None:
    # Every row also has a shut window: a hold is named before the window is.
    assert decide(c, OUTSIDE) == Gate(False, reason)


@pytest.mark.parametrize(
    ("c", "reason"),
    [
        pytest.param(holding("erasure", channel="web"), "erasure", id="erasure"),
        pytest.param(holding("ended", channel="web"), "ended", id="ended"),
        pytest.param(holding("paused", channel="web"), "paused", id="paused"),
        pytest.param(holding("locked", channel="web"), "locked", id="locked"),
        pytest.param(holding("information_only", channel="web"), "information_only",
                     id="information-only"),
        pytest.param(holding("opted_out", "paused", channel="web"), "paused",
                     id="opted-out-is-skipped-on-the-web"),
    ],
)
def test_holds_apply_to_web_chat_too(c: Circumstances, reason: str) -> None:
    assert decide(c, OUTSIDE) == Gate(False, reason)


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(circumstances(channel="web"), id="nothing-set"),
        pytest.param(circumstances(channel="web", opted_out=True),
                     id="stop-is-an-sms-keyword-only"),
        pytest.param(circumstances(channel="web", window=WEEKDAY_EVENINGS, wants="call_back"),
                     id="outside-the-window"),
        pytest.param(circumstances(channel="web", wants="call_back"), id="no-window-needed"),
    ],
)
def test_web_chat_needs_no_window(c: Circumstances) -> None:
    assert decide(c, OUTSIDE) == Gate(True)


@pytest.mark.parametrize(
    ("c", "now", "expected"),
    [
        pytest.param(circumstances(), OUTSIDE, Gate(True), id="nothing-asked-nothing-set"),
        pytest.param(circumstances(wants="talk_now"), OUTSIDE, Gate(True),
                     id="talk-now-needs-no-window"),
        pytest.param(circumstances(wants="call_back"), OUTSIDE, Gate(False, "needs_window"),
                     id="call-back-without-a-window"),
        pytest.param(circumstances(wants="text_back"), OUTSIDE, Gate(False, "needs_window"),
                     id="text-back-without-a-window"),
        pytest.param(circumstances(wants="call_back", window=WEEKDAY_EVENINGS), INSIDE,
                     Gate(True), id="call-back-inside-the-window"),
        pytest.param(circumstances(window=WEEKDAY_EVENINGS), INSIDE, Gate(True),
                     id="inside-a-window-without-a-choice"),
        pytest.param(circumstances(wants="call_back", window=WEEKDAY_EVENINGS), OUTSIDE,
                     Gate(False, "outside_window", datetime(2026, 7, 1, 17, 0, tzinfo=UTC)),
                     id="before-the-window-opens-today"),
        pytest.param(circumstances(wants="talk_now", window=WEEKDAY_EVENINGS), OUTSIDE,
                     Gate(False, "outside_window", datetime(2026, 7, 1, 18, 0, tzinfo=LONDON)),
                     id="talk-now-still-keeps-to-a-confirmed-window"),
        pytest.param(circumstances(window=WEEKDAY_EVENINGS),
                     datetime(2026, 7, 1, 20, 0, tzinfo=LONDON),
                     Gate(False, "outside_window", datetime(2026, 7, 2, 18, 0, tzinfo=LONDON)),
                     id="at-the-end-waits-for-tomorrow"),
        pytest.param(circumstances(window=WEEKDAY_EVENINGS),
                     datetime(2026, 7, 3, 21, 0, tzinfo=LONDON),
                     Gate(False, "outside_window", datetime(2026, 7, 6, 18, 0, tzinfo=LONDON)),
                     id="friday-night-waits-for-monday"),
        pytest.param(circumstances(window=WEEKDAY_EVENINGS),
                     datetime(2026, 1, 7, 17, 30, tzinfo=UTC),
                     Gate(False, "outside_window", datetime(2026, 1, 7, 18, 0, tzinfo=UTC)),
                     id="winter-1730-utc-is-before-18-gmt"),
        pytest.param(circumstances(window=WEEKDAY_EVENINGS),
                     datetime(2026, 7, 1, 17, 30, tzinfo=UTC), Gate(True),
                     id="summer-1730-utc-is-1830-bst-inside"),
    ],
)
def test_sms_keeps_to_the_safe_time_window(c: Circumstances, now: datetime,
                                           expected: Gate) -> None:
    assert decide(c, now) == expected


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        pytest.param("Europe/London", Gate(True), id="london-1830-is-inside"),
        pytest.param("UTC", Gate(False, "outside_window", datetime(2026, 7, 1, 18, 0, tzinfo=UTC)),
                     id="utc-1730-is-outside"),
    ],
)
def test_the_window_is_read_in_the_circumstances_time_zone(timezone: str,
                                                           expected: Gate) -> None:
    c = circumstances(window=WEEKDAY_EVENINGS, timezone=timezone)
    assert decide(c, datetime(2026, 7, 1, 17, 30, tzinfo=UTC)) == expected


@pytest.mark.parametrize(
    ("reason", "cancelled"),
    [
        pytest.param("erasure", True, id="erasure"),
        pytest.param("ended", True, id="ended"),
        pytest.param("opted_out", False, id="opted-out-waits-for-start"),
        pytest.param("paused", False, id="paused"),
        pytest.param("locked", False, id="locked"),
        pytest.param("information_only", False, id="information-only"),
        pytest.param("needs_window", False, id="needs-window"),
        pytest.param("outside_window", False, id="outside-window"),
        pytest.param(None, False, id="open"),
    ],
)
def test_only_erasure_and_an_ended_chat_cancel_a_message(reason: str | None,
                                                         cancelled: bool) -> None:
    assert Gate(reason is None, reason).cancelled is cancelled


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        pytest.param("erasure", "asked for this conversation to be deleted", id="erasure"),
        pytest.param("ended", "left the web chat", id="ended"),
        pytest.param("opted_out", "sent STOP", id="opted-out"),
        pytest.param("paused", "not safe now", id="paused"),
        pytest.param("locked", "resume word", id="locked"),
        pytest.param("information_only", "information only", id="information-only"),
        pytest.param("needs_window", "set the window first", id="needs-window"),
        pytest.param("outside_window", "goes when the window opens", id="outside-window"),
    ],
)
def test_each_reason_is_explained_to_advocates(reason: str, words: str) -> None:
    assert words in Gate(False, reason).explanation


def test_an_open_gate_is_explained_as_ready() -> None:
    assert Gate(True).explanation == "Ready to send."
