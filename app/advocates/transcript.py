"""The case page's transcript as the advocate reads it: who spoke, in words, and where each
reply is. One shape for the page (Jinja) and its live updates (JSON, drawn by case.js with
textContent), so both show the same thing.

Survivor and advocate messages stand out; automated flow messages are one line ("menu sent",
"information: safety planning") that opens to the full text. No phone number is ever here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.casework import wording
from app.casework.replies import ReplyStatus
from app.storage.transcripts import StoredMessage

KINDS = {"survivor": "survivor", "advocate": "advocate", "flow": "automated",
         "system": "automated"}


@dataclass(frozen=True)
class ShownMessage:
    id: str
    kind: str  # survivor, advocate, automated
    who: str
    at: str  # wall-clock time, already formatted
    summary: str  # the one line of an automated message; "" for the others
    body: str
    reply: int | None  # the reply's id, for its delivery state
    delivery: str  # where the reply is, in words; "" for other messages


def delivery(reply: ReplyStatus, when: Any) -> str:
    """One line: "held (outside the safe time, from Mon 07 Dec 18:00)" / "sent - phone
    network: delivered". `when` formats a time as the page does."""
    words = wording.say(wording.REPLY_STATUSES, reply.status)
    if reply.hold_reason:
        words += " (" + wording.say(wording.HOLD_REASONS, reply.hold_reason)
        if reply.not_before:
            words += f", from {when(reply.not_before)}"
        words += ")"
    if reply.error_kind:
        words += " - " + wording.say(wording.ERROR_KINDS, reply.error_kind)
    if reply.provider_status:
        words += " - phone network: " + wording.say(wording.PROVIDER_STATUSES,
                                                    reply.provider_status)
    return words


def shown(messages: list[StoredMessage], replies: list[ReplyStatus], names: dict[int, str],
          when: Any) -> list[ShownMessage]:
    by_message = {r.message_id: r for r in replies if r.message_id is not None}
    out = []
    for message in messages:
        kind = KINDS.get(message.author, "automated")
        reply = by_message.get(message.id)
        if kind == "survivor":
            who = "Survivor"
        elif kind == "advocate":
            who = names.get(reply.advocate_id or -1, "Advocate") if reply else "Advocate"
        else:
            who = "Automated"
        out.append(ShownMessage(
            str(message.id), kind, who, when(message.created_at),
            wording.flow_summary(message.flow_ids) if kind == "automated" else "",
            message.body, reply.id if reply else None,
            delivery(reply, when) if reply else ""))
    return out


def as_json(messages: list[ShownMessage]) -> list[dict[str, Any]]:
    return [asdict(message) for message in messages]


def deliveries(replies: list[ReplyStatus], when: Any) -> dict[str, str]:
    """Each reply's state, for the live page to update in place: reply id -> words."""
    return {str(r.id): delivery(r, when) for r in replies}
