"""Read a flow file and refuse it loudly, with file and step, if anything is wrong.

A flow that points at a step that does not exist would leave a survivor without an answer, so
every reference is checked here, at start-up and in `flask flows check`, not when a survivor
happens to reach it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.flows.answers import AnswerWords, check_steps, parse_answer_words
from app.flows.errors import FlowError
from app.flows.intents import Intents, parse_intents
from app.flows.model import Flow, Keyword, Step
from app.flows.parse import ID, parse_keyword, parse_step, text_of
from app.flows.text import normalise

__all__ = ["FlowError", "load_flow", "load_flows", "parse_flow", "parse_flows", "read_yaml"]


# libyaml's parser (PyYAML's wheels ship it) reads the flows about nine times faster than the
# pure-Python one, with the same safe constructor and the same resolvers below: every app start
# (each gunicorn worker, each RQ job process, each test) reads every flow file.
_Base = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _FlowYamlLoader(_Base):  # type: ignore[valid-type,misc]  # a base chosen at import
    """YAML without YAML 1.1's booleans: in a flow, `yes:` and `no:` are words a survivor types.

    Plain YAML would turn an unquoted `yes`, `no`, `on` or `off` into True/False, and the
    option would silently stop matching what the survivor wrote.
    """


_FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Read one YAML file of flow data, with file-named errors and words kept as words."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_FlowYamlLoader)  # noqa: S506 -- a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(str(path), "file", f"cannot be read ({type(exc).__name__})") from exc
    except yaml.YAMLError as exc:
        raise FlowError(str(path), "file", f"is not valid YAML: {exc}") from exc


# Files in flows/ that hold rules rather than steps and keywords (dash.yaml and referrals.yaml
# are casework data: app/content/checklist.py, app/content/agencies.py; channels.yaml says
# which messages have a channel's own wording: app/content/channels.py).
NOT_FLOW_FILES = frozenset({"outbound.yaml", "triage.yaml", "dash.yaml", "referrals.yaml",
                            "channels.yaml"})


def load_flows(
    directory: Path,
    *,
    extra_words: dict[str, list[str]] | None = None,
    duress_words: tuple[str, ...] = (),
) -> Flow:
    """Every flow file in `directory`, merged into one conversation and checked as a whole.

    `extra_words` (keyword name -> words) and `duress_words` come from the deployment file, so
    a partnership can add words without editing the shared flows.
    """
    files = [(str(path), read_yaml(path)) for path in sorted(directory.glob("*.yaml"))
             if path.name not in NOT_FLOW_FILES]
    if not files:
        raise FlowError(str(directory), "folder", "has no flow files")
    return parse_flows(files, extra_words=extra_words, duress_words=duress_words)


def load_flow(path: Path) -> Flow:
    """One self-contained flow file (start, steps and keywords in the same file)."""
    return parse_flows([(str(path), read_yaml(path))])


def parse_flow(raw: Any, source: str) -> Flow:
    return parse_flows([(source, raw)])


def parse_flows(
    files: list[tuple[str, Any]],
    *,
    extra_words: dict[str, list[str]] | None = None,
    duress_words: tuple[str, ...] = (),
) -> Flow:
    steps: dict[str, Step] = {}
    sources: dict[str, str] = {}
    keywords: list[Keyword] = []
    # Steps with a special role, each named in exactly one file: where conversations start,
    # where the duress word leads, where an urgent triage result leads, what a locked
    # conversation's try at a secret is answered with.
    roles: dict[str, tuple[str, str]] = {}
    service_messages: dict[str, str] = {}  # message id -> file that declares it
    intent_files = [(s, r) for s, r in files if isinstance(r, dict) and "intents" in r]
    intents = _intents_of(intent_files)
    for source, raw in [f for f in files if f not in intent_files]:
        if not isinstance(raw, dict):
            raise FlowError(source, "file", "must be a mapping (flow, start, steps, keywords)")
        unknown = set(raw) - {"flow", "steps", "keywords", "messages", "answer_words", *_ROLES}
        if unknown:
            raise FlowError(source, "file", f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
        for role in _ROLES:
            if role in raw:
                if role in roles:
                    raise FlowError(source, role, f"is already set in {roles[role][1]}")
                roles[role] = (text_of(raw, role, source, "file"), source)
        raw_steps = raw.get("steps") or {}
        if not isinstance(raw_steps, dict):
            raise FlowError(source, "steps", "must be a mapping of step ids")
        for sid, body in raw_steps.items():
            step_id = str(sid)
            if step_id in steps:
                raise FlowError(source, f"step {step_id!r}",
                                f"is also defined in {sources[step_id]}")
            steps[step_id] = parse_step(step_id, body, source)
            sources[step_id] = source
        keywords.extend(parse_keyword(i, k, source)
                        for i, k in enumerate(raw.get("keywords") or []))
        listed = raw.get("messages") or []
        if not isinstance(listed, list) or not all(isinstance(m, str) and ID.match(m)
                                                   for m in listed):
            raise FlowError(source, "messages", "must be a list of message ids")
        service_messages.update((m, source) for m in listed)
    first_source = files[0][0] if files else "<flows>"
    if not steps:
        raise FlowError(first_source, "steps", "must be a non-empty mapping of step ids")
    _check_targets(steps, roles, keywords, intents)
    answer_words = _answer_words_of(files)
    check_steps(steps, answer_words, sources)
    if "start" not in roles:
        raise FlowError(first_source, "file", "needs 'start' as text (in exactly one file)")
    cover = roles.get("cover")
    keywords = _with_deployment_words(keywords, extra_words or {}, duress_words, cover,
                                      first_source)
    flow = Flow(start=roles["start"][0], steps=steps, keywords=tuple(keywords), sources=sources,
                cover_step=cover[0] if cover else None,
                urgent_step=roles["urgent"][0] if "urgent" in roles else None,
                locked_step=roles["locked"][0] if "locked" in roles else None,
                number_saved_step=(roles["number_saved"][0] if "number_saved" in roles
                                   else None),
                service_messages=service_messages,
                intents=intents[0] if intents else None,
                answer_words=answer_words)
    _check_references(flow)
    return flow


def _answer_words_of(files: list[tuple[str, Any]]) -> AnswerWords | None:
    """The one `answer_words:` section of the flow files (flows/answers.yaml), if any."""
    found = [(source, raw) for source, raw in files
             if isinstance(raw, dict) and "answer_words" in raw]
    if len(found) > 1:
        raise FlowError(found[1][0], "answer_words", f"is already set in {found[0][0]}")
    return parse_answer_words(found[0][1]["answer_words"], found[0][0]) if found else None


def _check_targets(steps: dict[str, Step], roles: dict[str, tuple[str, str]],
                   keywords: list[Keyword], intents: tuple[Intents, str] | None) -> None:
    """Checked before merging, while each role and keyword still knows its own file."""
    if intents is not None:
        _check_intents(steps, *intents)
    for role, (target, source) in roles.items():
        if target not in steps:
            raise FlowError(source, role, f"goes to unknown step {target!r}")
    for keyword in keywords:
        if keyword.goto not in steps:
            raise FlowError(keyword.source, f"keywords[{keyword.index}] ({keyword.name})",
                            f"goes to unknown step {keyword.goto!r}")


def _with_deployment_words(
    keywords: list[Keyword], extra: dict[str, list[str]], duress_words: tuple[str, ...],
    cover: tuple[str, str] | None, source: str,
) -> list[Keyword]:
    merged = []
    names = {k.name for k in keywords}
    for name in extra:
        if name not in names:
            raise FlowError("deployment file", f"keywords.{name}", "is not a keyword of the flows")
    for keyword in keywords:
        added = frozenset(normalise(w) for w in extra.get(keyword.name, ())) - {""}
        words = dict(keyword.words)
        if added:
            words["*"] = words.get("*", frozenset()) | added
        merged.append(Keyword(keyword.name, keyword.goto, words, keyword.sets_language,
                              keyword.source, keyword.index))
    duress = frozenset(normalise(w) for w in duress_words) - {""}
    if duress:
        if cover is None:
            raise FlowError(source, "cover", "a duress word is set but no flow names a cover step")
        # First, so an ordinary word chosen as the duress word can never mean anything else.
        merged.insert(0, Keyword("duress", cover[0], {"*": duress}, False, "deployment file", 0))
    return merged


_ROLES = ("start", "cover", "urgent", "locked", "number_saved")
_INTENT_KEYS = frozenset({"flow", "intents", "negations", "answers", "respellings",
                          "classes"})


def _intents_of(files: list[tuple[str, Any]]) -> tuple[Intents, str] | None:
    """The one file of intents (flows/intents.yaml), if there is one."""
    if len(files) > 1:
        raise FlowError(files[1][0], "intents", f"are already given in {files[0][0]}")
    if not files:
        return None
    source, raw = files[0]
    unknown = set(raw) - _INTENT_KEYS
    if unknown:
        raise FlowError(source, "file", "an intents file holds only "
                                        f"{', '.join(sorted(_INTENT_KEYS))}")
    return parse_intents(raw, source), source


def _check_intents(steps: dict[str, Step], intents: Intents, source: str) -> None:
    for index, intent in enumerate(intents.intents):
        if intent.goto not in steps:
            raise FlowError(source, f"intents[{index}] ({intent.name})",
                            f"goes to unknown step {intent.goto!r}")
    names = intents.names()
    for step in steps.values():
        unknown = sorted((step.intents or frozenset()) - names)
        if unknown:
            raise FlowError(source, f"step {step.id!r}", f"reads unknown intents: {unknown}")


def _check_references(flow: Flow) -> None:
    def known(target: str | None, where: str, source: str) -> None:
        if target is not None and target not in flow.steps:
            raise FlowError(source, where, f"goes to unknown step {target!r}")

    first = next(iter(flow.sources.values()), "<flows>")
    known(flow.start, "start", first)
    known(flow.cover_step, "cover", first)
    known(flow.urgent_step, "urgent", first)
    known(flow.locked_step, "locked", first)
    known(flow.number_saved_step, "number_saved", first)
    if flow.locked_step is None and any(s.secret or s.check for s in flow.steps.values()):
        # The engine's rule 6 answers a locked conversation's try at a secret from there.
        raise FlowError(first, "locked", "a step takes a secret, so one file must name a "
                                         "'locked' step")
    for step in flow.steps.values():
        where, source = f"step {step.id!r}", flow.source_of(step.id)
        for target in step.options.values():
            known(target, where, source)
        known(step.otherwise, where, source)
        known(step.next, where, source)
        for key, web_step in (("web", step.web), ("web_texts", step.web_texts)):
            known(web_step, where, source)
            if web_step is not None and (flow.steps[web_step].web is not None
                                         or flow.steps[web_step].web_texts is not None):
                raise FlowError(source, where,
                                f"'{key}' must name a step without a 'web' of its own")
        if step.web_texts is not None and step.web is None:
            raise FlowError(source, where, "'web_texts' needs a 'web' step for a chat that "
                            "cannot text")
        if step.secret is not None:
            known(step.secret.change_via, where, source)
            if flow.steps[step.secret.change_via].check != step.secret.name:
                raise FlowError(source, where, f"change_via must be a step that checks "
                                               f"{step.secret.name!r} (check: {step.secret.name})")
        if not step.say and not step.next:
            raise FlowError(source, where, "says nothing and goes nowhere")
    for index, keyword in enumerate(flow.keywords):
        known(keyword.goto, f"keywords[{index}] ({keyword.name})", first)
    _check_no_loops(flow)
    _check_reachable(flow)


def _check_no_loops(flow: Flow) -> None:
    # A chain of `next` that comes back on itself would never wait for the survivor.
    for step in flow.steps.values():
        seen = {step.id}
        current = step.next if _continues(step) else None
        while current is not None:
            if current in seen:
                raise FlowError(flow.source_of(step.id), f"step {step.id!r}", "'next' chain loops")
            seen.add(current)
            following = flow.steps[current]
            current = following.next if _continues(following) else None


def _continues(step: Step) -> bool:
    """Whether the engine goes straight on to `next` (a step that takes a reply waits)."""
    return step.capture is None and step.secret is None and step.check is None


def _check_reachable(flow: Flow) -> None:
    reached: set[str] = set()
    todo = [flow.start, *(k.goto for k in flow.keywords)]
    if flow.intents is not None:
        todo.extend(intent.goto for intent in flow.intents.intents)
    todo.extend(s for s in (flow.cover_step, flow.urgent_step, flow.locked_step,
                            flow.number_saved_step) if s)
    while todo:
        sid = todo.pop()
        if sid in reached:
            continue
        reached.add(sid)
        step = flow.steps[sid]
        todo.extend(step.options.values())
        todo.extend(t for t in (step.otherwise, step.next, step.web, step.web_texts) if t)
        if step.secret is not None:
            todo.append(step.secret.change_via)
    unreachable = sorted(set(flow.steps) - reached)
    if unreachable:
        raise FlowError(flow.source_of(unreachable[0]), f"step {unreachable[0]!r}",
                        "cannot be reached")
