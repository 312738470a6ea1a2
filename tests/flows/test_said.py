"""A long message is read in part, folded once, and its danger words at either end still count
(app/flows/said.py); the whole of it is stored, which tests/channels checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.flows import folding, spelling
from app.flows.loader import read_yaml
from app.flows.said import READ_HEAD, READ_TAIL, Said, read_parts
from app.flows.spelling import Speller
from app.flows.triage import TriageRules, parse_rules

ROOT = Path(__file__).resolve().parents[2]
# Innocent words, nothing triage or the intents read: the middle of a long message.
FILLER = "the weather was grey and the bus was late again "
DANGER = "he has a knife and says he will kill me"


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))


def long_text(start: str = "", end: str = "", size: int = 100 * 1024) -> str:
    middle = FILLER * (size // len(FILLER))
    return f"{start} {middle}{end}"


@pytest.mark.parametrize("size", [0, 160, 1600, 2000, READ_HEAD + READ_TAIL])
def test_every_message_a_channel_delivers_is_read_whole(size: int) -> None:
    text = ("word " * size)[:size]
    assert read_parts(text) == (text,)


def test_a_longer_text_is_read_as_its_start_and_its_end() -> None:
    head, tail = read_parts(long_text())
    assert len(head) <= READ_HEAD
    assert len(tail) <= READ_TAIL
    assert long_text().startswith(head)
    assert long_text().endswith(tail)


def test_a_word_cut_by_the_bound_is_left_out_not_read_as_another_word(
    rules: TriageRules,
) -> None:
    # The end part would start inside "knot": read as "not he has a knife", a negation.
    end = "not he has a knife"
    end += " ok" * ((READ_TAIL - len(end)) // 3)
    end += " " * (READ_TAIL - len(end))
    text = FILLER * 3000 + "k" + end
    _, tail = read_parts(text)
    assert tail.split()[0] == "he"
    assert rules.assess(text, "en").at_least("urgent")
    # The start part ends inside a "strangled": it ends at the whole one before.
    words = read_parts("ab " + " ".join(["strangled"] * 10_000))[0].split()
    assert words[-1] == "strangled"
    assert set(words) == {"ab", "strangled"}
    assert len(words) == 1 + (READ_HEAD - 3) // 10


def test_the_two_parts_are_separate_clauses() -> None:
    said = Said.of(long_text("he has", "a knife"))
    assert f" {folding.CLAUSE} " in said.folded
    assert len(said.folded) <= READ_HEAD + READ_TAIL + 3


@pytest.mark.parametrize(("start", "end"), [(DANGER, ""), ("", DANGER)])
def test_danger_at_the_start_or_the_end_of_a_100_kb_message_is_urgent(
    rules: TriageRules, start: str, end: str
) -> None:
    assessment = rules.assess(long_text(start, end), "en")
    assert assessment.at_least("urgent")


def test_a_huge_word_is_not_spell_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    # The deletions of a word cost the square of its length: 100 KB of "a" took 30 s.
    speller = Speller({"someone", "please"}, {})
    built: list[str] = []
    original = spelling._deletions

    def counting(word: str) -> list[str]:
        built.append(word)
        return original(word)

    monkeypatch.setattr(spelling, "_deletions", counting)
    assert speller.correct("a" * 6000) == "a" * 6000
    assert built == []
    assert speller.correct("somone") == "someone"  # correction itself still works
    assert built == ["somone"]


def test_each_speller_corrects_a_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    corrected: list[int] = []
    original = Speller.correct

    def counting(self: Speller, said: str) -> str:
        corrected.append(id(self))
        return original(self, said)

    monkeypatch.setattr(Speller, "correct", counting)
    first, second = Speller({"someone"}, {}), Speller({"please"}, {})
    said = Said.of("can somone help plaese")
    assert said.corrected(first) == said.corrected(first) == "can someone help plaese"
    assert said.corrected(second) == "can somone help please"
    assert sorted(corrected) == sorted([id(first), id(second)])
