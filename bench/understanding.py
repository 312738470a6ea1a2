"""How the service reads first messages it has never seen: eval/messages, per language.

`make bench` runs this (or `python bench/understanding.py [--splits opened dev] [--misses]`): every
message in eval/messages/<split>/*.yaml is taken as a survivor's first message on a new
number, the way the conversation service takes it (app/conversation/turn.py `compose`): the
language guess, the triage rules, then one step of the real flows from flows/ (keywords,
urgent triage, intents, disclosure) with the demo deployment's words. A case is opened, as
`app/casework/escalation.py` `apply` opens one, when the step escalates or triage reads high
or urgent risk. Files are grouped by language: `ar.yaml` and `ar-b.yaml` (a later batch) are
both Arabic. It reports, per split and language, and overall:

- urgent recall: of the messages a helpline worker would treat as immediate danger, how many
  triage reads as urgent; urgent precision: of those read as urgent, how many were;
- person recall: of the messages asking for a person, how many open a case at once;
- false urgent: of the information and innocent messages (neither urgent), how many triage
  reads as urgent (also shown for each of the two kinds);
- case for innocent: of the innocent messages, how many open a case;
- help answered: of the pleas for help, how many open a case or are offered a person;
- cannot talk: of the "cannot talk" messages (not urgent, no request for a person), how many
  pause the conversation;
- own language: of the greetings, how many are answered in the message's language.

Each split is also measured batch by batch (`ar.yaml` is batch a, `ar-b.yaml` b, `ar-c.yaml`
c, `ar-d.yaml` d): a batch written after the rules were last tuned is the freshest measure of
them.

The messages were written by helpers who never saw the rules (eval/README.md). Three splits:
dev/ and opened/ are for tuning (opened/ holds the earlier held-out parts, each measured once
for its final figures and then opened for tuning: batches a-c on 6 December 2026, batches d-j
on 7 December 2026, batch k on 8 December 2026; batches t and u were written for teaching
only); heldout/ holds batch l, which whoever writes the rules never reads, and is measured
once, at the end. While heldout/ is missing or empty the report says so. Results:
bench/results/understanding.txt and .json, with the targets of issue 21 for held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content import second_opinion as second_opinion_file  # noqa: E402 -- after the path
from app.content.language import LanguageGuesser  # noqa: E402
from app.deployment import LANGUAGE_MODELS, URGENT_SENSITIVITIES, load_deployment  # noqa: E402
from app.flows import ConversationState, Escalate, learned, load_flows  # noqa: E402
from app.flows import step as flow_step  # noqa: E402
from app.flows.loader import read_yaml  # noqa: E402
from app.flows.model import Pause  # noqa: E402
from app.flows.said import Said  # noqa: E402
from app.flows.triage import parse_rules  # noqa: E402

RESULTS = ROOT / "bench" / "results"
EVAL = ROOT / "eval" / "messages"
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # a Tuesday morning: the team is on duty
# Issue 21's targets, on held-out data.
TARGETS = {"urgent recall": (0.97, "min"), "person recall": (0.95, "min"),
           "false urgent": (0.02, "max")}
# heldout/ is never read while tuning (--misses refuses it); opened/ and dev/ are tuned on.
SPLITS = ("heldout", "opened", "dev")
MEASURES = ("urgent recall", "urgent precision", "person recall", "false urgent",
            "false urgent (info)", "false urgent (innocent)", "case for innocent",
            "help answered", "cannot talk", "own language")


@dataclass
class Reading:
    urgent: bool
    case: bool
    offered: bool  # a case, or the reply offers a person
    paused: bool
    language: str | None
    step: str | None


def reader(opinion: learned.SecondOpinion | None = None, models: str | None = None) -> Any:
    """Read a message as the service does; with `opinion`, the learned second opinion adds
    what the rules missed, as app/conversation/turn.py `compose` lets it. The language is
    guessed with the demo deployment's `[languages] models`, or `models`."""
    deployment = load_deployment(ROOT / "config" / "demo.toml")
    flow = load_flows(ROOT / "flows",
                      extra_words={k: list(v) for k, v in deployment.extra_keywords.items()},
                      duress_words=deployment.duress_words)
    triage = parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"),
                         str(ROOT / "flows" / "triage.yaml"))
    models = models or deployment.language_models
    guesser = LanguageGuesser(deployment.languages, preload=True, models=models)
    idle = timedelta(minutes=deployment.conversation_idle_minutes)

    def read(text: str) -> Reading:
        language = guesser.guess(text)
        said = Said.of(text)  # folded once for triage and the intents, as the service does
        risk = triage.assess(said, language)
        seen = opinion.read(said, language) if opinion else learned.NO_OPINION
        risk = learned.raised(risk, seen)
        result = flow_step(flow, ConversationState(language=language), text, NOW, idle,
                           urgent=risk.at_least("urgent"),
                           disclosure=risk.at_least("routine"), folded=said,
                           person=seen.person)
        escalates = any(isinstance(action, Escalate) for action in result.actions)
        case = escalates or risk.at_least("high")
        # "Reply 3 to talk to a person" (person.offer, or menu.return after the emergency
        # options or the services) offers one.
        offered = case or any(ref.id in {"person.offer", "menu.return"}
                              for ref in result.replies)
        paused = any(isinstance(action, Pause) for action in result.actions)
        return Reading(risk.at_least("urgent"), case, offered, paused, result.state.language,
                       result.state.step)

    return read


