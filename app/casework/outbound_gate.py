"""May a message go to this survivor now? One pure decision, used by every sender.

docs/threat-model.md, A2: we never contact a number that sent STOP or "pause", outside the
survivor's safe-time window, (with a resume word set) before the word is given, or after the
duress word until the survivor writes normally again. The order below is the policy: the first
reason that applies is the one advocates see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.casework.safe_time import SafeWindow

# Reasons a message waits or will never go; the advocates' pages explain each in words.
CANCELLED = frozenset({"erasure", "ended"})
EXPLANATIONS = {
    "opted_out": "The survivor sent STOP: nothing can be sent until they send START.",
    "erasure": "The survivor asked for this conversation to be deleted.",
    "ended": "The survivor left the web chat; the reply cannot reach them.",
    "awaiting_return": "The survivor left the web chat and can come back to it with their code: "
                       "the reply waits for them until the code expires.",
    "awaiting_number": "Waiting for the survivor to text from the safe number they gave in the "
                       "web chat: nothing goes to a number until it has written to us (a number "
                       "typed into a page may be someone else's). Then it goes by text, under "
                       "the usual rules (STOP, safe time, resume word).",
    "number_apart": "The safe number the survivor gave already has its own conversation with "
                    "us, with a case or on hold, so it was not joined to this chat and nothing "
                    "from this case is sent to it. The survivor can come back to the chat, or "
                    "ask for a person by text.",
    "cannot_talk": "Cannot talk: held. The survivor sent the duress word, so someone may be "
                   "with them or have their phone. Nothing goes to them, on any channel, until "
                   "they write to us normally again after the conversation has been quiet for "
                   "the idle period.",
    "paused": "The survivor said it is not safe now: it waits until they write again.",
    "locked": "Waiting for the survivor's resume word on this number.",
    "information_only": "The survivor asked for information only: it waits until they write "
                        "again.",
    "needs_window": "The survivor asked to be contacted at a safe time: set the window first.",
    "outside_window": "Outside the survivor's safe-time window: it goes when the window opens.",
}


@dataclass(frozen=True)
class Circumstances:
    """What is known about the survivor at the moment of sending."""

    channel: str
    opted_out: bool
    ended: bool
    erasure_requested: bool
    paused: bool
    locked: bool
    # The duress word was sent and the survivor has not written normally since the
    # conversation went idle (cover mode, app/flows/engine.py rule 1).
    cover: bool
    wants: str | None  # their recorded choice: talk_now, call_back, text_back, information_only
    window: SafeWindow | None  # the window an advocate confirmed
    timezone: str
    # Until when a survivor who left the web chat can come back with their code.
    return_until: datetime | None = None
    # A safe number given in the web chat (app/conversation/safe_numbers.py): "waiting" for
    # it to write, "apart" (it has its own conversation); "joined" makes the channel "sms".
    safe_number: str | None = None


@dataclass(frozen=True)
class Gate:
    open: bool
    reason: str | None = None
    opens_at: datetime | None = None  # when a window will open, if that is all we wait for

    @property
    def cancelled(self) -> bool:
        return self.reason in CANCELLED

    @property
    def explanation(self) -> str:
        return EXPLANATIONS.get(self.reason or "", "Ready to send.")


def decide(c: Circumstances, now: datetime) -> Gate:
    sms = c.channel == "sms"
    returning = c.ended and c.return_until is not None and c.return_until > now
    # A web chat that gave a safe number waits for it, open page or not: once the number has
    # written, the conversation is that number's (channel "sms") and the SMS rules apply.
    number = c.safe_number if not sms and c.safe_number in ("waiting", "apart") else None
    holds = (
        ("erasure", c.erasure_requested),
        ("ended", c.ended and not returning and number is None),
        # Every channel: whoever is with the survivor must not see a reply arrive.
        ("cannot_talk", c.cover),
        ("opted_out", sms and c.opted_out),
        ("paused", c.paused),
        ("locked", c.locked),
        ("information_only", c.wants == "information_only"),
    )
    for reason, applies in holds:
        if applies:
            return Gate(False, reason)
    waits = (
        ("awaiting_number", number == "waiting"),
        ("number_apart", number == "apart"),
        # Nothing can reach them until they come back; their code reopens the conversation
        # and the page collects it then. After the code expires this is "ended" above.
        ("awaiting_return", returning),
    )
    for reason, applies in waits:
        if applies:
            return Gate(False, reason)
    if not sms:
        # The web chat's replies wait for the survivor's own open page to collect them, so
        # the page being open is the safe moment.
        return Gate(True)
    if c.window is not None and not c.window.contains(now, c.timezone):
        return Gate(False, "outside_window", c.window.next_start(now, c.timezone))
    if c.window is None and c.wants in ("call_back", "text_back"):
        return Gate(False, "needs_window")
    return Gate(True)
