"""Parsing one step, one action or one keyword of a flow file, with file-named errors."""

from __future__ import annotations

import re
from typing import Any

from app.flows.errors import FlowError
from app.flows.model import (
    PRIORITIES,
    Action,
    Cover,
    Escalate,
    Keyword,
    MessageRef,
    Pause,
    Record,
    RequestErasure,
    SecretCapture,
    SetLanguage,
    Step,
)
from app.flows.text import normalise

ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_STEP_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def text_of(raw: dict[str, Any], key: str, source: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FlowError(source, where, f"needs '{key}' as text")
    return value.strip()



_STEP_KEYS = frozenset({"say", "options", "otherwise", "next", "capture", "actions", "secret",
                        "check", "intents", "web", "web_texts", "answers"})


def parse_step(step_id: str, body: Any, source: str) -> Step:
    where = f"step {step_id!r}"
    if not _STEP_ID.match(step_id):
        raise FlowError(source, where, "step ids are lower-case letters, digits and _")
    if not isinstance(body, dict):
        raise FlowError(source, where, "must be a mapping")
    unknown = set(body) - _STEP_KEYS
    if unknown:
        raise FlowError(source, where, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    say = body.get("say") or []
    if not isinstance(say, list) or not all(isinstance(m, str) and ID.match(m) for m in say):
        raise FlowError(source, where, "'say' must be a list of message ids like welcome.greeting")
    options_raw = body.get("options") or {}
    if not isinstance(options_raw, dict):
        raise FlowError(source, where, "'options' must map replies to step ids")
    options = {normalise(str(reply)): str(target) for reply, target in options_raw.items()}
    if "" in options:
        raise FlowError(source, where, "an option reply is empty")
    for key in ("otherwise", "next", "capture", "check", "web", "web_texts"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise FlowError(source, where, f"'{key}' must be text")
    takes = [k for k in ("capture", "secret", "check") if body.get(k) is not None]
    if takes and body.get("next") is None:
        raise FlowError(source, where, "a step that captures a reply needs 'next'")
    if len(takes) > 1:
        raise FlowError(source, where, f"a step takes its reply one way, not {' and '.join(takes)}")
    check = body.get("check")
    if check is not None and not ID.match(check):
        raise FlowError(source, where, "'check' must name a secret, like resume_word")
    intents = body.get("intents")
    if intents is not None and not (isinstance(intents, list)
                                    and all(isinstance(i, str) for i in intents)):
        raise FlowError(source, where, "'intents' must be a list of intent names")
    return Step(
        id=step_id,
        say=tuple(MessageRef(m) for m in say),
        options=options,
        otherwise=body.get("otherwise"),
        next=body.get("next"),
        capture=body.get("capture"),
        actions=tuple(_action(a, source, where) for a in body.get("actions") or []),
        secret=_secret(body.get("secret"), source, where),
        check=check,
        intents=frozenset(intents) if intents is not None else None,
        web=body.get("web"),
        web_texts=body.get("web_texts"),
        answers=_answers(body.get("answers"), source, where),
    )


def _answers(raw: Any, source: str, where: str) -> dict[str, str]:
    """`answers: {yes: "1", no: "2"}`: the options a yes and a no in the survivor's words
    stand for (app/flows/answers.py; the loader checks each is one of the step's options)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in raw.items()):
        raise FlowError(source, where, "'answers' must map yes or no to one of the options")
    return {name: normalise(reply) for name, reply in raw.items()}


def _secret(raw: Any, source: str, where: str) -> SecretCapture | None:
    """`secret: {name: resume_word, min_length: 4, too_short: resume.too_short,
    change_via: resume_change}`: change_via is the step that asks for the current value
    before a new one replaces it, so no message can replace a secret without it."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"name", "min_length", "too_short",
                                                 "change_via"}:
        raise FlowError(source, where, "'secret' needs name, min_length, too_short and "
                                       "change_via")
    name, length, too_short = raw["name"], raw["min_length"], raw["too_short"]
    change_via = raw["change_via"]
    if not isinstance(name, str) or not ID.match(name):
        raise FlowError(source, where, "the secret's name must be a code like resume_word")
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 64:
        raise FlowError(source, where, "the secret's min_length must be a number from 1 to 64")
    if not isinstance(too_short, str) or not ID.match(too_short):
        raise FlowError(source, where, "the secret's too_short must be a message id")
    if not isinstance(change_via, str):
        raise FlowError(source, where, "the secret's change_via must be a step id")
    return SecretCapture(name, length, MessageRef(too_short), change_via)


_SIMPLE_ACTIONS: dict[str, Action] = {
    "pause": Pause(), "request_erasure": RequestErasure(), "cover": Cover(),
}


def _action(raw: Any, source: str, where: str) -> Action:
    if isinstance(raw, str) and raw in _SIMPLE_ACTIONS:
        return _SIMPLE_ACTIONS[raw]
    if isinstance(raw, dict) and len(raw) == 1:
        (kind, spec), = raw.items()
        if kind == "escalate" and isinstance(spec, dict):
            priority, reason = spec.get("priority", "routine"), spec.get("reason")
            if priority not in PRIORITIES:
                raise FlowError(source, where, f"escalate priority must be one of {PRIORITIES}")
            if not isinstance(reason, str) or not ID.match(reason):
                raise FlowError(source, where, "escalate needs a reason code like asked_for_person")
            return Escalate(priority=priority, reason=reason)
        if kind == "set_language" and isinstance(spec, str) and _LANGUAGE.match(spec):
            return SetLanguage(spec)
        if (kind == "record" and isinstance(spec, dict)
                and all(isinstance(spec.get(k), str) and ID.match(spec[k])
                        for k in ("choice", "value"))):
            return Record(spec["choice"], spec["value"])
    raise FlowError(source, where, f"unknown action {raw!r}")


def parse_keyword(index: int, raw: Any, source: str) -> Keyword:
    where = f"keywords[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("words"), (list, dict)):
        raise FlowError(source, where, "needs 'words' (a list, or languages to lists) and 'goto'")
    goto = text_of(raw, "goto", source, where)
    raw_words = raw["words"] if isinstance(raw["words"], dict) else {"*": raw["words"]}
    words: dict[str, frozenset[str]] = {}
    for language, listed in raw_words.items():
        if not isinstance(listed, list):
            raise FlowError(source, f"{where}.words.{language}", "must be a list")
        words[str(language)] = frozenset(normalise(str(w)) for w in listed) - {""}
    if not any(words.values()):
        raise FlowError(source, where, "has no words")
    name = raw.get("name", goto)
    if not isinstance(name, str):
        raise FlowError(source, where, "'name' must be text")
    return Keyword(name=name, goto=goto, words=words, source=source, index=index,
                   sets_language=bool(raw.get("sets_language")))