def batch_of(path: Path) -> str:
    """`ar.yaml` is the first batch (a), `ar-b.yaml` batch b, `ar-c.yaml` batch c."""
    return path.stem.split("-")[1] if "-" in path.stem else "a"


def files(split: str) -> list[Path]:
    """The split's message files; none when its folder is missing (heldout/ between batches)."""
    return sorted((EVAL / split).glob("*.yaml"))


def messages(split: str, batch: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Messages per language; `<lang>-b.yaml` (a later batch) is grouped with `<lang>`;
    `batch` keeps one batch only."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in files(split):
        if batch is not None and batch_of(path) != batch:
            continue
        language = path.stem.split("-")[0]
        grouped[language].extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return dict(grouped)


def measure(split: str, read: Any, misses: bool = False, batch: str | None = None
            ) -> tuple[dict[str, dict[str, list[int]]], dict[str, int]]:
    figures: dict[str, dict[str, list[int]]] = {}
    sizes: dict[str, int] = {}
    for language, items in messages(split, batch).items():
        sizes[language] = len(items)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])

        def count(name: str, hit: bool, item: dict[str, Any], counts: Any = counts,
                  language: str = language) -> None:
            counts[name][0] += hit
            counts[name][1] += 1
            wrong = hit if name.startswith(("false urgent (", "case for")) else not hit
            if misses and wrong and name != "false urgent":
                print(f"MISS {name} [{language}] {item['text']}")  # noqa: T201

        for item in items:
            labels = set(item["labels"])
            seen = read(str(item["text"]))
            urgent = bool(item["urgent"])
            if urgent:
                count("urgent recall", seen.urgent, item)
            if seen.urgent:
                count("urgent precision", urgent, item)
            if not urgent and labels & {"info", "innocent"}:
                count("false urgent", seen.urgent, item)
                kind = "innocent" if "innocent" in labels else "info"
                count(f"false urgent ({kind})", seen.urgent, item)
            if "innocent" in labels:
                count("case for innocent", seen.case, item)
            if "person" in labels:
                count("person recall", seen.case, item)
            if "help" in labels and not urgent:
                count("help answered", seen.offered, item)
            if labels == {"cannot_talk"}:
                count("cannot talk", seen.paused, item)
            if labels == {"greeting"}:
                count("own language", seen.language == language, item)
        figures[language] = dict(counts)
    return figures, sizes


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def _verdict(name: str, hits: int, total: int) -> str:
    target, kind = TARGETS[name]
    if not total:
        return f"  {name}: no messages"
    value = hits / total
    met = value >= target if kind == "min" else value <= target
    sign = ">=" if kind == "min" else "<="
    return (f"  {name}: {value:.3f} (target {sign} {target:.2f}): "
            f"{'met' if met else 'NOT met'}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--misses", action="store_true",
                        help="print each miss (the tuning splits opened and dev only)")
    parser.add_argument("--second-opinion", action="store_true",
                        help="with the learned second opinion on (flows/second_opinion.json)")
    parser.add_argument("--urgent-threshold", type=float,
                        help="with --second-opinion: read urgent at this score instead of the "
                             "file's (a point of bench/results/second-opinion-curve.txt); "
                             "prints only, writes no results file")
    parser.add_argument("--sensitivity", choices=URGENT_SENSITIVITIES,
                        help="with --second-opinion: read urgent as a deployment with this "
                             "[triage] urgent_sensitivity does (\"higher\": the file's "
                             "higher_urgent); as --urgent-threshold, prints only")
    parser.add_argument("--models", choices=LANGUAGE_MODELS,
                        help="guess the language with these [languages] models (default: the "
                             "demo deployment's)")
    args = parser.parse_args()
    if args.misses and "heldout" in args.splits:
        parser.error("--misses prints messages: use it on the tuning splits (opened, dev) only")
    if args.urgent_threshold is not None and not args.second_opinion:
        parser.error("--urgent-threshold needs --second-opinion")
    if args.sensitivity == "higher" and (
            not args.second_opinion or args.urgent_threshold is not None):
        parser.error("--sensitivity needs --second-opinion, and no --urgent-threshold")
    return args


