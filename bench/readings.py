"""Message by message, what the rules read in the tuning splits, and what a change moved.

`python bench/readings.py --out before.json` (rules alone, no second opinion, as
`bench/understanding.py` reads each message) writes one row per message of eval/messages/dev
and opened; `python bench/readings.py --compare before.json after.json` lists every message
whose reading changed, losses first: an urgent message no longer read as urgent, or a request
for a person no longer opening a case. A tuning round may land only with no loss (eval/README.md,
round 6), and the per-batch figures do not show which messages traded places.

Never reads eval/messages/heldout/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import understanding  # noqa: E402 -- after the path

TUNING = ("dev", "opened")


def read_all() -> list[dict[str, Any]]:
    """One row per tuning message: where it is, its labels, and what the rules read."""
    read = understanding.reader()
    rows = []
    for split in TUNING:
        for path in understanding.files(split):
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            for index, item in enumerate(items):
                seen = read(str(item["text"]))
                rows.append({"where": f"{split}/{path.name}#{index}", "text": str(item["text"]),
                             "labels": sorted(item["labels"]), "urgent": bool(item["urgent"]),
                             "read_urgent": seen.urgent, "case": seen.case})
    return rows


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> int:
    """Print what moved; the exit status is the number of messages lost."""
    old = {row["where"]: row for row in before}
    lost, moved = [], []
    for row in after:
        was = old.get(row["where"])
        if was is None or was["text"] != row["text"]:
            raise SystemExit(f"{row['where']}: not the same message in both runs")
        if was["read_urgent"] and not row["read_urgent"] and row["urgent"]:
            lost.append(f"LOST urgent {row['where']}: {row['text']}")
        elif was["case"] and not row["case"] and "person" in row["labels"]:
            lost.append(f"LOST person {row['where']}: {row['text']}")
        elif (was["read_urgent"], was["case"]) != (row["read_urgent"], row["case"]):
            kind = "urgent" if row["urgent"] else "/".join(row["labels"])
            moved.append(f"moved [{kind}] urgent {was['read_urgent']}->{row['read_urgent']} "
                         f"case {was['case']}->{row['case']} {row['where']}: {row['text']}")
    for line in lost + moved:
        print(line)  # noqa: T201 -- a report
    print(f"{len(lost)} lost, {len(moved)} other changes")  # noqa: T201
    return len(lost)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the rules' readings here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        return min(compare(before, after), 1)
    if not args.out:
        parser.error("--out or --compare")
    args.out.write_text(json.dumps(read_all(), ensure_ascii=False, indent=0), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
