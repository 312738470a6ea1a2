"""Write the operating curve's allowance-0.05 threshold into flows/second_opinion.json as its
`higher_urgent` (`python bench/second_opinion.py --write-higher`; issue 21).

`[triage] urgent_sensitivity = "higher"` reads urgent at that threshold. The number belongs to
the model it was measured for, so it lives in the model's file, and is written by this
command, never by hand: it is read from bench/results/second-opinion-curve.json (written by
`--curve`), which must have been measured for the thresholds the file holds (a retrained
model has other scores, and a curve of the old one says nothing about it). The file's `made`
text says where the number came from; everything else in the file is written back as it was.
Training again (`make second-opinion`) writes a file without it, until this is run on the
new model's curve.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from app.flows import learned

ROOT = Path(__file__).resolve().parent.parent
POINT = "allowance 0.05"
# The sentence this appends to `made`; a second run replaces it rather than adding another.
_SAID = re.compile(r" The higher_urgent threshold .*$")


def higher_threshold(curve: dict[str, Any], point: str = POINT) -> float:
    """The threshold of the curve's point named `point`; ValueError if it has none."""
    for entry in curve.get("points", []):
        if entry.get("name") == point:
            value = entry.get("threshold")
            if isinstance(value, int | float) and math.isfinite(value):
                return float(value)
    raise ValueError(f"the curve has no point {point!r} with a threshold")


def write_higher(curve_path: Path, model_path: Path, point: str = POINT) -> float:
    """Write the curve's `point` threshold into the model file at `model_path` as
    `higher_urgent`, and say so in its `made`; the threshold written. ValueError when the
    curve was measured for other thresholds than the file's, or the number would not load
    (not below the file's urgent threshold)."""
    curve = json.loads(curve_path.read_text(encoding="utf-8"))
    raw = json.loads(model_path.read_text(encoding="utf-8"))
    if curve.get("shipping_thresholds") != raw.get("thresholds"):
        raise ValueError(
            f"{curve_path} was measured for thresholds {curve.get('shipping_thresholds')}, "
            f"{model_path} holds {raw.get('thresholds')}: run `--curve` on this model first")
    value = round(higher_threshold(curve, point), 3)
    raw[learned.HIGHER_URGENT] = value
    raw["made"] = _SAID.sub("", raw["made"]) + (
        f" The higher_urgent threshold ({value}, read at [triage] urgent_sensitivity = "
        f"\"higher\") is the '{point}' point of its operating curve, "
        f"{_shown(curve_path)} (leave-one-batch-out over "
        f"{curve.get('folds')} writing batches, {curve.get('messages')} messages), written by "
        "`python bench/second_opinion.py --write-higher`.")
    try:
        learned.parse(raw, str(model_path))  # what is written must load
    except learned.SecondOpinionError as error:
        raise ValueError(str(error)) from error
    # As the trainer writes it (app/content/second_opinion.py `retrain`).
    model_path.write_text(json.dumps(raw, ensure_ascii=False, separators=(",", ":"),
                                     sort_keys=True) + "\n", encoding="utf-8")
    return value


def _shown(path: Path) -> str:
    """`path` as the repository names it, when it is in the repository."""
    resolved = path.resolve()
    return (resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT)
            else path.name)
