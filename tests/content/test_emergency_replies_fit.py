"""Every emergency reply fits the phone in every language (issue 21, item 4): 3 SMS segments
when the whole reply is GSM-7, 4 when it is UCS-2 (67 characters a segment, 268 in all), with
the safety facts in their order: 999, then 999 and 55 from a mobile, then the 24-hour helpline.

The emergency replies: the emergency options step (with its `next` chain), the urgent step,
and the urgent answer out of hours the service composes (with and without an on-call phone),
measured with the longest opening time each language writes. Measured twice: as sent today
(an unconfirmed translation falls back to English) and with every draft confirmed, so that
confirming a translation cannot take a reply over its budget."""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.content.catalogues import Catalogues
from app.content.lint import COMPOSED_REPLIES, SegmentBudgets, check
from app.content.segments import encoding_of
from app.content.written_times import longest_written_time
from app.flows import load_flows
from app.flows.loader import read_yaml

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = "Quietline demo partnership"
LANGUAGES = ("ar", "cy", "en", "pa", "pl", "ro", "so", "ur")
STEPS = ("emergency", "urgent")
COMPOSED = ("urgent out of hours, on call", "urgent out of hours, no one on call")
LIMITS = {"GSM-7": 3, "UCS-2": 4}
HELPLINE = "0808 2000 247"


@lru_cache
def step_reply(step_id: str) -> tuple[str, ...]:
    """A step's messages and its `next` chain, as the engine sends them in one SMS."""
    flow = load_flows(ROOT / "flows")
    step = flow.steps[step_id]
    ids = [ref.id for ref in step.say]
    while step.next is not None and step.capture is None and step.secret is None \
            and step.check is None:
        step = flow.steps[step.next]
        ids.extend(ref.id for ref in step.say)
    return tuple(ids)


@lru_cache
def replies() -> dict[str, tuple[str, ...]]:
    return {**{name: step_reply(name) for name in STEPS},
            **{name: COMPOSED_REPLIES[name] for name in COMPOSED}}


@lru_cache
def with_drafts() -> Catalogues:
    """The shipped catalogues with every fuzzy draft taken as confirmed."""
    texts: dict[str, dict[str, str]] = {}
    for po_path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            texts[po_path.parent.parent.name] = {
                str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}
    return Catalogues(texts, "en")


@lru_cache
def shipped() -> Catalogues:
    return Catalogues.load(ROOT / "translations", "en")


def whole(catalogues: Catalogues, language: str, reply: str) -> str:
    return catalogues.join(language, replies()[reply],
                           {"services": "", "opens": longest_written_time(language)})


def plain(text: str) -> str:
    """Isolates and marks dropped, any space as a plain one: the digits as a reader sees them."""
    return re.sub(r"[ \u00a0\u202f]+", " ", re.sub(r"[\u2066-\u2069\u200e\u200f]", "", text))


@pytest.mark.parametrize("drafts", [False, True], ids=["as sent", "drafts confirmed"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reply", [*STEPS, *COMPOSED])
def test_every_emergency_reply_fits_its_budget(reply: str, language: str, drafts: bool) -> None:
    catalogues = with_drafts() if drafts else shipped()
    encoding = encoding_of(whole(catalogues, language, reply))
    assert encoding.segments <= LIMITS[encoding.name], (
        f"{reply} [{language}]: {encoding.segments} segments ({encoding.name}, "
        f"{encoding.units} units)")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reply", ["emergency", *COMPOSED])
def test_every_emergency_reply_keeps_the_numbers_in_their_order(reply: str,
                                                                language: str) -> None:
    text = plain(whole(shipped(), language, reply))
    # 999; then, for one who cannot speak, 999 again and 55; then the helpline.
    again = text.index("999", text.index("999") + 3)
    silent = text.index("55", again)
    assert text.index(HELPLINE) > silent, text


def test_every_emergency_reply_is_budgeted_at_the_issue_21_target() -> None:
    outbound = read_yaml(ROOT / "flows" / "outbound.yaml")
    budgets = SegmentBudgets.load(outbound["segment_budgets"], outbound["max_segments_per_reply"])
    for reply in (*STEPS, *COMPOSED):
        assert budgets.replies[reply] == LIMITS, reply


def test_a_reply_naming_an_opening_is_measured_with_the_languages_longest(
        tmp_path: Path) -> None:
    # 268 UCS-2 units with an English date, over 4 segments with the longest Polish one
    # ("poniedziałek 26 października, 09:00"), which a survivor may well be sent.
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    loaded = Catalogues.load(ROOT / "translations", "en")
    texts = {language: dict(loaded.messages(language)) for language in loaded.languages}
    english_date = "Wednesday 30 September, 09:00"
    composed = COMPOSED_REPLIES["urgent out of hours, on call"]
    fixed = "\n\n".join(texts["pl"][mid] for mid in composed[:-1]) + "\n\n"
    room = 268 - len(fixed) - len(english_date) - len("Zespół: .")
    texts["pl"][composed[-1]] = "Zespół" + "ę" * room + ": {opens}."
    assert encoding_of(fixed + texts["pl"][composed[-1]].format(opens=english_date)).units == 268
    catalogues = Catalogues(texts, "en", loaded.sources)
    catalogues.fuzzy = loaded.fuzzy
    found = [str(p) for p in check(flows_dir, catalogues, "en", ORGANISATION) if not p.warning]
    assert any(p.startswith("urgent out of hours, on call [pl]") and "budget" in p
               for p in found), found


def test_the_question_an_urgent_reply_holds_back_is_checked_with_the_reply_it_follows(
        tmp_path: Path) -> None:
    # Out of hours, an urgent request for a person is the emergency options and what is true
    # tonight; the person step's question follows the survivor's next reply, "passed on"
    # (app/conversation/held.py), and is measured there, not in the emergency reply.
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    loaded = Catalogues.load(ROOT / "translations", "en")
    texts = {language: dict(loaded.messages(language)) for language in loaded.languages}
    texts["pl"]["person.safe_now"] = "Czy możesz teraz bezpiecznie pisać? " * 16
    catalogues = Catalogues(texts, "en", loaded.sources)
    catalogues.fuzzy = loaded.fuzzy
    found = [str(p) for p in check(flows_dir, catalogues, "en", ORGANISATION) if not p.warning]
    assert any("step 'person' [pl]" in p and "held from an emergency reply" in p
               and "budget" in p for p in found), found
    assert not any("urgent out of hours" in p for p in found), found
