"""Every code an advocate's page can show has plain words (issue 20, item 1): each test collects
the codes from where they are made (the flows, the triage rules, the message catalogue, the
outbound gate, the provider adapter) and fails on one with no wording in app/casework/wording.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.casework import escalation, wording
from app.casework.escalation import PRIORITY_NAMES
from app.casework.outbound_gate import EXPLANATIONS
from app.flows.loader import load_flows, read_yaml
from app.flows.model import Escalate, Record
from app.flows.triage import parse_rules

ROOT = Path(__file__).resolve().parents[2]


def flow_actions() -> list[object]:
    flow = load_flows(ROOT / "flows")
    return [action for step in flow.steps.values() for action in step.actions]


def test_every_escalation_and_triage_reason_has_words() -> None:
    reasons = {a.reason for a in flow_actions() if isinstance(a, Escalate)}
    reasons |= {rule.reason for rule in parse_rules(read_yaml(ROOT / "flows/triage.yaml")).rules}
    reasons.add(escalation.FLOOD_REASON)
    assert reasons - wording.REASONS.keys() == set()


def test_every_recorded_choice_and_answer_has_words() -> None:
    flow = load_flows(ROOT / "flows")
    records = [a for a in flow_actions() if isinstance(a, Record)]
    captured = {step.capture for step in flow.steps.values() if step.capture}
    assert ({r.choice for r in records} | captured) - wording.CHOICES.keys() == set()
    for record in records:
        assert record.value in wording.CHOICE_VALUES.get(record.choice, {}), record


def test_every_catalogue_message_has_a_one_line_summary() -> None:
    ids = set(re.findall(r'^msgid "([a-z_.]+)"$',
                         (ROOT / "translations/messages.pot").read_text(encoding="utf-8"),
                         flags=re.MULTILINE))
    assert ids
    assert ids - wording.FLOW_MESSAGES.keys() == set()


def test_every_hold_reason_error_kind_status_and_priority_has_words() -> None:
    assert EXPLANATIONS.keys() - wording.HOLD_REASONS.keys() == set()
    adapter = (ROOT / "app/outbound/twilio_rest.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r'kind = "([a-z_]+)"', adapter)) | {"no_address"}
    assert kinds - wording.ERROR_KINDS.keys() == set()
    assert set(PRIORITY_NAMES.values()) - wording.PRIORITIES.keys() == set()
    assert {"open", "claimed", "closed"} == wording.CASE_STATUSES.keys()
    assert {"queued", "held", "sending", "sent", "failed", "cancelled"} \
        == wording.REPLY_STATUSES.keys()


def test_every_language_of_the_example_deployment_and_the_catalogues_has_a_name() -> None:
    text = (ROOT / "config/demo.toml").read_text(encoding="utf-8")
    found = re.search(r"enabled\s*=\s*\[([^\]]*)\]", text)
    assert found
    codes = set(re.findall(r'"([a-z-]+)"', found.group(1)))
    codes |= {path.name for path in (ROOT / "translations").iterdir() if path.is_dir()}
    assert codes - wording.LANGUAGES.keys() == set()


def test_a_code_without_wording_is_still_readable_on_the_page() -> None:
    assert wording.say(wording.REASONS, "brand_new_code") == "brand new code"
    assert wording.flow_summary(("brand.new",)) == "brand: new"
    assert wording.choice_value("safe_time", "after 6pm") == "after 6pm"  # their own words
