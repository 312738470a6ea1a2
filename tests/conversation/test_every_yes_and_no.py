"""Every yes and every no the flows list (flows/answers.yaml), in every language, at every step
that asks a yes-or-no question, through the signed SMS webhook (survivor8).

Found by trying it: at "Delete this conversation? 1 delete 2 keep", a Polish "nie teraz" (not
now) was taken for the global pause keyword: the survivor was told nothing would be sent
until they wrote again, and was never told that nothing had been deleted. The same words
answer "is it safe to be texting now?", where the keyword skipped recording that it was not
safe, so the advocate did not see it.

A word that means yes in one of the languages read (the conversation's and English) and no
in the other is no answer at all (Polish "no" is "yeah"): it is left out here, as the service
leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flask import Flask

from app.flows.text import normalise
from tests.conftest import MovableClock
from tests.conversation.test_emergency_replies_hold_back import GREETINGS, first_line
from tests.support.sms import reply_text
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]

FLOWS = Path(__file__).resolve().parents[2] / "flows"
WORDS: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (FLOWS / "answers.yaml").read_text(encoding="utf-8"))["answer_words"]
ERASE_WORDS = {language: words[0] for language, words in next(
    keyword for keyword in yaml.safe_load(
        (FLOWS / "keywords.yaml").read_text(encoding="utf-8"))["keywords"]
    if keyword["name"] == "erase")["words"].items()}


def answers(language: str, meaning: str) -> list[str]:
    """The words that mean `meaning` in a `language` conversation: its own and English's,
    less any that the other class also lists in either."""
    read = {"en", language}
    other = "no" if meaning == "yes" else "yes"
    clash = {normalise(w) for lang in read for w in WORDS[other].get(lang, [])}
    listed = [w for lang in sorted(read) for w in WORDS[meaning].get(lang, [])]
    return [w for w in dict.fromkeys(listed) if normalise(w) not in clash]


Step = Callable[[Callable[[str], str]], None]


def _erase(language: str) -> Step:
    def reach(say: Callable[[str], str]) -> None:
        say(ERASE_WORDS[language])
    return reach


def _person(*then: str) -> Step:
    def reach(say: Callable[[str], str]) -> None:
        say("3")  # "talk to a person" on the menu
        for answer in then:
            say(answer)
    return reach


# step -> (how to reach it from the welcome, the first reply's id for no, and for yes).
STEPS: dict[str, tuple[Callable[[str], Step], str, str]] = {
    "erase": (_erase, "erase.kept", "erase.done"),
    "safe_now": (lambda _language: _person(), "pause.confirmed", "person.how"),
    "consent": (lambda _language: _person("1", "1"), "person.thanks", "person.thanks"),
}


@pytest.mark.parametrize("meaning", ["no", "yes"])
@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_every_listed_answer_answers_the_question(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, language: str, step: str,
        meaning: str) -> None:
    clock.set(TUESDAY_10AM)
    reach, no_reply, yes_reply = STEPS[step]
    expected = first_line(app, language, no_reply if meaning == "no" else yes_reply)
    wrong: list[tuple[str, str]] = []
    for index, word in enumerate(answers(language, meaning)):
        sender = f"+4477009{index:05d}"

        def say(body: str, sender: str = sender) -> str:
            text = reply_text(twilio.sms(body, sender=sender))
            assert text is not None
            return text
        say(GREETINGS[language])
        reach(language)(say)
        reply = say(word)
        if expected not in reply:
            wrong.append((word, reply.split("\n")[0]))
    assert not wrong, wrong
