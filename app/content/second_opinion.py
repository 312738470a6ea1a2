"""The learned second opinion's weights (flows/second_opinion.json): read, check, retrain.

The model itself is pure (`app/flows/learned.py`); this reads and writes its file. The file is
generated, never edited by hand: `flask --app wsgi flows train-second-opinion FOLDER...`
teaches it from folders of labelled messages (`make second-opinion`: eval/messages/dev and
eval/messages/opened, the tuning splits; never a held-out one; eval/README.md's format:
`text`, `labels`, `urgent`; the language from the file name before the first `-`), with the
n-gram sizes, smoothing and thresholds that cross-validation chose (bench/second_opinion.py,
written to bench/results/second-opinion-cv.json). `flows check` validates it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from app.content import second_opinion_map
from app.flows import learned, learned_train

log = logging.getLogger(__name__)
FILE = "second_opinion.json"


def load(flows_dir: Path, mapped_in: Path | None = None) -> learned.SecondOpinion:
    """The second opinion in `flows_dir`; `SecondOpinionError` if it is missing or invalid.

    With `mapped_in` (a long-lived process: app/services/start_up.py), its weights are read through
    the memory-mapped file derived from the JSON in that folder, made there first if need be
    (app/content/second_opinion_map.py), so the process holds no copy of them; if that cannot
    be done, from the JSON, as without: the same decisions, with more memory."""
    path = flows_dir / FILE
    if mapped_in is not None and path.exists():
        try:
            return second_opinion_map.load(path, mapped_in)
        except second_opinion_map.MapError as error:
            log.warning("event=second_opinion.unmapped reason=%s (run `make language-models`; "
                        "docs/deploy.md)", error)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise learned.SecondOpinionError(f"{path}: not found") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise learned.SecondOpinionError(f"{path}: not valid JSON") from error
    return learned.parse(raw, str(path))


def problems(flows_dir: Path) -> list[tuple[str, str]]:
    """(where, why) for `flows check`: a file that is there must be valid. A flows folder
    without one is not a problem here (the second opinion is off unless the deployment turns
    it on, and then a missing file stops a production start: app/services/start_up.py)."""
    if not (flows_dir / FILE).exists():
        return []
    try:
        load(flows_dir)
    except learned.SecondOpinionError as error:
        where, _, why = str(error).partition(": ")
        return [(where, why)]
    return []


def held_out(path: Path) -> bool:
    """Whether `path` (as written, or where it really leads) names a held-out part: any path
    with "heldout" in it. The held-out evaluation set is read once, to measure; never taught
    from."""
    return any("heldout" in str(form).casefold() for form in (path, path.resolve()))


def labelled(folders: Sequence[Path]) -> list[learned_train.Example]:
    """Every message in each folder's *.yaml, with its language from the file name; a
    ValueError for a held-out folder or file (refused before anything is read)."""
    paths = []
    for folder in folders:
        for path in [folder, *sorted(folder.glob("*.yaml"))]:
            if held_out(path):
                raise ValueError(f"{path}: a held-out folder is never used to teach the model")
        paths += sorted(folder.glob("*.yaml"))
    examples = []
    for path in paths:
        language = path.stem.split("-")[0]
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            labels = set(entry.get("labels") or ())
            examples.append(learned_train.Example(str(entry["text"]), language,
                                            bool(entry.get("urgent")), "person" in labels))
    if not examples:
        raise ValueError(f"{', '.join(map(str, folders))}: no labelled messages (*.yaml)")
    return examples


def retrain(folders: Sequence[Path], choice: dict[str, Any], out: Path, made_by: str) -> int:
    """Teach the model from `folders` with `choice` (ngrams, method, alpha or l2, thresholds)
    and write it to `out`; the number of messages it was taught."""
    examples = labelled(folders)
    sizes = (int(choice["ngrams"][0]), int(choice["ngrams"][1]))
    # Files written before logistic regression was a choice name no method: naive Bayes.
    method = str(choice.get("method", "bayes"))
    # Round 5's candidates may weight urgent examples or teach one model for all languages;
    # a file that names neither is taught as before.
    extra: dict[str, Any] = {}
    if "positive_weight" in choice:
        extra["positive_weight"] = float(choice["positive_weight"])
    if "min_language" in choice:
        extra["min_language"] = int(choice["min_language"])
    if method == "logistic":
        opinion = learned_train.train(examples, thresholds=choice["thresholds"], sizes=sizes,
                                      method=method, l2=float(choice["l2"]), **extra)
        how = f"L2-regularised logistic regression (L2 {choice['l2']})"
    else:
        opinion = learned_train.train(examples, thresholds=choice["thresholds"], sizes=sizes,
                                      alpha=float(choice["alpha"]), **extra)
        how = f"binarised multinomial naive Bayes (alpha {choice['alpha']})"
    if "positive_weight" in extra:
        how += f", urgent and person examples weighted x{extra['positive_weight']}"
    if "min_language" in extra and len(opinion.models) == 1:
        how += ", one model for all languages"
    where = ", ".join(folder.name + "/" for folder in folders)
    languages = ", ".join(sorted({e.language for e in examples}))
    made = (f"Generated by `{made_by}` from {len(examples)} labelled messages in "
            f"{where} (languages: {languages}); "
            f"{how} over character {sizes[0]}-{sizes[1]}-grams, "
            "thresholds chosen by cross-validation "
            "(bench/second_opinion.py). Do not edit by hand: retrain.")
    data = learned_train.to_data(opinion, made)
    learned.parse(data)  # what is written must load
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
                   + "\n", encoding="utf-8")
    return len(examples)
