"""`flask flows check`: every flow and every outbound text, checked before a survivor sees it.

Checks, each reported with file, message id or step, and language:
- the flows load as one conversation (references, reachability: see `app.flows.loader`),
  and so do the triage rules;
- every message a flow says has text in every shipped language (a fuzzy, unconfirmed
  translation is reported as a warning: at run time it falls back to English);
- every text formats with the placeholders we fill ({services}) and no others;
- the lock-screen rule: nothing revealing in the first characters a phone shows;
- in a right-to-left text, every phone number isolated left-to-right (app/content/numbers.py);
- the SMS encoding and segment count, failing above the limit in flows/outbound.yaml, for
  each text, and for each step's whole reply and the replies the service puts together itself
  (the fail-safe in a language with English second; the urgent answer out of hours; a person
  asked for out of hours) against their budgets there (`segment_budgets`, per encoding);
- the deployment file: what it allows but leaves survivors worse off (warnings);
- the DASH risk checklist (flows/dash.yaml): it loads, and a warning while its questions are
  topic labels rather than the published wording; the referral agencies (flows/referrals.yaml);
- channel-true wording (flows/channels.yaml, app/content/channels.py): nothing the web chat
  shows says what belongs to SMS ("text", "from your phone"), and every web wording of a
  message exists wherever its SMS wording does.
"""

from __future__ import annotations

import string
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from app.content import channels, second_opinion
from app.content.agencies import agencies_problems
from app.content.catalogues import FALLBACK_LANGUAGE, Catalogues
from app.content.checklist import checklist_problems
from app.content.emergency_replies import CEILING, is_emergency
from app.content.failsafe import EMERGENCY_TEXT_EN, emergency_text
from app.content.local_services import services_problems, services_text, services_warnings
from app.content.lockscreen import LockScreenRule, direction_overrides
from app.content.numbers import RIGHT_TO_LEFT, unisolated_numbers
from app.content.one_turn import FLOOD_REPLY, WITHHELD, Reply, every_reply
from app.content.romanised import ROMANISED_OFFER
from app.content.segments import Encoding, encoding_of
from app.content.written_times import longest_written_time
from app.deployment import Deployment
from app.flows import Flow, FlowError, load_flows
from app.flows.loader import read_yaml
from app.flows.triage import TriageRuleError, parse_rules

PLACEHOLDERS = frozenset({"services", "opens"})
# Replies the service composes outside any step (app/conversation/service.py), each checked
# whole, with the longest {opens} the language writes (app/content/written_times.py).
COMPOSED_REPLIES: dict[str, tuple[str, ...]] = {
    "urgent out of hours, on call": ("urgent.closed", "hours.on_call", "hours.reads_from"),
    "urgent out of hours, no one on call": ("urgent.closed", "hours.off_duty",
                                            "hours.reads_unknown"),
}
# A routine request for a person out of hours, as the service composes it: the step's
# acknowledgement, when the team is back, then its question (checked whole, like the above).
COMPOSED_REPLIES["a person asked for out of hours"] = ("person.requested", "hours.closed",
                                                       "person.safe_now")


@dataclass(frozen=True)
class SegmentBudgets:
    """How many SMS segments a whole reply may take, per step or composed reply and per
    encoding (flows/outbound.yaml `segment_budgets`): a GSM-7 text fits 153 characters a
    segment, a UCS-2 one only 67, so a budget names both. Anything not named gets `default`."""

    default: dict[str, int]
    replies: dict[str, dict[str, int]]
    # How many segments more a reply may take with the line on a typed phone number after it
    # (`withheld_extra`; app/content/one_turn.py): one rule, not a budget for each name.
    withheld_extra: int = 0

    @classmethod
    def load(cls, raw: object, fallback: int) -> SegmentBudgets:
        data = raw if isinstance(raw, dict) else {}
        default = {"GSM-7": fallback, "UCS-2": fallback, **_budget(data.get("default"))}
        replies = {str(name): {**default, **_budget(budget)}
                   for name, budget in (data.get("replies") or {}).items()}
        return cls(default, replies, int(data.get("withheld_extra") or 0))

    def limit(self, reply: str, encoding: str) -> int:
        return self.replies.get(reply, self.default)[encoding]

    def named(self, candidates: tuple[str, ...]) -> str:
        """The first of `candidates` (most specific first) that has a budget of its own; the
        first if none has (it gets `default`)."""
        return next((name for name in candidates if name in self.replies), candidates[0])

    def extra_for(self, reply: Reply, name: str) -> int:
        """The segments `reply` may take beyond the budget `name`: `withheld_extra` when it
        has the line on a typed number after it and is held to its own reply's budget, none
        when a budget is named for it with the line (that budget says it all)."""
        named = name in self.replies and name.endswith(f", {WITHHELD}")
        return self.withheld_extra if reply.withheld and not named else 0


