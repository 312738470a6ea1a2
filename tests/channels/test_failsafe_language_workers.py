"""The fail-safe's memory of a survivor's language holds across web workers (docs/threat-model.md,
A5; app/conversation/failsafe_memory.py).

gunicorn builds the app once and forks its workers from it (`preload_app`). The survivor's
first message is answered by one worker; during an outage their next lands on another, which
must still answer in their language. Here the app is built in the test process and each
message is handled in a child forked from it, as gunicorn's workers are, through the signed
webhook.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.queues import Queue

import pytest

from app.conversation.failsafe_memory import SETS, SLOT, WAYS, SharedLanguages
from app.services import Services
from tests.channels.test_failsafe_language import FIRST, assert_failsafe_in, raise_in_the_flow
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

FORK = multiprocessing.get_context("fork")
SENDER = "+447700900611"


def in_a_worker(work: Callable[[], str | None]) -> str | None:
    """`work` in a child forked from this process (a gunicorn worker), its result back."""
    results: Queue[tuple[bool, str | None]] = FORK.Queue()

    def run() -> None:
        try:
            results.put((True, work()))
        except Exception:  # noqa: BLE001 -- the parent reports it
            results.put((False, traceback.format_exc()))

    child = FORK.Process(target=run)
    child.start()
    ok, result = results.get(timeout=120)
    child.join(timeout=60)
    assert ok, result
    return result


# One language is enough: the memory is the same for all (each child takes seconds).
@pytest.mark.parametrize("language", ["ar"])
def test_a_worker_that_never_saw_the_survivor_answers_the_failsafe_in_their_language(
        built: Services, twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch,
        language: str) -> None:
    # The language models loaded before the fork, as a preloaded master has them (else each
    # worker loads its own on its first message: slow, and no part of this test).
    guesser = built.conversations.guesser
    if guesser is not None:
        guesser.guess("hello, is anyone there")
    first = in_a_worker(lambda: reply_text(twilio.sms(FIRST[language][0], sender=SENDER)))
    assert first is not None  # answered normally, in `language`

    def fails() -> str | None:
        raise_in_the_flow(monkeypatch)  # only in this worker
        return reply_text(twilio.sms("3", sender=SENDER))  # "3" says nothing of a language

    assert_failsafe_in(language, in_a_worker(fails))


def test_a_torn_or_foreign_slot_reads_as_unknown_never_as_a_wrong_language() -> None:
    memory = SharedLanguages(("en", "pl", "ar"))
    memory.set("contact-a", "pl")
    assert memory.get("contact-a") == "pl"
    assert memory.get("contact-b") is None
    # A write caught half-way by a reader: the language changed, the check did not.
    table = memory._table  # noqa: SLF001 -- the test writes a torn slot on purpose
    slot = next(i for i in range(SETS * WAYS) if table[i * SLOT:(i + 1) * SLOT] != bytes(SLOT))
    table[slot * SLOT + 24] = 3
    assert memory.get("contact-a") is None
    memory.set("contact-a", "ar")
    assert memory.get("contact-a") == "ar"
    memory.set("contact-a", "xx")  # not a deployment language: ignored
    assert memory.get("contact-a") == "ar"
