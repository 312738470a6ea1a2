"""Which replies are emergency replies, and what a phone may take of one (issue 21, item 4).

An emergency reply carries 999, the Silent Solution (999 then 55 from a mobile) and, but for
the in-hours urgent reply, the 24-hour helpline. It is sent to someone who may be in danger now,
on a phone someone else may pick up: it must reach them as one short text, read first and whole.
So it fits 3 SMS segments when all of it is GSM-7 and 4 when any of it is UCS-2, in every
language, and nothing else rides along with it: a step's question, the locked reply's "reply
with your word", the line on choosing Urdu or Punjabi wait for the next reply that is not an
emergency one (app/conversation/held.py, app/content/romanised.py).

`flask flows check` holds every reply that carries one of these texts to `CEILING`, whatever
budget flows/outbound.yaml names for it: a budget above it is reported, not obeyed.
"""

from __future__ import annotations

from collections.abc import Iterable

# The texts that make a reply an emergency one: the options step's, the urgent step's in
# hours, and the urgent answer out of hours (also the flood notice's second half).
EMERGENCY_MESSAGES = frozenset({"emergency.options", "urgent.reply", "urgent.closed"})
# The most segments an emergency reply may take, per encoding (67 UCS-2 characters a segment
# in a long SMS, so 268 in all; 153 GSM-7 ones, so 459).
CEILING = {"GSM-7": 3, "UCS-2": 4}


def is_emergency(message_ids: Iterable[str]) -> bool:
    """Whether a reply made of these messages is an emergency one."""
    return not EMERGENCY_MESSAGES.isdisjoint(message_ids)
