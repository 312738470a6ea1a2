"""Advocates' own phone numbers, which a safe call-back rings first (app/casework/callbacks.py).

Threat (docs/threat-model.md, A4): a staff member's personal number is as sensitive as a
survivor's to someone who wants to find or pressure them. It is sealed under the advocate's own
data key (like the TOTP secret), bound to the row and column, never logged, and shown only
masked ("+44 … 123"), even to its owner: the page has no reason to hold it in clear. Set by
the advocate on their account page or by an administrator (`flask advocates phone`, or the
staff page, app/advocates/staff_views.py, which shows no more than its last three digits).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from app import audit
from app.crypto import FieldContext, Keyring
from app.storage.db import Database
from app.storage.models import Advocate, table_of

log = logging.getLogger(__name__)
advocates = table_of(Advocate)
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = re.compile(r"[\s().\-]")


class PhoneError(ValueError):
    """Not a phone number we can call; the message says what is expected (never echoes it)."""


def normalise(raw: str) -> str:
    """E.164 from what a person types: "+44 7700 900123", "07700 900123" (a UK number),
    "0044 7700 900123", "+44 (0)7700 900123"."""
    text = _SEPARATORS.sub("", raw.strip().replace("(0)", ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0"):
        text = "+44" + text[1:]
    if not _E164.match(text):
        raise PhoneError("write the number with its country code, e.g. +44 7700 900123, or "
                         "as a UK number starting with 0")
    return text


def mask(number: str) -> str:
    """Enough for its owner to recognise it, too little to call it."""
    return f"{number[:3]} … {number[-3:]}"


def ending(number: str) -> str:
    """For a page listing colleagues' phones: the last three digits and nothing else."""
    return f"… {number[-3:]}"


def _context(advocate_id: int, column: str) -> FieldContext:
    return FieldContext("advocates", column, str(advocate_id))


class StaffPhones:
    def __init__(self, *, database: Database, keyring: Keyring,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.keyring = keyring
        self.clock = clock

    def set(self, advocate_id: int, raw: str, *, actor: str) -> str:
        """Seal and store the number (empty text clears it); returns it masked, or "".

        Set by someone other than its owner (an administrator), the audit row names whose
        phone it is ("account:<id>" in its purpose column): ids only, never the number."""
        number = normalise(raw) if raw.strip() else None
        with self.database.transaction() as connection:
            wrapped = connection.execute(select(advocates.c.wrapped_key).where(
                advocates.c.id == advocate_id)).scalar_one()
            key = self.keyring.unwrap(wrapped, _context(advocate_id, "key"))
            sealed = None if number is None else key.seal(number,
                                                           _context(advocate_id, "phone"))
            connection.execute(update(advocates).where(advocates.c.id == advocate_id)
                               .values(phone_sealed=sealed))
            audit.record(connection, now=self.clock(), actor=actor,
                         action="advocate.phone_set" if number else "advocate.phone_cleared",
                         purpose=None if actor == audit.staff(advocate_id)
                         else audit.account(advocate_id))
        log.info("event=advocate.phone_%s advocate=%s", "set" if number else "cleared",
                 advocate_id)
        return "" if number is None else mask(number)

    def number(self, advocate_id: int) -> str | None:
        """The number in clear, for the call service to hand to Twilio; never for display."""
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates.c.wrapped_key, advocates.c.phone_sealed)
                                     .where(advocates.c.id == advocate_id)).first()
        if row is None or row.phone_sealed is None:
            return None
        key = self.keyring.unwrap(row.wrapped_key, _context(advocate_id, "key"))
        return key.open(row.phone_sealed, _context(advocate_id, "phone"))

    def endings(self) -> dict[int, str]:
        """The last three digits of every phone set, by account id (the staff page)."""
        with self.database.transaction() as connection:
            rows = connection.execute(select(advocates.c.id, advocates.c.wrapped_key,
                                             advocates.c.phone_sealed)
                                      .where(advocates.c.phone_sealed.is_not(None))).all()
        found = {}
        for row in rows:
            key = self.keyring.unwrap(row.wrapped_key, _context(row.id, "key"))
            found[row.id] = ending(key.open(row.phone_sealed, _context(row.id, "phone")))
        return found

    def masked(self, advocate_id: int) -> str | None:
        number = self.number(advocate_id)
        return None if number is None else mask(number)
