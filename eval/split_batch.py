"""Split a batch of evaluation messages into dev/ (~60%) and heldout/ (~40%).

The split is stratified by each message's first label and depends only on the set of
messages and the seed: messages are sorted by text before a shuffle seeded with
(seed, language, label), so the same batch always splits the same way, whatever order
it was written in. That lets ``--check`` rebuild the split from the files it wrote
without keeping the unsplit batch (which would put heldout text where tuners read).

Write a batch (one YAML list per language, named <lang>.yaml, in SRC_DIR):

    python3 eval/split_batch.py --batch b --seed 20261206 SRC_DIR

Check that dev/<lang>-b.yaml and its held-out part are valid and are the split that the
seed gives. The held-out parts of batches a-c were opened for tuning (eval/README.md) and now
live in opened/<lang>-b.yaml; the check reads the part from opened/ when it is there, else from
heldout/ (so a tuner checking batches a-c never reads heldout/, which holds batch e). Batch d
was held out whole (no dev part) and is now opened too: with no dev/*-d.yaml there is nothing
to check for it:

    python3 eval/split_batch.py --batch b --seed 20261206 --check

List the batch's messages whose text (ignoring case, punctuation and spacing) is also in
another file of dev/, opened/ or heldout/ (the batch's writer, blind to those files, did not
run it). heldout/ is compared only for a batch that has files there itself, so checking
batches a-d reads nothing of batch e:

    python3 eval/split_batch.py --batch b --seed 20261206 --dupes
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import yaml

MESSAGES = Path(__file__).resolve().parent / "messages"
LABELS = ("urgent", "person", "cannot_talk", "help", "info", "greeting", "language", "innocent")
# Languages whose entries also say which script the message is written in.
SCRIPTED = {"ar", "ur", "pa", "so"}
DEV_SHARE = 0.6
# dev/ and opened/ are tuned on; heldout/ is read only to measure, once (eval/README.md).
FOLDERS = ("dev", "opened", "heldout")


def validate(lang: str, messages: list[dict]) -> None:
    """Raise ValueError naming the first entry that breaks the format in eval/README.md."""
    seen: set[str] = set()
    for i, m in enumerate(messages):
        where = f"{lang} entry {i}"
        keys = {"text", "labels", "urgent", "note"} | ({"script"} if lang in SCRIPTED else set())
        if set(m) != keys:
            raise ValueError(f"{where}: keys {sorted(m)} != {sorted(keys)}")
        if not isinstance(m["text"], str) or not m["text"].strip():
            raise ValueError(f"{where}: empty text")
        labels = m["labels"]
        if not labels or not set(labels) <= set(LABELS) or len(set(labels)) != len(labels):
            raise ValueError(f"{where}: bad labels {labels}")
        if m["urgent"] is not ("urgent" in labels):
            raise ValueError(
                f"{where}: urgent must be true exactly when the urgent label is present"
            )
        if not isinstance(m["note"], str) or "\n" in m["note"]:
            raise ValueError(f"{where}: note must be one line")
        if lang in SCRIPTED and m["script"] not in ("native", "latin"):
            raise ValueError(f"{where}: script must be native or latin")
        if m["text"] in seen:
            raise ValueError(f"{where}: duplicate text")
        seen.add(m["text"])


def split(lang: str, messages: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    """Return (dev, heldout): in each first-label stratum round(60%) go to dev."""
    dev: list[dict] = []
    heldout: list[dict] = []
    for label in LABELS:
        stratum = sorted((m for m in messages if m["labels"][0] == label), key=lambda m: m["text"])
        # A reproducible split, not a secret: a seeded PRNG is what is wanted here.
        random.Random(f"{seed}:{lang}:{label}").shuffle(stratum)  # noqa: S311
        n_dev = int(len(stratum) * DEV_SHARE + 0.5)
        dev += stratum[:n_dev]
        heldout += stratum[n_dev:]
    return dev, heldout


def path(root: Path, folder: str, lang: str, batch: str) -> Path:
    return root / folder / f"{lang}-{batch}.yaml"


def header(batch: str, seed: int, folder: str) -> str:
    return (
        f"# Batch {batch} ({folder}), written blind to the service rules; see eval/README.md.\n"
        f"# Made by eval/split_batch.py --batch {batch} --seed {seed}.\n"
        f"# Same language as the <lang>.yaml file in this folder.\n"
    )


def dump(messages: list[dict]) -> str:
    return yaml.safe_dump(messages, allow_unicode=True, sort_keys=False, width=1000)


def counts(messages: list[dict]) -> str:
    by_label = Counter(label for m in messages for label in m["labels"])
    return " ".join(f"{label}={by_label[label]}" for label in LABELS if by_label[label])


def write(root: Path, src: Path, batch: str, seed: int) -> None:
    for source in sorted(src.glob("*.yaml")):
        lang = source.stem
        messages = yaml.safe_load(source.read_text(encoding="utf-8"))
        validate(lang, messages)
        for folder, part in zip(("dev", "heldout"), split(lang, messages, seed), strict=True):
            path(root, folder, lang, batch).write_text(
                header(batch, seed, folder) + dump(part), encoding="utf-8"
            )
            print(f"{folder}/{lang}-{batch}.yaml {len(part)}: {counts(part)}")


def held_part(root: Path, lang: str, batch: str) -> Path:
    """Where the batch's held-out part is: opened/ once it was opened for tuning (batches a-c),
    else heldout/. opened/ is looked at first, so checking an opened batch reads no heldout/."""
    opened = path(root, "opened", lang, batch)
    return opened if opened.exists() else path(root, "heldout", lang, batch)


def check(root: Path, batch: str, seed: int) -> bool:
    ok = True
    for dev_file in sorted((root / "dev").glob(f"*-{batch}.yaml")):
        lang = dev_file.name.removesuffix(f"-{batch}.yaml")
        dev = yaml.safe_load(dev_file.read_text(encoding="utf-8"))
        held = held_part(root, lang, batch)
        heldout = yaml.safe_load(held.read_text(encoding="utf-8"))
        validate(lang, dev + heldout)
        want_dev, want_heldout = split(lang, dev + heldout, seed)
        same = want_dev == dev and want_heldout == heldout
        ok &= same
        verdict = "ok" if same else "NOT the seeded split"
        print(f"{lang}: dev {len(dev)} {held.parent.name} {len(heldout)} {verdict}")
        print(f"  dev     {counts(dev)}\n  {held.parent.name:<7} {counts(heldout)}")
    return ok


def normalise(text: str) -> str:
    """Case, punctuation, emoji and spacing removed: "Is anyone there??" == "is anyone there"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def duplicates(root: Path, batch: str) -> bool:
    """Print each message of this batch whose text is also in another file; True if none.

    The batch's writer was blind to the other files and could not look; a text that is in
    dev/ of one batch and heldout/ of another would leak heldout into tuning. Only the
    batch's own text is printed, so running this does not show anyone the other files.
    """
    def ours(f: Path) -> bool:
        return f.name.endswith(f"-{batch}.yaml")

    # heldout/ only when this batch is (partly) there: checking an opened batch reads none of it.
    folders = [folder for folder in FOLDERS
               if folder != "heldout" or any(ours(f) for f in (root / folder).glob("*.yaml"))]
    mine = {f: ours(f) for folder in folders for f in sorted((root / folder).glob("*.yaml"))}
    others: dict[str, list[str]] = {}
    for f, is_mine in mine.items():
        if not is_mine:
            for m in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
                others.setdefault(normalise(m["text"]), []).append(f.parent.name)
    clean = True
    for f, is_mine in mine.items():
        if is_mine:
            for m in yaml.safe_load(f.read_text(encoding="utf-8")):
                if normalise(m["text"]) in others:
                    clean = False
                    found = ", ".join(sorted(set(others[normalise(m["text"])])))
                    print(f"{f.parent.name}/{f.name}: {m['text']!r} also in {found}/")
    return clean


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--dupes", action="store_true", help="list batch messages whose text is in other files"
    )
    parser.add_argument("--messages", type=Path, default=MESSAGES, help=argparse.SUPPRESS)
    parser.add_argument("src", nargs="?", type=Path)
    args = parser.parse_args()
    if args.dupes:
        return 0 if duplicates(args.messages, args.batch) else 1
    if args.check:
        return 0 if check(args.messages, args.batch, args.seed) else 1
    if args.src is None:
        parser.error("SRC_DIR is needed unless --check")
    write(args.messages, args.src, args.batch, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
