"""How the service reads first messages it has never seen: eval/messages, per language.

`python bench/understanding.py` (not part of `make test`): every message in eval/messages/dev
and eval/messages/heldout is taken as a survivor's first message on a new number, the way the
conversation service takes it (app/conversation/service.py `_turn`): the language guess, the
triage rules, then one step of the real flows from flows/ with the demo deployment's words.
It reports, per split and language:

- urgent recall: of the messages a helpline worker would treat as immediate danger, how many
  triage reads as urgent;
- false urgent: of the `innocent` messages, how many triage reads as urgent;
- person recall: of the messages asking for a person, how many open a case at once;
- case for innocent: of the `innocent` messages, how many open a case;
- own language: of the greetings, how many are answered in the message's language.

The messages were written by helpers who never saw the rules (eval/README.md); heldout/ is for
measuring after rules are tuned on dev/ only. Results: bench/results/understanding.txt, .json.
"""

from __future__ import annotations

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

from app.content.language import LanguageGuesser  # noqa: E402 -- after the path is set
from app.deployment import load_deployment  # noqa: E402
from app.flows import ConversationState, Escalate, load_flows  # noqa: E402
from app.flows import step as flow_step  # noqa: E402
from app.flows.loader import read_yaml  # noqa: E402
from app.flows.triage import parse_rules  # noqa: E402

RESULTS = ROOT / "bench" / "results"
NOW = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # a Tuesday morning: the team is on duty


@dataclass
class Reading:
    urgent: bool
    case: bool
    language: str | None


def reader() -> Any:
    deployment = load_deployment(ROOT / "config" / "demo.toml")
    flow = load_flows(ROOT / "flows",
                      extra_words={k: list(v) for k, v in deployment.extra_keywords.items()},
                      duress_words=deployment.duress_words)
    triage = parse_rules(read_yaml(ROOT / "flows" / "triage.yaml"),
                         str(ROOT / "flows" / "triage.yaml"))
    guesser = LanguageGuesser(deployment.languages, preload=True)
    idle = timedelta(minutes=deployment.conversation_idle_minutes)

    def read(text: str) -> Reading:
        language = guesser.guess(text)
        risk = triage.assess(text, language)
        result = flow_step(flow, ConversationState(language=language), text, NOW, idle,
                           urgent=risk.at_least("urgent"))
        case = any(isinstance(action, Escalate) for action in result.actions)
        return Reading(risk.at_least("urgent"), case, result.state.language)

    return read


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def measure(split: str, read: Any) -> dict[str, dict[str, list[int]]]:
    figures: dict[str, dict[str, list[int]]] = {}
    for path in sorted((ROOT / "eval" / "messages" / split).glob("*.yaml")):
        language = path.stem
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            labels = set(item["labels"])
            seen = read(str(item["text"]))
            if item["urgent"]:
                counts["urgent recall"][0] += seen.urgent
                counts["urgent recall"][1] += 1
            if "innocent" in labels:
                counts["false urgent"][0] += seen.urgent
                counts["false urgent"][1] += 1
                counts["case for innocent"][0] += seen.case
                counts["case for innocent"][1] += 1
            if "person" in labels:
                counts["person recall"][0] += seen.case
                counts["person recall"][1] += 1
            if labels == {"greeting"}:
                counts["own language"][0] += seen.language == language
                counts["own language"][1] += 1
        figures[language] = dict(counts)
    return figures


def main() -> int:
    read = reader()
    report: dict[str, Any] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"),
                              "splits": {}}
    lines = ["First messages never seen by the rules (eval/messages), read as the service",
             "reads a first message: language guess, triage, one flow step.", ""]
    for split in ("dev", "heldout"):
        figures = measure(split, read)
        report["splits"][split] = figures
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        lines.append(f"== {split}")
        for language, counts in figures.items():
            cells = []
            for name, (hits, total) in sorted(counts.items()):
                totals[name][0] += hits
                totals[name][1] += total
                cells.append(f"{name} {ratio(hits, total)}")
            lines.append(f"  {language}: " + "; ".join(cells))
        lines.append("  all: " + "; ".join(f"{name} {ratio(*totals[name])}"
                                           for name in sorted(totals)))
        lines.append("")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "understanding.txt").write_text("\n".join(lines), encoding="utf-8")
    (RESULTS / "understanding.json").write_text(json.dumps(report, indent=2) + "\n",
                                                encoding="utf-8")
    print("\n".join(lines))  # noqa: T201 -- a benchmark prints its figures
    return 0


if __name__ == "__main__":
    sys.exit(main())
