"""The web chat's sessions: tokens in page memory, messages through the conversation service.

A chat has no cookie and no stored session: the page holds a token (see `ChatTokens`) and
sends it with every message; the conversation is found by the token's HMAC exactly as an SMS
conversation is found by the number's. So the chat shares the SMS channel's storage,
encryption, flows and escalation, and nothing about it outlives the tab on the survivor's
device. When the tab leaves (quick exit), the conversation is ended on the server, so the
token cannot be used to read on.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import Connection

from app.content.catalogues import text_id
from app.conversation import typed_numbers
from app.conversation.return_codes import CodeRefused
from app.conversation.safe_numbers import (
    ASKING_STEPS,
    NumberRefused,
    asked_for_a_number,
    take,
    uk_mobile,
)
from app.conversation.service import ConversationService, InboundMessage
from app.crypto import ChatTokens
from app.flows import ConversationState
from app.lifecycle import erasure
from app.storage import safe_numbers as safe_number_rows
from app.storage import transcripts, vault

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_MESSAGE_CHARS = 2000  # far more than anyone types in a chat box; refuse, do not truncate
MAX_EARLIER_TOKENS = 50  # tokens one page held before its current one, read by `erase`
_CLIENT_ID = re.compile(r"^[0-9a-f]{32}$")
# Python's json joins a valid surrogate pair into one character, so any surrogate left in a
# string is half an emoji (a paste cut in two); it cannot be encoded to be sealed.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ChatInputError(ValueError):
    """The message cannot be taken as it is; `code` and the message are shown to the survivor."""

    def __init__(self, code: str, message_id: str) -> None:
        super().__init__(code)
        self.code = code
        self.message_id = message_id  # a catalogue id, rendered in the survivor's language


@dataclass(frozen=True)
class ChatReply:
    token: str
    replies: tuple[str, ...]
    notice_id: str | None  # e.g. "chat.new_conversation" when a fresh one was started
    language: str | None
    # The "come back later" code, for the page to show this once (never stored or logged).
    code: str | None = field(default=None, repr=False)
    # The survivor chose to be texted or called: the page shows the safe-number form.
    ask_number: bool = False
    # The message gave the safe number itself (app/conversation/typed_numbers.py): the page
    # says it is saved, as after its form.
    number_saved: bool = False
    # The survivor's message as their screen should keep it: each phone number the service
    # withheld (app/conversation/typed_numbers.py) as the page's words for it; None when none.
    shown: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ChatErasure:
    """What the page's "delete this conversation" destroyed: anything at all, and whether
    that included a chat joined to its safe number (the page then says the texts on that
    phone are still there: only the phone can delete them). `apart`: the safe number the page
    gave has its own conversation, which the page's delete leaves (its texts are deleted by
    texting the delete word from that phone), so the page must not call them deleted."""

    erased: bool
    with_texts: bool
    apart: bool = False

    @property
    def scope(self) -> str:
        """What the page's words must cover: "apart" (said even if another chat of the page
        joined: never call texts deleted that are not), "joined", or "none"."""
        return "apart" if self.apart else "joined" if self.with_texts else "none"


@dataclass(frozen=True)
class Resumed:
    """A conversation reopened by its code: the new page's token and what the team wrote."""

    token: str = field(repr=False)
    replies: tuple[str, ...]


