"""The learned second opinion read through its memory-mapped file (app/content/
second_opinion_map.py; issue 22, item 6): the same scores as the JSON parsed, and a file that
is stale or damaged is never read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.content import second_opinion, second_opinion_map
from app.crypto import file_digest
from app.flows import learned, learned_train
from app.flows.said import Said
from app.services import load_second_opinion

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "flows" / second_opinion.FILE
# A fixed table: danger and requests in several languages and scripts, characters no n-gram
# of the file has, nothing at all, and a language without a model of its own.
TABLE = [
    ("he has his hands round my neck and says tonight i die", "en"),
    ("can i talk to a real person please", "en"),
    ("what time does the library open", "en"),
    ("potrzebuję z kimś porozmawiać, boję się go", "pl"),
    ("vreau să vorbesc cu cineva", "ro"),
    ("dw i angen siarad â rhywun", "cy"),
    ("أحتاج أن أتكلم مع أحد", "ar"),
    ("ਮੈਨੂੰ ਮਦਦ ਚਾਹੀਦੀ ਹੈ", "pa"),
    ("mujhe kisi se baat karni hai", "ur"),
    ("waan baqayaa ee i caawi", "so"),
    ("🙂🙂 ☎ 123", "en"),
    ("", "en"),
    ("he is outside with a knife", "de"),
    ("he is outside with a knife", None),
]


def mapped_copy(tmp_path: Path, source: Path = SHIPPED) -> tuple[Path, Path]:
    """A flows folder holding `source` as its second opinion, and an empty folder to map in."""
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copyfile(source, flows / second_opinion.FILE)
    return flows, tmp_path / "models"


def test_the_mapped_file_scores_the_fixed_table_as_the_parsed_json(tmp_path: Path) -> None:
    flows, folder = mapped_copy(tmp_path)
    parsed = second_opinion.load(flows)
    mapped = second_opinion.load(flows, mapped_in=folder)
    assert all(isinstance(model, second_opinion_map._MappedModel)  # noqa: SLF001
               for model in mapped.models.values())
    assert set(mapped.models) == set(parsed.models)
    assert (mapped.thresholds, mapped.sizes) == (parsed.thresholds, parsed.sizes)
    for text, language in TABLE:
        assert mapped.scores(text, language) == parsed.scores(text, language), text
        assert mapped.read(text, language) == parsed.read(text, language), text
    assert mapped.read(TABLE[0][0], "en").urgent


@pytest.mark.parametrize("shared_first", [True, False])
def test_each_mapped_model_scores_the_fixed_table_as_its_parsed_json_model(
        tmp_path: Path, shared_first: bool) -> None:
    # Both models of a message read the keys the first of them made (learned.Grams): each
    # still scores exactly as the JSON's packed model, whichever asks first.
    flows, folder = mapped_copy(tmp_path)
    parsed = second_opinion.load(flows)
    mapped = second_opinion.load(flows, mapped_in=folder)
    for text, language in TABLE:
        grams = learned.features(Said.of(text).folded, mapped.sizes)
        names = [learned.SHARED, *([language] if language and language in mapped.models
                                   else [])]
        message = learned.Grams(grams)
        for name in names if shared_first else names[::-1]:
            expected = parsed.models[name].scores(learned.Grams(grams))
            assert mapped.models[name].scores(message) == expected, (text, name)


def test_a_message_is_keyed_once_for_both_its_models(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    flows, folder = mapped_copy(tmp_path)
    mapped = second_opinion.load(flows, mapped_in=folder)
    made: list[int] = []
    keys = second_opinion_map._KeyTable.keys  # noqa: SLF001

    def counted(table: Any, grams: frozenset[str]) -> list[int]:
        made.append(len(grams))
        return keys(table, grams)

    monkeypatch.setattr(second_opinion_map._KeyTable, "keys", counted)  # noqa: SLF001
    mapped.scores("can i talk to a real person please", "en")
    assert len(made) == 1
    mapped.scores("potrzebuję z kimś porozmawiać", "pl")
    assert len(made) == 2  # noqa: PLR2004 -- another message, keyed again


def test_a_taught_opinion_scores_the_same_mapped(tmp_path: Path) -> None:
    from tests.flows.test_second_opinion_logistic import TAUGHT  # noqa: PLC0415

    taught = learned_train.train(TAUGHT, thresholds={"urgent": 0.0, "person": 0.0},
                           sizes=(2, 4), min_language=5, method="logistic")
    source = tmp_path / "taught.json"
    source.write_text(json.dumps(learned_train.to_data(taught, "a test")), encoding="utf-8")
    flows, folder = mapped_copy(tmp_path, source)
    parsed = second_opinion.load(flows)
    mapped = second_opinion.load(flows, mapped_in=folder)
    for text, language in [*TABLE, *((example.text, example.language) for example in TAUGHT)]:
        assert mapped.scores(text, language) == parsed.scores(text, language), text


def test_a_retrained_json_is_never_read_through_the_old_file(tmp_path: Path) -> None:
    flows, folder = mapped_copy(tmp_path)
    second_opinion.load(flows, mapped_in=folder)
    old = next(folder.glob("second-opinion-*.bin"))
    raw = json.loads((flows / second_opinion.FILE).read_text(encoding="utf-8"))
    raw["thresholds"]["urgent"] = -100.0  # now everything reads as urgent
    raw.pop("higher_urgent", None)  # as retraining writes it: until --write-higher, none
    (flows / second_opinion.FILE).write_text(json.dumps(raw), encoding="utf-8")
    # The old file, even under the new file's name, is refused: it says what it was made from.
    digest = file_digest(flows / second_opinion.FILE)
    with pytest.raises(second_opinion_map.MapError, match="stale"):
        second_opinion_map.open_mapped(old, digest)
    shutil.copyfile(old, folder / second_opinion_map.file_name(digest))
    reloaded = second_opinion.load(flows, mapped_in=folder)
    assert reloaded.thresholds["urgent"] == -100.0  # noqa: PLR2004
    assert reloaded.read("what time does the library open", "en").urgent


@pytest.mark.parametrize("where", ["header", "body", "end"])
def test_a_damaged_file_is_refused_and_made_again(tmp_path: Path, where: str) -> None:
    flows, folder = mapped_copy(tmp_path)
    second_opinion.load(flows, mapped_in=folder)
    path = next(folder.glob("second-opinion-*.bin"))
    data = bytearray(path.read_bytes())
    if where == "end":
        data = data[:-8]  # cut short
    else:
        # A prior's digit in the header (still valid JSON), or a weight in the body.
        at = (data.index(b'"person": -') + len(b'"person": -') if where == "header"
              else len(data) - 4)
        data[at] ^= 0x01
    path.write_bytes(bytes(data))
    digest = file_digest(flows / second_opinion.FILE)
    with pytest.raises(second_opinion_map.MapError, match="damaged"):
        second_opinion_map.open_mapped(path, digest)
    reloaded = second_opinion.load(flows, mapped_in=folder)
    parsed = second_opinion.load(flows)
    for text, language in TABLE:
        assert reloaded.scores(text, language) == parsed.scores(text, language)
    second_opinion_map.open_mapped(path, digest)  # made again, sound


def test_when_it_cannot_be_made_the_json_is_parsed(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    flows, _ = mapped_copy(tmp_path)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    loaded = second_opinion.load(flows, mapped_in=not_a_folder)
    assert all(isinstance(model, learned._Packed)  # noqa: SLF001
               for model in loaded.models.values())
    assert "event=second_opinion.unmapped" in caplog.text
    assert loaded.read(TABLE[0][0], "en").urgent


def test_a_broken_json_is_still_refused_when_mapping(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / second_opinion.FILE).write_text('{"version": 1}', encoding="utf-8")
    with pytest.raises(learned.SecondOpinionError, match="made"):
        second_opinion.load(flows, mapped_in=tmp_path / "models")
    (flows / second_opinion.FILE).write_text("{", encoding="utf-8")
    with pytest.raises(learned.SecondOpinionError, match="not valid JSON"):
        second_opinion.load(flows, mapped_in=tmp_path / "models")
    assert not list((tmp_path / "models").glob("*.bin"))


def test_the_service_reads_the_shipped_opinion_mapped(settings: Settings) -> None:
    loaded = load_second_opinion(settings)
    assert loaded is not None
    assert all(isinstance(model, second_opinion_map._MappedModel)  # noqa: SLF001
               for model in loaded.models.values())


def test_the_command_makes_the_file_and_removes_older_ones(tmp_path: Path) -> None:
    flows, folder = mapped_copy(tmp_path)
    folder.mkdir()
    (folder / second_opinion_map.file_name("0" * 64)).write_bytes(b"an older one")
    assert second_opinion_map.main(["--flows", str(flows), "--folder", str(folder)]) == 0
    made = list(folder.glob("second-opinion-*.bin"))
    digest = file_digest(flows / second_opinion.FILE)
    assert made == [folder / second_opinion_map.file_name(digest)]
    second_opinion_map.open_mapped(made[0], digest)
