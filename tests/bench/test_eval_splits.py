"""The evaluation splits (eval/README.md): dev/ and opened/ are tuned on (opened/ holds the
earlier held-out parts, batches a-k), heldout/ (batch l) is read only to measure. The bench
says so when heldout/ is empty, and the split checker reads an opened batch's held-out part
from opened/ without touching heldout/."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from bench import understanding

ROOT = Path(__file__).resolve().parents[2]


def split_batch() -> ModuleType:
    spec = importlib.util.spec_from_file_location("split_batch", ROOT / "eval" / "split_batch.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry(text: str, label: str) -> dict[str, object]:
    return {"text": text, "labels": [label], "urgent": label == "urgent", "note": "a test"}


def test_the_bench_measures_without_a_held_out_part(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "en.yaml").write_text(json.dumps([entry("hi", "greeting")]),
                                              encoding="utf-8")
    monkeypatch.setattr(understanding, "EVAL", tmp_path)
    assert understanding.files("heldout") == []  # missing: no messages, no error
    (tmp_path / "heldout").mkdir()
    assert understanding.messages("heldout") == {}  # empty: the same
    assert list(understanding.messages("dev")) == ["en"]
    assert understanding.SPLITS == ("heldout", "opened", "dev")


def test_misses_are_never_printed_for_the_held_out_part(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr("sys.argv", ["understanding.py", "--splits", "heldout", "--misses"])
    with pytest.raises(SystemExit):
        understanding.main()


def test_the_check_reads_an_opened_batch_from_opened_and_never_heldout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    split = split_batch()
    written = [entry(f"message {n}", label) for n, label in
               enumerate(["urgent"] * 5 + ["person"] * 3 + ["innocent"] * 2)]
    dev, held = split.split("en", written, 7)
    for folder, part in (("dev", dev), ("opened", held)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "en-x.yaml").write_text(split.dump(part), encoding="utf-8")
    # heldout/ holds another batch, unreadable: touching it would fail the check.
    (tmp_path / "heldout").mkdir()
    (tmp_path / "heldout" / "en-x.yaml").write_text("{not: [yaml", encoding="utf-8")
    (tmp_path / "heldout" / "en-y.yaml").write_text("{not: [yaml", encoding="utf-8")
    assert split.check(tmp_path, "x", 7)
    assert "en: dev 6 opened 4 ok" in capsys.readouterr().out
    (tmp_path / "heldout" / "en-x.yaml").unlink()  # batch x is opened, batch y held out
    (tmp_path / "dev" / "en-z.yaml").write_text(split.dump([entry("message 1", "urgent")]),
                                                encoding="utf-8")
    assert not split.duplicates(tmp_path, "z")  # "message 1" is in dev/en-x.yaml
    assert "also in dev" in capsys.readouterr().out
    (tmp_path / "dev" / "en-z.yaml").unlink()
    assert split.duplicates(tmp_path, "x")  # heldout/ (another batch) not read
