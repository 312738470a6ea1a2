"""The values the conversation pipeline passes between its parts: the message that came in
(`InboundMessage`), what one message does before anything is written (`Turn`), and what the
channel sends back (`Outcome`). Kept apart from `service` so that `floods` and `spool` can use
them without importing the service; `app.conversation.service` re-exports them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.conversation import optouts
from app.flows import ConversationState
from app.flows.model import Action
from app.flows.triage import NONE as NO_RISK
from app.flows.triage import Assessment


@dataclass(frozen=True)
class Guessed:
    """The language guess made for a message (`app.content.language`): None when it was
    not clear. Kept with a spooled message so that its replay needs no detector."""

    language: str | None


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    address: str  # E.164 for SMS, the chat token for the web; never logged
    body: str
    provider_sid: str | None
    provider_keyword: optouts.ProviderKeyword | None = None
    # Where replies from an advocate go later, stored sealed: the number for SMS. The web
    # chat has none (replies wait for the page to ask), so nothing is stored for it.
    reply_address: str | None = None
    # The language the survivor chose before writing (the web page's), used for a new
    # conversation instead of guessing from the text.
    language_hint: str | None = None
    # The web chat's network address, for flood control only: never stored or logged.
    source_address: str | None = None
    # A spooled message's language guess, made by the fail-safe in the web process that
    # answered it (app/conversation/spool.py): its replay reads it instead of guessing again,
    # so the RQ worker never loads a detector. None: not guessed yet (a message as it arrives).
    guessed: Guessed | None = None


@dataclass(frozen=True)
class Outcome:
    """What the channel sends back. `text` None means: send nothing (e.g. after STOP)."""

    text: str | None
    conversation_id: uuid.UUID
    language: str | None
    replayed: bool = False
    step: str | None = None
    escalation_id: int | None = None
    keyword: str | None = None  # the global keyword the message matched, if any
    risk: str = "none"  # the triage level of the message
    case_opened: bool = False  # this message opened a new case for advocates
    raised_to_urgent: bool = False  # this message made an open case urgent
    deletion_ids: tuple[int, ...] = ()  # provider copies to delete (after an erasure)
    erased: bool = False  # this message erased the conversation
    throttled: bool = False  # over its source's allowance (app/conversation/throttle.py)
    # Listed under the first case of a burst of chats from its network address: no alert.
    under_flood_lead: bool = False
    # This message took the case out from under a flood's first case: its alert is due now.
    stands_alone: bool = False
    # A web chat's "come back later" code, for the page to show once; never stored or logged.
    return_code: str | None = field(default=None, repr=False)
    # This web chat message chose to be texted or called: the page asks for a safe number.
    ask_number: bool = False
    # This web chat message gave the safe number in its words (typed_numbers.answer): the page
    # says it is saved, as after its number box.
    number_saved: bool = False


@dataclass(frozen=True)
class Turn:
    """What one message does, decided before anything is written."""

    state: ConversationState
    reply_ids: tuple[str, ...]
    flow_ran: bool = True  # False for carrier keywords and opted-out contacts
    actions: tuple[Action, ...] = ()
    risk: Assessment = NO_RISK
    keyword: str | None = None
    # What the transcript keeps instead of the survivor's words, when those were a secret.
    stored_body: str | None = None
    # A UK mobile typed into the web chat's message box where it asks for a safe number, taken
    # as that number (app/conversation/typed_numbers.py): saved sealed, never in the transcript.
    safe_number: str | None = field(default=None, repr=False)