def _moved(args: argparse.Namespace) -> bool:
    """Whether the second opinion reads urgent at another threshold than its file's."""
    return args.urgent_threshold is not None or args.sensitivity == "higher"


def _opinion(args: argparse.Namespace) -> learned.SecondOpinion | None:
    """The shipping second opinion when asked for, at another urgent threshold if given:
    `--sensitivity higher` reads where a deployment at "higher" does (the file's own number)."""
    if not args.second_opinion:
        return None
    opinion = second_opinion_file.load(ROOT / "flows")
    if args.sensitivity == "higher":
        return opinion.more_sensitive()
    if args.urgent_threshold is not None:
        return opinion.reading_urgent_at(args.urgent_threshold)
    return opinion


def main() -> int:
    args = _arguments()
    opinion = _opinion(args)
    models = args.models or load_deployment(ROOT / "config" / "demo.toml").language_models
    read = reader(opinion, models)
    # With the second opinion on, the same split read by the rules alone, for comparison.
    rules_alone = reader(models=models) if opinion else None
    report: dict[str, Any] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"),
                              "targets": {k: v[0] for k, v in TARGETS.items()}, "splits": {}}
    sizes_all = {split: measure_sizes(split) for split in args.splits}
    total = sum(sum(s.values()) for s in sizes_all.values())
    lines = ["First messages never seen by the rules (eval/messages), read as the service",
             "reads a first message: language guess, triage, one flow step (keywords, urgent",
             "triage, intents, disclosure); a case opens when the step escalates or triage",
             "reads high or urgent risk.",
             f"Language guessed with [languages] models = \"{models}\".",
             *([f"Urgent threshold {opinion.thresholds['urgent']:g} instead of the file's (a "
                "point of", "the operating curve, bench/results/second-opinion-curve.txt)."]
               if opinion is not None and _moved(args) else []),
             *(["With the learned second opinion ON (flows/second_opinion.json, taught on all",
                "of dev/ and opened/: its figures there are in-sample; its cross-validated",
                "figures are in second-opinion-cv.txt, beside this file)."] if opinion else
               ["Rules only (the learned second opinion off)."]), "",
             "Splits: dev/ and opened/ are tuned on (opened/ holds the earlier held-out parts,",
             "batches a-c and d-k, each measured once and then opened for tuning, and the",
             "teaching batches t and u); heldout/ (batch l) is never read by whoever tunes",
             "the rules.",
             f"Set: {total} messages: "
             + ", ".join(f"{split} {sum(s.values())}" for split, s in sizes_all.items()), ""]
    for split in args.splits:
        if not files(split):
            # Before a batch is added there is no held-out part: say so, measure the rest.
            lines += [f"== {split}: no messages (eval/messages/{split}/ is missing or empty)",
                      ""]
            report["splits"][split] = {"sizes": {}, "all": {}, "languages": {},
                                       "batches": {}}
            continue
        figures, sizes = measure(split, read, misses=args.misses)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        lines.append(f"== {split}: {sum(sizes.values())} messages ("
                     + ", ".join(f"{lang} {n}" for lang, n in sorted(sizes.items())) + ")")
        for counts in figures.values():
            for name, (hits, n) in counts.items():
                totals[name][0] += hits
                totals[name][1] += n
        rows = [("all", dict(totals)), *sorted(figures.items())]
        for language, counts in rows:
            lines.append(f"  {language}:")
            lines.extend(f"    {name:<24} {ratio(*counts[name])}"
                         for name in MEASURES if name in counts)
        if rules_alone is not None:
            lines.append(_rules_alone(split, rules_alone))
        if split == "heldout":
            lines.append("  targets (issue 21, held-out):")
            lines.extend(_verdict(name, *totals.get(name, [0, 0])) for name in TARGETS)
        # Each batch alone: a batch written after the rules were last tuned is the freshest
        # measure of how they generalise.
        batches = sorted({batch_of(p) for p in files(split)})
        by_batch: dict[str, Any] = {}
        lines.append("  by batch (all languages):")
        for batch in batches:
            batch_figures, batch_sizes = measure(split, read, batch=batch)
            summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for counts in batch_figures.values():
                for name, (hits, n) in counts.items():
                    summed[name][0] += hits
                    summed[name][1] += n
            lines.append(f"    batch {batch} ({sum(batch_sizes.values())} messages): "
                         + ", ".join(f"{name} {ratio(*summed[name])}"
                                     for name in ("urgent recall", "person recall",
                                                  "false urgent") if name in summed))
            by_batch[batch] = {"sizes": batch_sizes, "all": dict(summed)}
        lines.append("")
        report["splits"][split] = {"sizes": sizes, "all": dict(totals), "languages": figures,
                                   "batches": by_batch}
    RESULTS.mkdir(parents=True, exist_ok=True)
    if set(args.splits) == set(SPLITS) and not args.misses and not _moved(args):
        (RESULTS / "understanding.txt").write_text("\n".join(lines), encoding="utf-8")
        (RESULTS / "understanding.json").write_text(json.dumps(report, indent=2) + "\n",
                                                    encoding="utf-8")
    print("\n".join(lines))  # noqa: T201 -- a benchmark prints its figures
    return 0


def _rules_alone(split: str, read: Any) -> str:
    """One line: the same split read by the rules alone (the second opinion off)."""
    alone, _ = measure(split, read)
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for counts in alone.values():
        for name, (hits, n) in counts.items():
            summed[name][0] += hits
            summed[name][1] += n
    return ("  the rules alone (second opinion off), same messages: "
            + ", ".join(f"{name} {ratio(*summed[name])}"
                        for name in ("urgent recall", "person recall", "false urgent",
                                     "case for innocent") if name in summed))


def measure_sizes(split: str) -> dict[str, int]:
    return {language: len(items) for language, items in messages(split).items()}


if __name__ == "__main__":
    sys.exit(main())