class ChatSessions:
    def __init__(self, conversations: ConversationService, tokens: ChatTokens,
                 collect_replies: Callable[[uuid.UUID], list[str]] | None = None) -> None:
        self.conversations = conversations
        self.tokens = tokens
        self.collect_replies = collect_replies

    def start(self) -> str:
        """A new token. Nothing is stored until the first message."""
        return self.tokens.issue()

    def send(self, token: object, client_id: object, text: object,
             language: str | None = None, address: str | None = None, *,
             number_mark: str = typed_numbers.WITHHELD) -> ChatReply:
        """Take one message from the page; answer with the flow's reply.

        A token the server did not issue, one whose conversation has ended (the survivor left
        with quick exit), or one idle past the timeout gets a fresh conversation and a notice
        saying so, never an error page. `address` is the page's network address, for flood
        control only (app/conversation/throttle.py): it is never stored. `number_mark` is
        what the page shows in place of a phone number the service withheld from the message.
        """
        if not isinstance(text, str) or not text.strip():
            raise ChatInputError("empty", "chat.error_empty")
        if len(text) > MAX_MESSAGE_CHARS:
            raise ChatInputError("too_long", "chat.error_too_long")
        if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
            raise ChatInputError("bad_request", "chat.error_generic")
        text = _LONE_SURROGATE.sub("\ufffd", text)
        notice = None
        if not self.tokens.is_valid(token) or self._status(str(token)) in ("ended", "idle"):
            if self.tokens.is_valid(token):
                self._end(str(token))  # an idle one is closed before a new one starts
            token, notice = self.tokens.issue(), text_id("chat.new_conversation")
            log.info("event=chat.fresh_conversation")
        outcome = self.conversations.handle_inbound(InboundMessage(
            CHANNEL, str(token), text, provider_sid=f"WB{client_id}", language_hint=language,
            source_address=address))
        replies = (outcome.text,) if outcome.text else ()
        return ChatReply(str(token), replies, notice, outcome.language, outcome.return_code,
                         outcome.ask_number, outcome.number_saved,
                         shown=typed_numbers.shown(text, number_mark,
                                                   self.conversations.published_numbers))

    def give_number(self, token: object, typed: object) -> tuple[str, ...]:
        """The survivor typed a safe number into the chat's form, after choosing to be texted
        or called. It is checked as a UK mobile, sealed in the conversation and matched only by
        its keyed value; nothing is sent to it until it has written to us itself
        (app/conversation/safe_numbers.py). The conversation then goes on at the flow's
        `number_saved` step (it asks for a safe time), whose words are returned for the page.
        Raises `NumberRefused`. The number is never logged, returned or kept in the
        transcript: the advocate never sees it."""
        number = uk_mobile(typed)
        if number is None:
            raise NumberRefused("invalid")
        if not self.tokens.is_valid(token):
            raise NumberRefused("not_asked")
        service = self.conversations
        flow = service.web_flow
        now = service.clock()
        with service.database.transaction() as connection:
            lookup = vault.find_open(connection, service.keyring, channel=CHANNEL,
                                     contact_hash=self._hash(connection, str(token)))
            conversation = lookup.conversation
            state = (ConversationState.from_json(conversation.state_json)
                     if conversation is not None and conversation.state_json else None)
            if conversation is None or state is None or not asked_for_a_number(state):
                raise NumberRefused("not_asked")
            take(connection, conversation, number, service.contact_hash("sms", number), now)
            replies: tuple[str, ...] = ()
            following = flow.number_saved_step if flow is not None else None
            if flow is not None and following is not None and state.step in ASKING_STEPS:
                step = flow.steps[following]
                ids = tuple(m.id for m in step.say)
                text = service.render(state.language, ids, now, channel=CHANNEL)
                vault.add_messages(connection, conversation, [vault.NewMessage(
                    "out", "flow", text, flow_ids=ids)], now)
                moved = replace(state, step=following, last_activity=now)
                vault.save_state(connection, conversation, moved.to_json(), moved.language, now)
                replies = (text,)
        return replies

    def resume(self, code: object, address: str | None = None) -> Resumed:
        """The survivor typed their "come back later" code: reopen that conversation for this
        page under a new token and hand over the advocates' replies waiting for it (they are
        marked sent as they are handed over). Raises `CodeRefused`; a wrong code is counted
        against `address` (never stored) and the code's bucket (app/conversation/return_codes.py).
        The page's earlier token, if any, is simply dropped by the page."""
        service = self.conversations
        codes = service.return_codes
        if codes is None:
            raise CodeRefused("unavailable")
        token = self.tokens.issue()
        with service.database.transaction() as connection:
            found = codes.redeem(connection, code, address)
            codes.reopen(connection, found.conversation_id,
                         service.contact_hash(CHANNEL, token), service.clock())
        replies = self.collect_replies(found.conversation_id) if self.collect_replies else []
        log.info("event=chat.resumed replies=%s", len(replies))
        return Resumed(token, tuple(replies))

    def failed_message(self, token: object, client_id: object, text: object,
                       language: str | None) -> InboundMessage | None:
        """For the fail-safe after `send` failed: the message as it would have been taken, or
        None if it was not one we could take (no valid token, id or text; nothing to spool)."""
        if (not self.tokens.is_valid(token) or not isinstance(client_id, str)
                or not _CLIENT_ID.match(client_id) or not isinstance(text, str)
                or not text.strip() or len(text) > MAX_MESSAGE_CHARS):
            return None
        return InboundMessage(CHANNEL, str(token), text, provider_sid=f"WB{client_id}",
                              language_hint=language)

    def collect(self, token: object) -> list[str]:
        """Advocates' replies waiting for this conversation (see `Replies.collect_web`)."""
        if self.collect_replies is None or not self.tokens.is_valid(token):
            return []
        service = self.conversations
        with service.database.transaction() as connection:
            conversation_id = vault.open_conversation_id(
                connection, channel=CHANNEL, contact_hash=self._hash(connection, str(token)))
        if conversation_id is None:
            return []
        return self.collect_replies(conversation_id)

    def erase(self, token: object, earlier: object = ()) -> ChatErasure:
        """The survivor pressed "delete this conversation" (and confirmed): destroy it now, as
        the SMS keyword does (app/lifecycle/erasure.py). `earlier` are the other tokens this
        page held (a conversation left idle past the timeout is ended and the page given a
        new token, but its messages are still on the screen, so they are still "this
        conversation" to the survivor): theirs are destroyed too, open or ended.

        A chat that joined its safe number is the number's SMS conversation now, found by the
        number, not the token; it is destroyed too, whole: what the page showed and the texts
        since, which are one conversation (splitting it would leave half the transcript
        behind a page that said "deleted"). The number's own earlier conversation, which the
        page never showed and which was never merged, is not touched. All in one transaction:
        everything goes, or nothing and the page says it failed."""
        tokens = self._page_tokens(token, earlier)
        if not tokens:
            return ChatErasure(erased=False, with_texts=False)
        service = self.conversations
        erased, joined_count = 0, 0
        apart = False
        joined_numbers: list[str] = []
        copies: list[int] = []
        with service.database.transaction() as connection:
            for each in tokens:
                chat_hash = self._hash(connection, each)
                joined = safe_number_rows.joined_by_chat(connection, chat_hash)
                joined_count += len(joined)
                # Opened before the erasure shreds it: a spooled text from the number goes too.
                joined_numbers += [number for conversation_id in joined
                                   if (number := transcripts.reply_address(
                                       connection, service.keyring, conversation_id))]
                own = vault.conversation_ids(connection, channel=CHANNEL, contact_hash=chat_hash)
                # Read before the erasure deletes the safe-number rows with the chat.
                apart = apart or safe_number_rows.any_apart(connection, own)
                for conversation_id in [*own, *joined]:
                    copies += erasure.erase(connection, conversation_id, also=None,
                                            now=service.clock())
                    erased += 1
        for each in tokens:
            service.forget_spooled(CHANNEL, each)
        for number in joined_numbers:
            service.forget_spooled("sms", number)
        if erased and service.dispatcher is not None:
            # The joined texts have copies at the provider (the sweeper retries any not queued).
            service.dispatcher.delete_copies(copies)
            service.dispatcher.reclaim()
        if len(tokens) > 1 or joined_count:
            log.info("event=chat.erased_with_earlier tokens=%s conversations=%s joined=%s",
                     len(tokens), erased, joined_count)
        return ChatErasure(erased=erased > 0, with_texts=joined_count > 0, apart=apart)

    def erase_scope(self, token: object, earlier: object = ()) -> ChatErasure:
        """What `erase` would destroy now, destroying nothing: the page asks before it puts
        its question, so the question is true (a safe number joins or stays apart on the
        server, when that phone texts, after the page last heard anything)."""
        tokens = self._page_tokens(token, earlier)
        joined = apart = found = False
        with self.conversations.database.transaction() as connection:
            for each in tokens:
                chat_hash = self._hash(connection, each)
                own = vault.conversation_ids(connection, channel=CHANNEL, contact_hash=chat_hash)
                joined = joined or bool(safe_number_rows.joined_by_chat(connection, chat_hash))
                apart = apart or safe_number_rows.any_apart(connection, own)
                found = found or bool(own)
        return ChatErasure(erased=found or joined, with_texts=joined, apart=apart)

    def _page_tokens(self, token: object, earlier: object) -> list[str]:
        """The valid tokens among the page's current one and its earlier ones, each once; at
        most MAX_EARLIER_TOKENS earlier ones are read (a page that went idle that often over
        a day would have ended most of them by retention long before)."""
        given = [token, *(earlier[:MAX_EARLIER_TOKENS] if isinstance(earlier, list) else [])]
        valid: list[str] = []
        for each in given:
            if self.tokens.is_valid(each) and str(each) not in valid:
                valid.append(str(each))
        return valid

    def end(self, token: object) -> bool:
        """The survivor left: end the conversation so the token opens nothing any more."""
        if not self.tokens.is_valid(token):
            return False
        return self._end(str(token))

    def _hash(self, connection: Connection, token: str) -> str:
        """The token's contact value, after a contact-key rotation moved to the newest key."""
        return self.conversations.adopt_contact(connection, CHANNEL, token)

    def _status(self, token: str) -> str:
        service = self.conversations
        idle = timedelta(minutes=service.deployment.conversation_idle_minutes)
        with service.database.transaction() as connection:
            return vault.latest_status(connection, channel=CHANNEL,
                                       contact_hash=self._hash(connection, token),
                                       idle_since=service.clock() - idle)

    def _end(self, token: str) -> bool:
        service = self.conversations
        with service.database.transaction() as connection:
            ended = vault.end(connection, channel=CHANNEL,
                              contact_hash=self._hash(connection, token), now=service.clock())
        log.info("event=chat.ended ended=%s", ended)
        return ended
