"""Conversation flows: a pure engine over flows that partnerships keep as data.

The rule for this package: no I/O. It imports nothing from Flask, storage, channels, Redis or
Babel, and never reads the clock; the caller passes the flow, the state, the text and the time,
and gets back message ids, the next state and actions. That keeps every conversation rule
testable as a table, and keeps a survivor's reply independent of anything that can be down.

Owns the flow model and its loader (YAML files in flows/, parsed once), the step function
(`engine.step`), the conversation state it takes and returns (`state`) and the triage rules
(`triage`). May import nothing of the app; the import contract in pyproject.toml also forbids
Flask, SQLAlchemy, Redis, RQ, Twilio and Babel here.
"""

from app.flows.engine import StepResult, step
from app.flows.loader import FlowError, load_flow, load_flows
from app.flows.model import Escalate, Flow, MessageRef, RequestErasure
from app.flows.state import Choice, ConversationState

__all__ = [
    "Choice",
    "ConversationState",
    "Escalate",
    "Flow",
    "FlowError",
    "MessageRef",
    "RequestErasure",
    "StepResult",
    "load_flow",
    "load_flows",
    "step",
]