def _budget(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {str(name): int(value) for name, value in raw.items()
            if str(name) in ("GSM-7", "UCS-2")}


def _over_budget(budgets: SegmentBudgets, reply: str, where: str, whole: str, *,
                 emergency: bool = False, extra: int = 0) -> Problem | None:
    """`whole` over the budget named `reply` (and `extra` segments more: the line on a typed
    phone number); an emergency reply is held to the ceiling too
    (app/content/emergency_replies.py), whatever flows/outbound.yaml names for it."""
    encoding = encoding_of(whole)
    limit = budgets.limit(reply, encoding.name)
    if emergency:
        limit = min(limit, CEILING[encoding.name])
    if encoding.segments <= limit + extra:
        return None
    more = f" and {extra} more with the line on a typed phone number" if extra else ""
    return Problem(where, f"its reply takes {encoding.segments} SMS segments ({encoding.name}); "
                          f"the budget for {reply!r} is {limit}{more} (flows/outbound.yaml"
                          f"{'; an emergency reply: issue 21' if emergency else ''})")


def _budgets_above_ceiling(budgets: SegmentBudgets, names: set[str]) -> list[Problem]:
    """A budget flows/outbound.yaml names for an emergency reply above the ceiling: an
    exception pinned there would let the reply grow back, so it is an error of its own, not
    only when a reply reaches it (issue 21, item 4)."""
    problems = []
    for name in sorted(names):
        above = {encoding: limit for encoding, limit in budgets.replies.get(name, {}).items()
                 if limit > CEILING[encoding]}
        if above:
            problems.append(Problem(
                f"flows/outbound.yaml: segment_budgets: {name}",
                f"allows an emergency reply {', '.join(f'{n} {e}' for e, n in above.items())} "
                f"segments; the most is {CEILING['GSM-7']} GSM-7 / {CEILING['UCS-2']} UCS-2 "
                "(app/content/emergency_replies.py): hold a question or prompt back instead"))
    return problems


@dataclass(frozen=True)
class Problem:
    where: str
    why: str
    warning: bool = False
    # Set on the warning for a fuzzy translation that falls back to English: the language
    # whose translator has yet to confirm it (summarised per language by `summary`). A tag
    # derived from `where`, so two problems saying the same are still equal.
    unconfirmed_language: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{'warning: ' if self.warning else ''}{self.where}: {self.why}"


def check(flows_dir: Path, catalogues: Catalogues, default_language: str,
          organisation: str, languages: tuple[str, ...] = (), *,
          page_words: Catalogues | None = None,
          deployment: Deployment | None = None) -> list[Problem]:
    """Every problem found; those with `warning` set do not fail the check.

    `languages` are the deployment's enabled languages: each needs a catalogue. `page_words`
    are the web pages' own words (the `web` domain), checked for SMS-only phrases too. With
    `deployment`, every reply listing its local services is checked with them, in each
    language (app/content/local_services.py); without, `{services}` is measured empty.
    """
    problems: list[Problem] = [
        Problem(f"translations/{language}/LC_MESSAGES/messages.po",
                f"is missing, but {language!r} is enabled in the deployment file")
        for language in languages if language not in catalogues.languages
    ]
    flow: Flow | None = None
    try:
        flow = load_flows(flows_dir)
    except FlowError as error:
        problems.append(Problem(f"{error.source}: {error.where}", error.why))
    problems.extend(_triage_problems(flows_dir / "triage.yaml"))
    problems.extend(Problem(where, why) for where, why in second_opinion.problems(flows_dir))
    problems.extend(Problem(where, why, warning=warning)
                    for where, why, warning in checklist_problems(flows_dir))
    problems.extend(Problem(where, why) for where, why in agencies_problems(flows_dir))
    if flow is not None:
        problems.extend(_missing_texts(flow, catalogues, default_language))
    problems.extend(Problem(where, why, warning=warning, unconfirmed_language=language)
                    for where, why, warning, language
                    in channels.problems(flows_dir, flow, catalogues, page_words))
    outbound = flows_dir / "outbound.yaml"
    try:
        rule = LockScreenRule.load(outbound, organisation)
    except FlowError as error:
        return [*problems, Problem(f"{error.source}: {error.where}", error.why)]
    for language in catalogues.languages:
        po_file = catalogues.sources.get(language)
        for message_id, text in catalogues.messages(language):
            where = f"{po_file}: {message_id}" if po_file else message_id
            english = catalogues.raw_text(FALLBACK_LANGUAGE, message_id)
            problems.extend(check_text(rule, language, where, text, english))
    problems.extend(check_text(rule, FALLBACK_LANGUAGE, "failsafe (built in)",
                                EMERGENCY_TEXT_EN, None))
    if deployment is not None:
        problems.extend(Problem(where, why)
                        for where, why in services_problems(catalogues, deployment, rule))
        problems.extend(Problem(where, why, warning=True)
                        for where, why in services_warnings(deployment))
    budgets = SegmentBudgets.load((read_yaml(outbound) or {}).get("segment_budgets"),
                                  rule.max_segments_per_reply)
    if flow is not None:
        problems.extend(_check_every_reply(flow, catalogues, budgets, default_language,
                                           deployment))
    problems.extend(_check_composed_replies(catalogues, rule, budgets))
    return problems


def deployment_problems(deployment: Deployment) -> list[Problem]:
    """The deployment file's warnings (e.g. no on-call phone), as the check reports them."""
    problems = []
    for warning in deployment.warnings():
        where, _, why = warning.rpartition(": ")
        problems.append(Problem(where or deployment.source, why, warning=True))
    return problems


def _check_composed_replies(catalogues: Catalogues, rule: LockScreenRule,
                            budgets: SegmentBudgets) -> list[Problem]:
    """What the service sends as one SMS without a flow step saying so: the fail-safe (the
    language's, then English) and the urgent answer out of hours."""
    problems = []
    # Every one of these carries the emergency options (the fail-safe its own).
    emergency = {"failsafe, English second", "flood notice", "flood notice (web)",
                 *(name for name, ids in COMPOSED_REPLIES.items() if is_emergency(ids))}
    problems.extend(_budgets_above_ceiling(budgets, {n.removesuffix(" (web)")
                                                     for n in emergency}))
    for language in catalogues.languages:
        replies = {"failsafe, English second": emergency_text(catalogues, language)}
        for channel in (None, "web"):
            with suppress(LookupError, ValueError):  # reported above as a missing text
                replies[f"flood notice{' (web)' if channel else ''}"] = catalogues.join(
                    language, FLOOD_REPLY, channel=channel)
        for name, ids in COMPOSED_REPLIES.items():
            try:
                replies[name] = catalogues.join(language, ids,
                                                {"opens": longest_written_time(language)})
            except (LookupError, ValueError):
                continue  # reported above as a missing or broken text
        for name, whole in replies.items():
            over = _over_budget(budgets, name.removesuffix(" (web)"), f"{name} [{language}]",
                                whole, emergency=name in emergency)
            if over is not None:
                problems.append(over)
            banned = rule.violations(language, whole)
            if banned:
                problems.append(Problem(f"{name} [{language}]",
                                        f"shows {', '.join(banned)} in the first "
                                        f"{rule.preview} characters (lock-screen rule)"))
    return problems


def _triage_problems(triage: Path) -> list[Problem]:
    if not triage.exists():
        return [Problem(str(triage), "is missing: triage is off (requests for a person still "
                                     "escalate)", warning=True)]
    try:
        parse_rules(read_yaml(triage), str(triage))
    except (FlowError, TriageRuleError) as error:
        return [Problem(str(triage), str(error))]
    return []


def _missing_texts(flow: Flow, catalogues: Catalogues, default_language: str) -> list[Problem]:
    used: dict[str, str] = {}  # message id -> "file: step" where a flow says it
    for step in flow.steps.values():
        for ref in (*step.say, *((step.secret.too_short,) if step.secret else ())):
            used.setdefault(ref.id, f"{flow.source_of(step.id)}: step {step.id!r}")
    for message_id, source in flow.service_messages.items():
        used.setdefault(message_id, f"{source}: messages")
    problems = []
    for message_id, where in sorted(used.items()):
        for language in sorted({FALLBACK_LANGUAGE, default_language, *catalogues.languages}):
            if catalogues.has(language, message_id):
                continue
            fuzzy = catalogues.is_fuzzy(language, message_id)
            # A fuzzy translation falls back to English, so it only warns; with no English
            # to fall back to there is nothing to send.
            falls_back = (fuzzy and language != FALLBACK_LANGUAGE
                          and catalogues.has(FALLBACK_LANGUAGE, message_id))
            why = ("is fuzzy (unconfirmed); English is sent instead" if falls_back
                   else "is fuzzy and has no English to fall back to" if fuzzy
                   else "has no text")
            problems.append(Problem(f"{where}: {message_id} [{language}]", why,
                                    warning=falls_back,
                                    unconfirmed_language=language if falls_back else None))
    return problems


def summary(problems: list[Problem], details: str) -> list[str]:
    """The lines `make run` prints: every error and every other warning in full, and the
    unconfirmed translations as one line per run instead of one per text (they are expected
    while a translator works, and English is sent meanwhile)."""
    waiting = Counter(p.unconfirmed_language for p in problems if p.unconfirmed_language)
    lines = [str(p) for p in problems if not p.unconfirmed_language]
    if waiting:
        languages = ", ".join(f"{language}: {count}" for language, count
                              in sorted(waiting.items(), key=lambda item: (-item[1], item[0])))
        total = sum(waiting.values())
        lines.append(f"warning: {total} text{'s' if total != 1 else ''} await"
                     f"{'' if total != 1 else 's'} a translator's confirmation ({languages}); "
                     f"English is sent meanwhile; details: {details}")
    return lines


def _check_every_reply(flow: Flow, catalogues: Catalogues, budgets: SegmentBudgets,
                       default_language: str,
                       deployment: Deployment | None = None) -> list[Problem]:
    """Every reply a survivor can receive in one turn (app/content/one_turn.py), on each
    channel, in each language, in and out of hours, whole: a step's messages (and its `next`
    chain) go out as ONE SMS, and one non-GSM character anywhere makes all of it UCS-2. A
    reply naming when the team is back is measured with the longest opening time its language
    writes. The web chat sends no SMS, but what a phone shows there is measured the same way,
    with the web wording of each message. The line on choosing Urdu or Punjabi is added only
    while a conversation has no language, so only in the default language's replies."""
    problems = []
    replies = every_reply(flow)
    problems.extend(_budgets_above_ceiling(
        budgets, {budgets.named(r.budgets) for r in replies if is_emergency(r.message_ids)}))
    for reply in replies:
        name = budgets.named(reply.budgets)
        emergency = is_emergency(reply.message_ids)
        channel = "web" if reply.channel == "web" else None
        head, _, tail = reply.where.partition(" (")
        languages = ((default_language,) if ROMANISED_OFFER in reply.message_ids
                     else catalogues.languages)
        for language in languages:
            try:
                listed = services_text(deployment, language) if deployment else ""
                whole = catalogues.join(language, reply.message_ids,
                                        {"services": listed,
                                         "opens": longest_written_time(language)}, channel)
            except (LookupError, ValueError):
                continue  # reported above as a missing or broken text
            where = f"{head} [{language}]" + (f" ({tail}" if tail else "")
            over = _over_budget(budgets, name, where, whole, emergency=emergency,
                                extra=budgets.extra_for(reply, name))
            if over is not None:
                problems.append(over)
    return problems


def encodings(catalogues: Catalogues) -> list[tuple[str, str, Encoding]]:
    """(language, message id, encoding) for every text, for the check's report."""
    return [(language, message_id, encoding_of(text))
            for language in catalogues.languages
            for message_id, text in catalogues.messages(language)]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check_text(rule: LockScreenRule, language: str, message_id: str, text: str,
               english: str | None) -> list[Problem]:
    """One outbound text's problems, as `flows check` reports them: its placeholders (and
    English's), its SMS segments, the lock-screen rule. Also applied to the canned replies
    supervisors edit (app/casework/canned.py), so an edit is held to the catalogue's rules."""
    where = f"{message_id} [{language}]"
    problems = []
    try:
        fields = _fields(text)
    except ValueError as error:
        return [Problem(where, f"is not a valid text template ({error})")]
    unknown = fields - PLACEHOLDERS
    if unknown:
        problems.append(Problem(where, f"uses unknown placeholders {sorted(unknown)}"))
    try:
        expected = _fields(english) if english is not None else fields
    except ValueError:
        expected = fields
    if fields != expected:
        problems.append(Problem(where, f"has placeholders {sorted(fields)} but English has "
                                       f"{sorted(expected)}"))
    encoding = encoding_of(text)
    if encoding.segments > rule.max_segments:
        problems.append(Problem(where, f"takes {encoding.segments} SMS segments "
                                       f"({encoding.name}); the limit is {rule.max_segments}"))
    banned = rule.violations(language, text)
    if banned:
        problems.append(Problem(where, f"shows {', '.join(banned)} in the first "
                                       f"{rule.preview} characters (lock-screen rule)"))
    overrides = direction_overrides(text)
    if overrides:
        problems.append(Problem(where, f"holds {', '.join(overrides)}, which makes a phone "
                                       "show what follows in another order: isolate with "
                                       "U+2066..U+2069"))
    if language in RIGHT_TO_LEFT:
        for number in unisolated_numbers(text):
            problems.append(Problem(where, f"has the number {number!r} without isolates: in a "
                                           "right-to-left text write it as U+2066, its digit "
                                           "groups joined by no-break spaces, U+2069"))
    return problems
