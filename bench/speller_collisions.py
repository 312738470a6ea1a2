"""Which ordinary words of each language the triage speller respells.

The speller (app/flows/spelling.py) corrects a word one edit from a rule word, and its
candidates are the rule words of every language at once. A word of another language, or an
ordinary English word, one edit from a rule word is no typo: Welsh "traffig" is not "traffic",
"strange" is not "strangl*", Somali "bilood" (months) is not "blood". For each language's
tuning messages (eval/messages/dev and opened), this lists every word the speller changes
(those its `respellings` pin aside), so that a reader can tell real typos from ordinary words
respelt. reader6 scoped the speller to each rule language (560 cross-language respellings
fewer on the tuning messages); batch k, measured once, lost one urgent message with that
change, and by round 6's pre-registered rule it was reverted (eval/README.md).

`python bench/speller_collisions.py [--examples N]`. Never reads eval/messages/heldout/.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.flows.folding import CLAUSE, fold  # noqa: E402 -- after the path
from app.flows.loader import read_yaml  # noqa: E402
from app.flows.triage import parse_rules  # noqa: E402

TUNING = ("dev", "opened")


def words_by_language() -> dict[str, Counter[str]]:
    """Folded words of each language's tuning messages, with how often each is written."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for split in TUNING:
        for path in sorted((ROOT / "eval" / "messages" / split).glob("*.yaml")):
            language = path.stem.split("-")[0]
            for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                found[language].update(w for w in fold(str(item["text"])).split() if w != CLAUSE)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=12, help="words shown per pair")
    args = parser.parse_args()
    rules = parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"))
    # message language -> respelt word -> (its correction, how often)
    respelt_in: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    speller = rules.speller
    for language, counts in sorted(words_by_language().items()):
        for word, times in counts.items():
            corrected = speller.correct(word)
            if corrected != word and word not in speller.respellings:
                respelt_in[language][word] = (corrected, times)
    total = 0
    for language, respelt in sorted(respelt_in.items()):
        written = sum(times for _, times in respelt.values())
        total += written
        shown = sorted(respelt.items(), key=lambda kv: -kv[1][1])[: args.examples]
        listing = ", ".join(f"{w}->{c} x{n}" for w, (c, n) in shown)
        print(f"{language} words respelt: {len(respelt)} words, "  # noqa: T201
              f"{written} times: {listing}")
    print(f"total: {total} words respelt")  # noqa: T201 -- a report
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
