"""Finding a survivor's open conversation before a message is answered.

A contact is stored under a keyed hash of its address (app/crypto/keyed.py). After a
contact-key rotation a returning survivor's rows may still be under an older value: the look-up
notices that in its one read, moves them to the newest value and reads again, so the survivor
finds their conversation, opt-out and resume word. An ordinary message costs one read.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection

from app.conversation.messages import InboundMessage
from app.crypto import ContactHasher, Keyring
from app.storage import contact_values, vault


def adopt(connection: Connection, hasher: ContactHasher, channel: str, address: str) -> str:
    """The contact's value under the newest contact key, after moving anything stored under
    an older key (or the format before it) to it: the dual look-up of a contact-key rotation."""
    new = hasher.hash(channel, address)
    _move(connection, hasher, hasher.older(channel, address), new)
    return new


def find(connection: Connection, keyring: Keyring, hasher: ContactHasher,
         inbound: InboundMessage, contact_hash: str) -> vault.Lookup:
    """The contact's open conversation and what else the message needs to know. The same
    read says whether a rotation left anything of this contact under an older value (as
    `adopt` would find): then that is moved first, and looked up again."""
    older = hasher.older(inbound.channel, inbound.address)
    lookup = vault.find_open(
        connection, keyring, channel=inbound.channel, contact_hash=contact_hash,
        provider_sid=inbound.provider_sid, older=older)
    if not lookup.stale_contact:
        return lookup
    _move(connection, hasher, older, contact_hash)
    return find_again(connection, keyring, inbound, contact_hash)


def find_again(connection: Connection, keyring: Keyring, inbound: InboundMessage,
               contact_hash: str) -> vault.Lookup:
    """The look-up after this transaction changed what it found (a safe number joined)."""
    return vault.find_open(connection, keyring, channel=inbound.channel,
                           contact_hash=contact_hash, provider_sid=inbound.provider_sid)


def erased_since(lookup: vault.Lookup, arrived: datetime, seen: list[uuid.UUID]) -> bool:
    """Whether the contact erased a conversation after this message arrived, or erased
    the one an earlier attempt of this message found (its insert then failed on the deleted
    row). Either way the message was that conversation's: storing it now would bring a part
    of an erased conversation back, in a new one. Read in the look-up's single statement,
    so the mark and the conversation agree; the erasure writes its mark in its own
    transaction, so a message stored before it is erased with the rest."""
    if lookup.erased_at is None:
        return False
    found = lookup.conversation.id if lookup.conversation is not None else None
    return lookup.erased_at > arrived or any(earlier != found for earlier in seen)


def _move(connection: Connection, hasher: ContactHasher, older: list[str], new: str) -> None:
    for old in contact_values.stored_under(connection, older):
        contact_values.move(connection, hasher, old, new)
