"""Every code the advocates' pages show, in plain words: one mapping, one place.

Codes (`asked_for_person`, `talk_first`, `outside_window`, `information.menu`) are what the
flows, the triage rules and the reply pipeline store; an advocate on a shift reads words.
tests/casework/test_wording.py collects every code the flows, the triage rules, the message
catalogue, the outbound gate and the reply pipeline can produce and fails when one has no
wording here, so a new code cannot reach a page raw. `say` is the fallback for a code that
slipped through anyway: readable, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping

# Why a case is in the queue: the flows' escalation reasons and the triage rules' reasons.
REASONS = {
    "asked_for_person": "asked to talk to a person",
    "texted_help": "texted HELP (the emergency options were sent as its automatic reply)",
    "triage_urgent": "said they are in danger now",
    "second_opinion": "the learned second opinion read danger the rules did not: read the message",
    "cannot_talk": "sent the duress word (cannot talk)",
    "possible_flood": "possible flood of messages",
    "strangulation": "strangulation or choking",
    "weapon": "weapon mentioned",
    "threat_to_kill": "threat to kill",
    "abuser_present": "abuser may be present",
    "injury": "injury",
    "self_harm": "thoughts of self-harm or suicide",
    "pregnancy": "pregnancy",
    "recent_separation": "recent separation",
    "escalation": "abuse getting worse",
    "children_at_risk": "children at risk",
    "sexual_violence": "sexual violence",
    "sexual_violence_now": "sexual violence just now",
    "sexual_violence_recent": "sexual violence, recently (today, last night)",
    "stalking": "stalking",
    "threats": "threats",
    "abuse_disclosed": "abuse disclosed",
    "not_safe_to_talk": "said it is not safe to talk",
    "forced_marriage": "forced marriage",
    "weapon_mentioned": "weapon mentioned",
    "children_harmed": "children harmed",
    "stalking_found": "stalking: found where they are now (a tracker, their new address)",
    "says_unsafe": "said they are not safe (in danger now)",
}

# The survivor's recorded choices: what was asked, and each coded answer.
CHOICES = {
    "safe_to_talk": "Safe to talk now",
    "wants": "What they want",
    "share_with_police_or_marac": "Sharing with police or MARAC",
    "safe_time": "Safe time, in their words",
}
CHOICE_VALUES = {
    "safe_to_talk": {"yes": "yes", "no": "no, not safe now"},
    "wants": {"talk_now": "to talk now", "call_back": "a call back at a safe time",
              "text_back": "a text back at a safe time",
              "information_only": "information only, no contact",
              "come_back": "to come back to the web chat later with a code"},
    "share_with_police_or_marac": {"agreed": "agreed", "refused": "does not agree",
                                   "talk_first": "wants to talk it through first"},
}

CASE_STATUSES = {"open": "open, waiting in the queue", "claimed": "claimed",
                 "closed": "closed"}
PRIORITIES = {"routine": "routine", "high": "high", "urgent": "urgent"}
PRIORITY_RANKS = {1: "routine", 2: "high", 3: "urgent"}  # escalations.priority
CHANNELS = {"sms": "SMS", "web": "web chat"}
# How cases ended, for the report: an advocate's close reasons (`desk.CLOSE_REASONS`, short
# form) and the two ends no advocate chose (app/lifecycle/erasure.py's CLOSED_BY_*).
OUTCOMES = {"open": "still open", "supported": "supported", "referred": "referred",
            "no_response": "no response", "duplicate": "duplicate",
            "closed_by_survivor": "the survivor deleted the conversation",
            "retention": "deleted at the end of retention"}
LANGUAGES = {"en": "English", "cy": "Welsh", "pl": "Polish", "pa": "Punjabi", "ur": "Urdu",
             "ar": "Arabic", "ro": "Romanian", "so": "Somali"}

# An advocate's reply on its way (app/storage/models/casework.py, Reply.status).
REPLY_STATUSES = {
    "queued": "waiting to go", "held": "held", "sending": "sending", "sent": "sent",
    "failed": "not sent", "cancelled": "will not be sent",
}
# Why a reply waits (app/casework/outbound_gate.py reasons), short form for one line.
HOLD_REASONS = {
    "opted_out": "the survivor sent STOP",
    "erasure": "the survivor asked for deletion",
    "ended": "the survivor left the web chat",
    "awaiting_return": "waiting for the survivor to come back to the chat",
    "awaiting_number": "waiting for the survivor to text from their safe number",
    "number_apart": "the safe number has its own conversation: not sent",
    "cannot_talk": "cannot talk",
    "paused": "the survivor said it is not safe now",
    "locked": "waiting for the resume word",
    "information_only": "information only",
    "needs_window": "set the safe time first",
    "outside_window": "outside the safe time",
    "withdrawn": "withdrawn by an advocate",
}
# What went wrong sending it (app/outbound/twilio_rest.py error kinds).
ERROR_KINDS = {
    "invalid_number": "the number cannot take texts",
    "opted_out": "the phone network says the survivor opted out",
    "rate_limited": "the phone network is busy; it will be retried",
    "provider_error": "the text service had a problem",
    "rejected": "the text service refused it",
    "no_address": "there is no address to send it to",
}
# What the phone network last said about a sent text (Twilio's status callbacks).
PROVIDER_STATUSES = {
    "accepted": "accepted", "queued": "queued by the network", "sending": "sending",
    "sent": "sent to the network", "delivered": "delivered",
    "undelivered": "not delivered", "failed": "failed", "read": "read", "received": "received",
    "scheduled": "scheduled", "canceled": "cancelled",
}

# The automated messages of the flows (the catalogue's message ids), one line each.
FLOW_MESSAGES = {
    "canned.closing": "canned reply: closing",
    "canned.received": "canned reply: received",
    "canned.safe_now": "canned reply: is it safe now",
    "canned.services": "canned reply: services",
    "canned.when_safe": "canned reply: when is it safe",
    "common.unclear": "did not understand, asked again",
    "cover.reply": "cover reply (duress word)",
    "emergency.options": "emergency options",
    "erase.confirm": "asked to confirm deletion",
    "erase.done": "deletion confirmed",
    "erase.kept": "deletion cancelled",
    "failsafe.emergency": "fail-safe reply with emergency options",
    "flood.notice": "too many messages notice",
    "hours.closed": "opening hours: closed now",
    "hours.off_duty": "opening hours: nobody on duty",
    "hours.on_call": "opening hours: on call",
    "hours.reads_from": "opening hours: when we read messages",
    "hours.reads_unknown": "opening hours: reading time unknown",
    "hours.unknown": "opening hours unknown",
    "information.abuse": "information: recognising abuse",
    "information.menu": "information menu sent",
    "information.more": "more information offered",
    "information.online": "information: staying safe online",
    "information.safety_plan": "information: safety planning",
    "language.chosen": "language chosen",
    "language.menu": "language menu sent",
    "menu.hint": "menu hint",
    "menu.languages": "languages offered",
    "menu.main": "menu sent",
    "menu.return": "back to the menu",
    "numbers.not_kept": "said a phone number typed in was not kept",
    "pause.confirmed": "pause confirmed",
    "person.consent": "asked about sharing with police or MARAC",
    "person.how": "asked how they want contact",
    "person.noted": "choice noted",
    "person.noted_information": "noted: information only",
    "person.noted_now": "noted: talk now",
    "person.offer": "offered to talk to a person",
    "person.noted_chat": "noted: will come back to the chat",
    "person.how_web": "asked how they want contact (web chat)",
    "person.come_back": "gave a code to come back to the chat",
    "person.how_web_texts": "asked how they want contact (web chat, text or call offered)",
    "person.number_web": "asked for a safe number (in the chat's own form)",
    "person.safe_time_web": "safe number saved; asked for a safe time",
    "person.requested": "request for a person confirmed",
    "person.safe_now": "asked if it is safe to talk",
    "person.safe_time": "asked for a safe time",
    "person.thanks": "thanked",
    "resume.accepted": "resume word accepted",
    "resume.ask": "asked for the resume word",
    "resume.change_ask": "asked to change the resume word",
    "resume.set_done": "resume word set",
    "resume.set_prompt": "asked to set a resume word",
    "resume.too_short": "resume word too short",
    "resume.unchanged": "resume word unchanged",
    "resume.web": "told a chat keeps no resume word (a code instead)",
    "services.list": "list of services sent",
    "sms.started": "texts restarted (START)",
    "sms.stopped": "texts stopped (STOP)",
    "urgent.closed": "urgent: emergency options (closed now)",
    "urgent.reply": "urgent: emergency options",
    "welcome.greeting": "welcome",
    "welcome.romanised": "how to choose Urdu or Punjabi (in Latin letters)",
}


def say(table: Mapping[str, str], code: str | None) -> str:
    """`code` in words, or (for a code with no wording, which a test stops) the code made
    readable: never a raw identifier, never an error on a live page."""
    if code is None:
        return ""
    return table.get(code, code.replace("_", " ").replace(".", ": "))


def canned_language(offered: str, wanted: str) -> str:
    """How the reply picker labels a canned reply that is not in the survivor's language
    ("English — no Polish version"), so nobody sends English to a Polish speaker without
    knowing; "" when it is in their language."""
    if offered == wanted:
        return ""
    return f"{say(LANGUAGES, offered)} — no {say(LANGUAGES, wanted)} version"


def priority(rank: int) -> str:
    return say(PRIORITIES, PRIORITY_RANKS.get(rank, "routine"))


def reasons(codes: tuple[str, ...] | list[str]) -> str:
    return ", ".join(say(REASONS, code) for code in codes)


def choice_value(name: str, value: str) -> str:
    """A recorded answer in words; a captured answer (the survivor's own words, such as the
    safe time they gave) is shown as they wrote it."""
    values = CHOICE_VALUES.get(name)
    return value if values is None else say(values, value)


def flow_summary(message_ids: tuple[str, ...]) -> str:
    """One line for an automated reply made of these catalogue messages."""
    if not message_ids:
        return "automated reply"
    return "; ".join(say(FLOW_MESSAGES, mid) for mid in message_ids)
