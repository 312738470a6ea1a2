"""Every reply a survivor can receive in one turn, for `flask flows check` to measure whole
(issue 21, items 2 and 4).

A reply goes out as ONE SMS (one web-chat bubble), so its size is what a phone shows and a
carrier bills: one UCS-2 character anywhere makes all of it UCS-2. The service puts replies
together from a step's messages in several ways (app/conversation/service.py, floods.py,
failsafe.py); each is listed here, for each channel's flow (SMS, the web chat, and the web chat
with a safe number to text), so none goes unmeasured:

- a step's messages and its `next` chain, as the engine runs them;
- out of hours, for a step that asks for a person (an `escalate` action): a routine request
  says when the team is back after the step's first message (`hours.closed`, or
  `hours.unknown` with no opening known); an urgent one is the emergency options, the
  on-call line (`hours.on_call`, or `hours.off_duty` with no on-call phone) and when the team
  reads it, whichever step it comes from, and the step's own words (but the urgent step's)
  are held back and measured with the reply they follow, its `otherwise` step's ("held from
  an emergency reply": app/conversation/held.py); a step that pauses keeps its own words
  after the emergency options and `hours.off_duty` (app/conversation/reply_text.py). Urgent
  is measured for every such step, not only the urgent step: a deployment's keyword may lead
  to any of them with a message triage reads as urgent;
- in hours, for the same steps, an urgent message: the urgent reply in place of the step's
  first message, with a pausing step's own words after it, any other's held as above;
- on SMS, a reply to a first message (from the start, a keyword, an intent or urgent triage)
  with the line on choosing Urdu or Punjabi after it (a text in Latin-letter Urdu or Punjabi,
  app/content/romanised.py), unless it is an emergency reply;
- on SMS, every reply that is not an emergency one with `resume.ask` after it ("locked"): a
  locked conversation's first message gets it, or, when that is answered with an emergency
  reply, the next reply that is not one (app/conversation/held.py);
- on both channels, every reply above that is not an emergency one and says something, but
  the cover step's, with `numbers.not_kept` last ("a phone number withheld"): the answer to a
  message with a phone number typed in it (app/conversation/typed_numbers.py). Its budget is
  its own reply's plus the allowance flows/outbound.yaml gives the line (`withheld_extra`),
  unless a budget is named for it;
- the flood notice (`FLOOD_REPLY`) and the fail-safe, measured by the check itself.

Each reply names the budgets it may be held to, most specific first (flows/outbound.yaml
`segment_budgets`): the step's own id, then its kind ("urgent out of hours").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.content.emergency_replies import is_emergency
from app.content.romanised import ROMANISED_OFFER, with_offer
from app.flows import Flow
from app.flows.model import Escalate, Pause, Step

# What a message over its flood allowance is answered with (app/conversation/floods.py): the
# notice, then the emergency options a phone can show in one SMS. `urgent.closed` (999, 999
# then 55 from a mobile, the 24-hour helpline), not the longer `emergency.options`: with it
# the reply took 5-7 UCS-2 segments.
FLOOD_REPLY = ("flood.notice", "urgent.closed")
LOCKED_ASK = "resume.ask"
# The line after a reply to a message whose phone number was withheld (the service adds it:
# app/conversation/typed_numbers.py imports it from here, so the check measures what is sent).
NOT_KEPT = "numbers.not_kept"
URGENT_OUT_OF_HOURS = "urgent out of hours"
URGENT_IN_HOURS = "urgent in hours"
OUT_OF_HOURS = "out of hours"
LOCKED = "locked"
HELD = "held from an emergency reply"
ROMANISED = "Urdu or Punjabi in Latin letters"
WITHHELD = "a phone number withheld"
_URDU = "mujhe madad chahiye"  # a text that gets the line, where the reply may have it
_ON_CALL = ("hours.on_call", "hours.off_duty")
_CLOSED = ((True, "hours.closed", "hours.reads_from"), (False, "hours.unknown",
                                                        "hours.reads_unknown"))


@dataclass(frozen=True)
class Reply:
    channel: str  # "sms" or "web"
    budgets: tuple[str, ...]  # budget names, most specific first
    where: str
    message_ids: tuple[str, ...]
    # With the line on a typed phone number after it: held to its own reply's budget plus
    # the line's allowance, unless a budget is named for it (lint.SegmentBudgets.extra_for).
    withheld: bool = False


def every_reply(flow: Flow) -> list[Reply]:
    """Each distinct reply, per channel (see the module docstring)."""
    found: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Reply] = {}
    for channel, runs in (("sms", flow), ("web", flow.for_channel("web")),
                          ("web", flow.for_channel("web", texts=True))):
        firsts = _first_message_steps(runs) if channel == "sms" else frozenset()
        for step in runs.steps.values():
            where = f"{flow.source_of(step.id)}: step {step.id!r} ({channel})"
            for budgets, label, ids in _variants(runs, step):
                replies = [(budgets, label, ids)]
                if step.id in firsts and with_offer(ids, _URDU) != ids:
                    replies.append(_added(budgets, label, ids, ROMANISED, ROMANISED_OFFER))
                if channel == "sms" and not is_emergency(ids):
                    replies.extend(_added(*reply, LOCKED, LOCKED_ASK) for reply in list(replies))
                # A message with a phone number typed in it: the line saying it was not kept
                # last. Never in cover mode (whoever is there sees only the cover reply), nor
                # after an emergency reply or one that sends nothing (typed_numbers.answer).
                withheld = ([_added(*reply, WITHHELD, NOT_KEPT) for reply in replies
                             if reply[2] and not is_emergency(reply[2])]
                            if step.id != runs.cover_step else [])
                for (names, said, message_ids), typed in [*((r, False) for r in replies),
                                                          *((r, True) for r in withheld)]:
                    key = (channel, names, message_ids)
                    found.setdefault(key, Reply(channel, names,
                                                f"{where}{', ' + said if said else ''}",
                                                message_ids, withheld=typed))
    return list(found.values())


def _added(budgets: tuple[str, ...], label: str, ids: tuple[str, ...], kind: str,
           message_id: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """A reply with one more message after it: budgets named for that first, then its own."""
    return ((*(f"{b}, {kind}" for b in budgets), *budgets),
            f"{label}, {kind}" if label else kind, (*ids, message_id))


def chain(flow: Flow, step: Step) -> tuple[str, ...]:
    """A step's messages and its `next` chain, as the engine sends them: it waits at a step
    that takes a reply (capture, secret, check)."""
    ids = [ref.id for ref in step.say]
    current = step
    while (current.next is not None and current.capture is None and current.secret is None
           and current.check is None and len(ids) < 32):
        current = flow.steps[current.next]
        ids.extend(ref.id for ref in current.say)
    return tuple(ids)


def _variants(flow: Flow, step: Step) -> Iterator[tuple[tuple[str, ...], str,
                                                        tuple[str, ...]]]:
    ids = chain(flow, step)
    yield (step.id,), "", ids
    escalations = [a for a in step.actions if isinstance(a, Escalate)]
    if not escalations or step.id == flow.cover_step:
        return  # in cover mode nothing is added: the cover reply stays an ordinary text
    always_urgent = any(a.priority == "urgent" for a in escalations)
    own = () if step.id == flow.urgent_step else (ids[1:] if len(ids) > 1 else ids)
    pauses = any(isinstance(a, Pause) for a in step.actions)
    urgent = (f"{step.id}, {URGENT_OUT_OF_HOURS}", URGENT_OUT_OF_HOURS)
    if step.id != flow.urgent_step and not is_emergency(ids):
        # In hours, an urgent message answered from this step: the urgent reply in place of
        # its first message; a pause keeps its promise after it, any other step's words are
        # held (measured below with the reply they follow).
        yield ((f"{step.id}, {URGENT_IN_HOURS}", URGENT_IN_HOURS), URGENT_IN_HOURS,
               ("urgent.reply", *own) if pauses else ("urgent.reply",))
    for known, closed, reads in _CLOSED:
        opening = "opening known" if known else "no opening known"
        if not always_urgent:
            yield ((f"{step.id}, {OUT_OF_HOURS}", OUT_OF_HOURS), f"{OUT_OF_HOURS}, {opening}",
                   (*ids[:1], closed, *ids[1:]))
        if pauses:
            # Its own words stay: the promise that nothing is sent (app/conversation/
            # reply_text.py); no on-call or reading line, with or without an opening.
            yield urgent, URGENT_OUT_OF_HOURS, ("urgent.closed", "hours.off_duty", *own)
            continue
        for on_call in _ON_CALL:
            who = "on call" if on_call == "hours.on_call" else "no one on call"
            yield (urgent, f"{URGENT_OUT_OF_HOURS}, {who}, {opening}",
                   ("urgent.closed", on_call, reads))
    waits_at = flow.steps.get(step.otherwise or "")
    if own and not pauses and waits_at is not None:
        # The held words, with the reply they follow: the step's `otherwise` step's.
        yield ((f"{step.id}, {HELD}", HELD), HELD, (*chain(flow, waits_at), *own))


def _first_message_steps(flow: Flow) -> frozenset[str]:
    """Where a first message can lead: the start, any keyword or intent, urgent triage."""
    steps = {flow.start, *(k.goto for k in flow.keywords)}
    if flow.urgent_step:
        steps.add(flow.urgent_step)
    if flow.intents is not None:
        steps.update(intent.goto for intent in flow.intents.intents)
    return frozenset(s for s in steps if s in flow.steps)
