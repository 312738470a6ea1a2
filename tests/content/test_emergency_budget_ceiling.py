"""No emergency reply may be pinned above 3 GSM-7 / 4 UCS-2 segments (issue 21, item 4).

Until now flows/outbound.yaml pinned several emergency replies over the target at their size
("person, urgent out of hours" at 4 / 6, a locked number's first emergency reply at 4 / 5-6).
They now fit: what they carried besides the emergency options is held back for the next reply
(app/conversation/held.py). `flows check` holds every reply carrying the emergency options to
the ceiling (app/content/emergency_replies.py) whatever budget is named for it, and reports a
budget above it, so a pinned exception cannot come back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.emergency_replies import CEILING
from app.content.lint import SegmentBudgets, check
from app.content.one_turn import every_reply
from app.content.segments import encoding_of
from app.content.written_times import longest_written_time
from app.flows import load_flows
from app.flows.loader import read_yaml

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = "Quietline demo partnership"
CATALOGUES = Catalogues.load(ROOT / "translations", "en")
# The exceptions flows/outbound.yaml used to pin over the target.
FORMERLY_PINNED = {
    "urgent out of hours, asking for a person": "{GSM-7: 4, UCS-2: 6}",
    "urgent out of hours, asking for a person, no one on call": "{GSM-7: 3, UCS-2: 5}",
    "person, urgent out of hours": "{GSM-7: 4, UCS-2: 6}",
    "cannot_talk, urgent out of hours": "{GSM-7: 4, UCS-2: 5}",
    "urgent out of hours, first message, locked": "{GSM-7: 4, UCS-2: 5}",
    "person, urgent out of hours, first message, locked": "{GSM-7: 4, UCS-2: 6}",
    "cannot_talk, urgent out of hours, first message, locked": "{GSM-7: 4, UCS-2: 6}",
    "emergency, first message, locked": "{GSM-7: 4, UCS-2: 5}",
}
# Words in the name of a budget for an emergency reply.
EMERGENCY_NAMES = ("urgent", "emergency", "failsafe", "flood")


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    path = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", path)
    return path


def errors(flows_dir: Path, catalogues: Catalogues = CATALOGUES) -> list[str]:
    return [str(p) for p in check(flows_dir, catalogues, "en", ORGANISATION) if not p.warning]


def pin(flows_dir: Path, name: str, budget: str) -> None:
    outbound = flows_dir / "outbound.yaml"
    text = outbound.read_text(encoding="utf-8")
    outbound.write_text(text.replace("  replies:\n", f"  replies:\n    {name}: {budget}\n", 1),
                        encoding="utf-8")


def test_the_budgets_list_no_emergency_reply_above_the_ceiling() -> None:
    outbound = read_yaml(ROOT / "flows" / "outbound.yaml")
    budgets = SegmentBudgets.load(outbound["segment_budgets"], outbound["max_segments_per_reply"])
    assert set(FORMERLY_PINNED).isdisjoint(budgets.replies)
    emergency = [name for name in budgets.replies if any(w in name for w in EMERGENCY_NAMES)]
    assert "urgent out of hours" in emergency
    for name in emergency:
        assert budgets.limit(name, "GSM-7") <= CEILING["GSM-7"], name
        assert budgets.limit(name, "UCS-2") <= CEILING["UCS-2"], name


@pytest.mark.parametrize("name", [n for n in FORMERLY_PINNED if n.startswith(("person",
                                                                             "cannot_talk"))])
def test_pinning_an_emergency_reply_above_the_ceiling_fails_the_check(flows_dir: Path,
                                                                      name: str) -> None:
    assert errors(flows_dir) == []
    pin(flows_dir, name.removesuffix(", first message, locked"), FORMERLY_PINNED[name])
    found = errors(flows_dir)
    assert any(p.startswith(f"flows/outbound.yaml: segment_budgets: "
                            f"{name.removesuffix(', first message, locked')}")
               and "emergency reply" in p for p in found), found


def test_a_pinned_budget_does_not_let_an_emergency_reply_grow(flows_dir: Path) -> None:
    pin(flows_dir, "person, urgent out of hours", "{GSM-7: 4, UCS-2: 6}")
    texts = {language: dict(CATALOGUES.messages(language)) for language in CATALOGUES.languages}
    texts["pl"]["hours.on_call"] += " Prosimy o cierpliwość."
    longer = Catalogues(texts, "en", CATALOGUES.sources)
    found = errors(flows_dir, longer)
    assert any("step 'person' [pl]" in p and "urgent out of hours" in p and "is 4" in p
               for p in found), found


def test_every_reply_that_carries_the_emergency_options_fits_in_every_language() -> None:
    # What the check asserts, asked directly: no emergency reply, on any channel, in any
    # language, with the longest opening each writes, over the ceiling.
    over = []
    for reply in every_reply(load_flows(ROOT / "flows")):
        if not {"urgent.closed", "emergency.options", "urgent.reply"} & set(reply.message_ids):
            continue
        channel = "web" if reply.channel == "web" else None
        for language in CATALOGUES.languages:
            whole = CATALOGUES.join(language, reply.message_ids,
                                    {"services": "", "opens": longest_written_time(language)},
                                    channel)
            encoding = encoding_of(whole)
            if encoding.segments > CEILING[encoding.name]:
                over.append((reply.where, language, encoding.segments))
    assert over == []
