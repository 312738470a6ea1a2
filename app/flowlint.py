"""`flask flows check`: every flow and every outbound text, checked before a survivor sees it.

Checks, each reported with file, message id or step, and language:
- the flow loads (references, reachability: see `app.flows.loader`);
- every message a flow says exists in English and in the deployment's default language;
- every text formats with the placeholders we fill ({services}) and no others;
- the lock-screen rule: nothing revealing in the first characters a phone shows.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.failsafe import EMERGENCY_TEXT_EN
from app.flows import FlowError, load_flow
from app.i18n import FALLBACK_LANGUAGE, Catalogues

PLACEHOLDERS = frozenset({"services"})
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Problem:
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


@dataclass(frozen=True)
class LockScreenRule:
    preview: int
    stems: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path, organisation: str) -> LockScreenRule:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        stems = {lang: tuple(str(s).casefold() for s in words)
                 for lang, words in (raw.get("stems") or {}).items()}
        org_words = tuple(w.casefold() for w in _WORD.findall(organisation) if len(w) > 3)
        return cls(int(raw.get("preview_characters", 40)),
                   {lang: words + org_words for lang, words in stems.items()} or
                   {FALLBACK_LANGUAGE: org_words})

    def violations(self, language: str, text: str) -> list[str]:
        """The banned stems a lock screen would show for this text."""
        stems = self.stems.get(language, ()) + self.stems.get(FALLBACK_LANGUAGE, ())
        preview = text[: self.preview].casefold()
        cut = len(text) > self.preview and text[self.preview - 1 : self.preview + 1].isalnum()
        tokens = _WORD.findall(preview)
        found = []
        for index, token in enumerate(tokens):
            last_and_cut = cut and index == len(tokens) - 1
            for stem in stems:
                # A word cut off by the preview still reveals itself ("domest...").
                if token.startswith(stem) or (last_and_cut and len(token) >= 4
                                              and stem.startswith(token)):
                    found.append(stem)
        return sorted(set(found))


def check(flows_dir: Path, catalogues: Catalogues, default_language: str,
          organisation: str) -> list[Problem]:
    problems: list[Problem] = []
    message_ids: set[str] = set()
    for path in sorted(flows_dir.glob("*.yaml")):
        if path.name == "lockscreen.yaml":
            continue
        try:
            message_ids |= load_flow(path).message_ids()
        except FlowError as error:
            problems.append(Problem(f"{error.source}: {error.where}", error.why))
    for message_id in sorted(message_ids):
        for language in sorted({FALLBACK_LANGUAGE, default_language}):
            if not catalogues.has(language, message_id):
                problems.append(Problem(f"{message_id} [{language}]", "has no text"))
    rule = LockScreenRule.load(flows_dir / "lockscreen.yaml", organisation)
    for language in catalogues.languages:
        source = catalogues.sources.get(language)
        for message_id, text in catalogues.messages(language):
            where = f"{source}: {message_id}" if source else message_id
            problems.extend(_check_text(rule, language, where, text))
    problems.extend(_check_text(rule, FALLBACK_LANGUAGE, "failsafe (built in)", EMERGENCY_TEXT_EN))
    return problems


def _check_text(rule: LockScreenRule, language: str, message_id: str, text: str) -> list[Problem]:
    where = f"{message_id} [{language}]"
    problems = []
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        return [Problem(where, f"is not a valid text template ({error})")]
    unknown = fields - PLACEHOLDERS
    if unknown:
        problems.append(Problem(where, f"uses unknown placeholders {sorted(unknown)}"))
    banned = rule.violations(language, text)
    if banned:
        problems.append(Problem(where, f"shows {', '.join(banned)} in the first "
                                       f"{rule.preview} characters (lock-screen rule)"))
    return problems
