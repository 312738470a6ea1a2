"""Read a flow file and refuse it loudly, with file and step, if anything is wrong.

A flow that points at a step that does not exist would leave a survivor without an answer, so
every reference is checked here, at start-up and in `flask flows check`, not when a survivor
happens to reach it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from app.flows.model import PRIORITIES, Escalate, Flow, Keyword, MessageRef, Step
from app.flows.text import normalise

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


class _FlowYamlLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's booleans: in a flow, `yes:` and `no:` are words a survivor types.

    Plain YAML would turn an unquoted `yes`, `no`, `on` or `off` into True/False, and the
    option would silently stop matching what the survivor wrote.
    """


_FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class FlowError(ValueError):
    """A flow file is invalid; the message names the file, the step and what is wrong."""

    def __init__(self, source: str, where: str, why: str) -> None:
        super().__init__(f"{source}: {where}: {why}")
        self.source, self.where, self.why = source, where, why


def load_flow(path: Path) -> Flow:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_FlowYamlLoader)  # noqa: S506 -- a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(str(path), "file", f"cannot be read ({type(exc).__name__})") from exc
    except yaml.YAMLError as exc:
        raise FlowError(str(path), "file", f"is not valid YAML: {exc}") from exc
    return parse_flow(raw, str(path))


def parse_flow(raw: Any, source: str) -> Flow:
    if not isinstance(raw, dict):
        raise FlowError(source, "file", "must be a mapping with flow, start and steps")
    flow_id = _text(raw, "flow", source, "file")
    start = _text(raw, "start", source, "file")
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, dict) or not raw_steps:
        raise FlowError(source, "steps", "must be a non-empty mapping of step ids")
    steps = {str(sid): _step(str(sid), body, source) for sid, body in raw_steps.items()}
    keywords = tuple(_keyword(i, k, source) for i, k in enumerate(raw.get("keywords") or []))
    flow = Flow(id=flow_id, start=start, steps=steps, keywords=keywords, source=source)
    _check_references(flow)
    return flow


def _text(raw: dict[str, Any], key: str, source: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FlowError(source, where, f"needs '{key}' as text")
    return value.strip()


def _step(step_id: str, body: Any, source: str) -> Step:
    where = f"step {step_id!r}"
    if not isinstance(body, dict):
        raise FlowError(source, where, "must be a mapping")
    unknown = set(body) - {"say", "options", "otherwise", "next", "actions"}
    if unknown:
        raise FlowError(source, where, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    say = body.get("say") or []
    if not isinstance(say, list) or not all(isinstance(m, str) and _ID.match(m) for m in say):
        raise FlowError(source, where, "'say' must be a list of message ids like welcome.greeting")
    options_raw = body.get("options") or {}
    if not isinstance(options_raw, dict):
        raise FlowError(source, where, "'options' must map replies to step ids")
    options = {normalise(str(reply)): str(target) for reply, target in options_raw.items()}
    if "" in options:
        raise FlowError(source, where, "an option reply is empty")
    for key in ("otherwise", "next"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise FlowError(source, where, f"'{key}' must be a step id")
    return Step(
        id=step_id,
        say=tuple(MessageRef(m) for m in say),
        options=options,
        otherwise=body.get("otherwise"),
        next=body.get("next"),
        actions=tuple(_action(a, source, where) for a in body.get("actions") or []),
    )


def _action(raw: Any, source: str, where: str) -> Escalate:
    if isinstance(raw, dict) and set(raw) == {"escalate"} and isinstance(raw["escalate"], dict):
        spec = raw["escalate"]
        priority, reason = spec.get("priority", "routine"), spec.get("reason")
        if priority not in PRIORITIES:
            raise FlowError(source, where, f"escalate priority must be one of {PRIORITIES}")
        if not isinstance(reason, str) or not _ID.match(reason):
            raise FlowError(source, where, "escalate needs a reason code like asked_for_person")
        return Escalate(priority=priority, reason=reason)
    raise FlowError(source, where, f"unknown action {raw!r}")


def _keyword(index: int, raw: Any, source: str) -> Keyword:
    where = f"keywords[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("words"), list):
        raise FlowError(source, where, "needs 'words' (a list) and 'goto'")
    words = frozenset(normalise(str(w)) for w in raw["words"]) - {""}
    if not words:
        raise FlowError(source, where, "has no words")
    return Keyword(words=words, goto=_text(raw, "goto", source, where))


def _check_references(flow: Flow) -> None:
    def known(target: str | None, where: str) -> None:
        if target is not None and target not in flow.steps:
            raise FlowError(flow.source, where, f"goes to unknown step {target!r}")

    known(flow.start, "start")
    for step in flow.steps.values():
        where = f"step {step.id!r}"
        for target in step.options.values():
            known(target, where)
        known(step.otherwise, where)
        known(step.next, where)
        if not step.say and not step.next:
            raise FlowError(flow.source, where, "says nothing and goes nowhere")
    for index, keyword in enumerate(flow.keywords):
        known(keyword.goto, f"keywords[{index}]")
    _check_no_loops(flow)
    _check_reachable(flow)


def _check_no_loops(flow: Flow) -> None:
    # A chain of `next` that comes back on itself would never wait for the survivor.
    for step in flow.steps.values():
        seen = {step.id}
        current = step.next
        while current is not None:
            if current in seen:
                raise FlowError(flow.source, f"step {step.id!r}", "'next' chain loops")
            seen.add(current)
            current = flow.steps[current].next


def _check_reachable(flow: Flow) -> None:
    reached: set[str] = set()
    todo = [flow.start, *(k.goto for k in flow.keywords)]
    while todo:
        sid = todo.pop()
        if sid in reached:
            continue
        reached.add(sid)
        step = flow.steps[sid]
        todo.extend(step.options.values())
        todo.extend(t for t in (step.otherwise, step.next) if t)
    unreachable = sorted(set(flow.steps) - reached)
    if unreachable:
        raise FlowError(flow.source, f"step {unreachable[0]!r}", "cannot be reached")
