"""`flask flows check` measures every reply with the line on a typed phone number after it
(`numbers.not_kept`, app/conversation/typed_numbers.py; app/content/one_turn.py), on both
channels, and holds it to its own reply's budget plus `withheld_extra` (flows/outbound.yaml):
the line made Welsh 'person, out of hours' 11 UCS-2 segments against 7, unmeasured."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.lint import check

ROOT = Path(__file__).resolve().parents[2]
# A one-step flow whose reply fits one GSM-7 segment (153 characters a segment), and an
# emergency step, which never gets the line.
FLOW = """\
flow: withheld
start: note
messages: [numbers.not_kept]
steps:
  note:
    say: [note.text]
    options: {"9": emergency}
  emergency:
    say: [emergency.options]
    otherwise: note
"""
NOTE = "Thanks, we have your message. " * 5  # 150 characters: one segment
EMERGENCY = "If you are in danger now, call 999."
ONE_SEGMENT_MORE = "We did not keep the number you typed."  # with NOTE: 2 segments
THREE_SEGMENTS_MORE = "We did not keep the number you typed. " * 10  # with NOTE: 4


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """The shipped outbound rules with `note` given one segment, the casework data the check
    reads, no triage rules, and the fixture flow."""
    path = tmp_path / "flows"
    path.mkdir()
    outbound = (ROOT / "flows" / "outbound.yaml").read_text(encoding="utf-8")
    (path / "outbound.yaml").write_text(
        outbound.replace("    menu: {GSM-7: 2}", "    menu: {GSM-7: 2}\n    note: {GSM-7: 1}"),
        encoding="utf-8")
    shutil.copyfile(ROOT / "flows" / "referrals.yaml", path / "referrals.yaml")
    (path / "dash.yaml").write_text((ROOT / "flows" / "dash.yaml").read_text(
        encoding="utf-8").replace("\nwording: topics\n", "\nwording: published\n"),
        encoding="utf-8")
    (path / "triage.yaml").write_text("rules: []\n", encoding="utf-8")
    (path / "withheld.yaml").write_text(FLOW, encoding="utf-8")
    return path


def budget_errors(flows_dir: Path, not_kept: str) -> list[str]:
    texts = {"note.text": NOTE, "emergency.options": EMERGENCY, "numbers.not_kept": not_kept,
             "numbers.not_kept@web": not_kept}
    problems = check(flows_dir, Catalogues({"en": texts}, "en"), "en", "Harbour Light")
    return [str(p) for p in problems if not p.warning and "SMS segments" in str(p)]


def test_a_reply_over_its_budget_with_the_not_kept_line_fails_on_both_channels(
        flows_dir: Path) -> None:
    found = budget_errors(flows_dir, THREE_SEGMENTS_MORE)

    for channel in ("sms", "web"):
        assert any(f"step 'note' [en] ({channel}), a phone number withheld: its reply takes 4"
                   in p and "the budget for 'note' is 1 and 1 more with the line" in p
                   for p in found), found
    assert not any("'emergency'" in p for p in found), found


def test_the_line_may_take_one_segment_more_than_the_reply_s_own_budget(
        flows_dir: Path) -> None:
    assert budget_errors(flows_dir, ONE_SEGMENT_MORE) == []


def test_a_budget_named_for_the_withheld_reply_replaces_the_rule(flows_dir: Path) -> None:
    outbound = flows_dir / "outbound.yaml"
    outbound.write_text(outbound.read_text(encoding="utf-8").replace(
        "    note: {GSM-7: 1}", "    note: {GSM-7: 1}\n    note, a phone number withheld: "
        "{GSM-7: 1}"), encoding="utf-8")

    found = budget_errors(flows_dir, ONE_SEGMENT_MORE)

    assert any("step 'note' [en] (sms), a phone number withheld: its reply takes 2" in p
               and "the budget for 'note, a phone number withheld' is 1 (" in p
               for p in found), found


def test_without_the_allowance_the_line_must_fit_the_reply_s_own_budget(
        flows_dir: Path) -> None:
    outbound = flows_dir / "outbound.yaml"
    outbound.write_text(outbound.read_text(encoding="utf-8").replace(
        "withheld_extra: 1", "withheld_extra: 0"), encoding="utf-8")

    found = budget_errors(flows_dir, ONE_SEGMENT_MORE)

    assert any("step 'note' [en] (sms), a phone number withheld" in p for p in found), found
