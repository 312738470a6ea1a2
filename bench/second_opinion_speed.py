"""What the learned second opinion costs a message, read through its mapped file as the
service reads it (app/content/second_opinion_map.py), on a fixed table of messages.

A message is scored by the shared model and by its language's model; both look its n-grams up
by the same keys. This times `SecondOpinion.read` alone (no webhook around it), in CPU time
(the machine is shared), the best of several rounds: the figure the profile's "learned second
opinion" line (bench/webhook_profile.py) shows inside a whole request.

Usage: .venv/bin/python bench/second_opinion_speed.py [--rounds 7] [--repeat 200]
Results: bench/results/second-opinion-speed.txt (also printed). Only interfaces that the
earlier checkouts have, so it can be run on one of them to compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/second_opinion_speed.py` puts bench/ on sys.path, not the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import tempfile
import time
from collections.abc import Sequence

from app.content import second_opinion
from app.flows import learned
from app.flows.said import Said
from bench import ROOT
from bench.machine import heading, write_result

RESULTS = ROOT / "bench" / "results"
# Written for this bench (no evaluation messages): short and long, several languages and
# scripts, one language with no model of its own, and texts as the webhook bench sends them.
MESSAGES: tuple[tuple[str, str | None], ...] = (
    ("hello", "en"),
    ("Is anyone there?", "en"),
    ("I don't feel safe at home", "en"),
    ("he has his hands round my neck and says tonight i die", "en"),
    ("can i talk to a real person please, not a machine, i need to tell someone what is "
     "happening at home before he gets back from work", "en"),
    ("potrzebuję z kimś porozmawiać, boję się go", "pl"),
    ("vreau să vorbesc cu cineva", "ro"),
    ("dw i angen siarad â rhywun", "cy"),
    ("أحتاج أن أتكلم مع أحد", "ar"),
    ("mujhe kisi se baat karni hai", "ur"),
    ("he is outside with a knife", "de"),
    ("the weather was grey and the bus was late again, " * 6, "en"),
)


def microseconds_per_message(opinion: learned.SecondOpinion,
                             messages: Sequence[tuple[Said, str | None]],
                             repeat: int) -> float:
    """CPU microseconds per message, reading each message `repeat` times."""
    started = time.process_time()
    for _ in range(repeat):
        for said, language in messages:
            opinion.read(said, language)
    return (time.process_time() - started) / (repeat * len(messages)) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--output", type=Path, default=RESULTS / "second-opinion-speed.txt")
    arguments = parser.parse_args(argv)
    # Folded once, as the service folds a message before triage and the second opinion read it.
    messages = [(Said.of(text), language) for text, language in MESSAGES]
    with tempfile.TemporaryDirectory(prefix="quietline-opinion-") as folder:
        opinion = second_opinion.load(ROOT / "flows", mapped_in=Path(folder))
        kind = type(next(iter(opinion.models.values()))).__name__
        microseconds_per_message(opinion, messages, 10)  # warm-up: the file's pages read in
        timings = sorted(microseconds_per_message(opinion, messages, arguments.repeat)
                         for _ in range(arguments.rounds))
    lines = [
        *heading("learned second opinion"),
        f"SecondOpinion.read through {kind}, one thread, {len(messages)} messages x "
        f"{arguments.repeat}, {arguments.rounds} rounds, CPU time.",
        "",
        f"best   {timings[0]:7.1f} us/message",
        f"median {timings[len(timings) // 2]:7.1f} us/message",
    ]
    write_result(arguments.output, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
