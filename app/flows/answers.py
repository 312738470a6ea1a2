"""Yes and no in the survivor's own words, as answers to a question with numbered options.

"Is it safe for you to be texting now? 1 Yes 2 No, not now": people answer "no" and "yes"
as often as "2" and "1". Read as free text, "no" was passed on to the advocate and nothing
was paused, so the team could text a phone its owner had just said was not safe. A step
that asks such a question names which of its options a yes and a no stand for
(`answers: {yes: "1", no: "2"}`), and the words are data (`answer_words:` in a flow file),
per language.

Only the conversation's language and English are read, and a word that means yes in one of
them and no in the other is no answer at all: Polish "no" is "yeah". A "no" must always lead
to the cautious option (pause, do not share), so a misread no costs a survivor nothing; the
yes lists are kept to plain yeses for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.flows.errors import FlowError
from app.flows.model import Step
from app.flows.parse import ID
from app.flows.text import normalise

# English answers are read in every conversation: options and menus are often read in English
# by people who write in another language.
_ALWAYS = "en"


@dataclass(frozen=True)
class AnswerWords:
    """Answer class ("yes", "no") -> language -> normalised whole-message answers."""

    words: dict[str, dict[str, frozenset[str]]]

    def option(self, step: Step, said: str, language: str | None) -> str | None:
        """The option of `step` that `said` (normalised) answers, if it is a yes or a no the
        step takes, in the conversation's language or English, and means only one thing."""
        if not step.answers or not said:
            return None
        languages = {_ALWAYS, language or _ALWAYS}
        meant = {name for name, by_language in self.words.items()
                 if any(said in by_language.get(lang, ()) for lang in languages)}
        if len(meant) != 1:
            return None
        return step.answers.get(meant.pop())


def parse_answer_words(raw: Any, source: str) -> AnswerWords:
    """`answer_words: {yes: {en: [yes, yeah], pl: [tak]}, no: {...}}`."""
    if not isinstance(raw, dict) or not raw:
        raise FlowError(source, "answer_words", "must map answers (yes, no) to languages")
    words: dict[str, dict[str, frozenset[str]]] = {}
    for name, by_language in raw.items():
        where = f"answer_words.{name}"
        if not isinstance(name, str) or not ID.match(name):
            raise FlowError(source, where, "an answer's name is a code like yes")
        if not isinstance(by_language, dict) or not by_language:
            raise FlowError(source, where, "must map languages to lists of words")
        words[name] = {}
        for language, listed in by_language.items():
            if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                raise FlowError(source, f"{where}.{language}", "must be a list of words")
            words[name][str(language)] = frozenset(normalise(w) for w in listed) - {""}
    return AnswerWords(words)


def check_steps(steps: dict[str, Step], answer_words: AnswerWords | None,
                sources: dict[str, str]) -> None:
    """Every step's `answers` names an answer the flows define and one of its own options."""
    for step in steps.values():
        for name, reply in step.answers.items():
            where = f"step {step.id!r}"
            if answer_words is None or name not in answer_words.words:
                raise FlowError(sources.get(step.id, "<flows>"), where,
                                f"answers {name!r}, which no answer_words section defines")
            if reply not in step.options:
                raise FlowError(sources.get(step.id, "<flows>"), where,
                                f"answers {name!r} with {reply!r}, which is not one of its options")
