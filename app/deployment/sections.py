"""The deployment file's sections: each a typed, frozen value with its defaults, and the
function that reads it (`[advocates]`, `[floods]`, `[casework]`, `[webchat]`'s return codes,
`[opening_hours]`, `[[services]]`, `[keywords]`); `app.deployment.parse_deployment` puts them
together. A value that is wrong raises `DeploymentConfigError` naming the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.deployment.reader import Reader

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A language code as languages.enabled writes them: "ur", "cy".
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
# A span may end at "24:00", midnight at the end of its day: the only way to say "until
# midnight", since "23:59" leaves the day's last minute closed (a 24-hour team told its
# survivors it was out of hours from 23:59 to 00:00). Held as the day's last instant, which
# app/hours.py counts as inside the span.
END_OF_DAY = time.max


# The service's texts a partnership may write per language (`hours = { en = "...", ur = "..." }`).
WORDED = ("name", "hours", "description")
# What a text falls back to when a language has none: the language every catalogue has.
ENGLISH = "en"


@dataclass(frozen=True)
class LocalService:
    """A service the flows can offer: a refuge, an IDVA service, a helpline.

    `name`, `hours` and `description` are the English (or the one text for every language);
    `translations` holds the others a partnership wrote (field -> language -> text), so a
    reply in Urdu says the hours in Urdu, not "(free, 24 hours, every day)"."""

    name: str
    phone: str
    hours: str
    description: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def worded(self, name: str, language: str | None, default_language: str = ENGLISH) -> str:
        """The text `name` ("name", "hours", "description") in `language`, else the
        deployment's default language, else English: the catalogues' own order, so a text
        a partnership has not translated yet reads as the rest of the reply falls back."""
        texts = {ENGLISH: str(getattr(self, name)), **self.translations.get(name, {})}
        for candidate in (language, default_language):
            if candidate in texts:
                return texts[candidate]
        return texts[ENGLISH]


@dataclass(frozen=True)
class OpeningHours:
    """When advocates are on duty, in the deployment's own time zone. Each span is [start,
    end) of local time, or to midnight when it ends at `END_OF_DAY` ("24:00")."""

    timezone: str
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class StaffPolicy:
    """How advocates' sign-in and alerts work for this partnership."""

    # A signed-in page left alone this long signs the advocate out (a shared office screen).
    session_idle_minutes: int = 15
    # However busy, a session ends this long after sign-in (a cookie copied from a screen
    # left signed in is worth a working day at most).
    session_max_hours: int = 12
    # Wrong sign-ins before an account is locked, and for how long.
    max_failed_logins: int = 10
    lockout_minutes: int = 15
    # Work phones of on-call advocates: a content-free "a case is waiting" SMS goes to them
    # when a case opens in hours and no one has the queue page open.
    alert_sms: tuple[str, ...] = ()
    # Out of hours, an urgent case (immediate danger, the duress word) alerts these phones at
    # once with the same content-free text; with none, it waits for the team (and start-up and
    # `flask flows check` warn).
    on_call_sms: tuple[str, ...] = ()


@dataclass(frozen=True)
class FloodLimits:
    """How fast one source may write before the service stops answering each message.

    Each is an allowance that refills at a steady rate (`burst` at once, then `per_minute`):
    over it, messages are still stored and a request for a person still reaches the queue,
    but the reply is a short notice with the emergency options (app/conversation/throttle.py).
    """

    # One contact: a phone number, or one web chat.
    contact_burst: int = 20
    contact_per_minute: int = 10
    # One network address using the web chat. Many people can share one (a refuge's wifi, a
    # mobile network), so this is more generous.
    address_burst: int = 30
    address_per_minute: int = 20
    # New cases across the whole service: cases beyond this are marked "possible flood", and
    # the on-call phone hears about them once per `alert_minutes`, not once each.
    new_cases_burst: int = 10
    new_cases_per_minute: int = 10
    alert_minutes: int = 10
    # New cases from one network address using the web chat: a few at once stand on their
    # own (survivors sharing a refuge's wifi); beyond this allowance, as when the address is
    # over its message allowance, later ones are listed under the burst's first case.
    address_new_cases_burst: int = 3
    address_new_cases_per_minute: int = 1
    # While a network address is over either allowance, new chats from it that open a case
    # are listed under the first one (not urgent ones, nor requests for a person) for this
    # long after its latest such case.
    lead_minutes: int = 10


@dataclass(frozen=True)
class CaseworkPolicy:
    """How long a case may wait unclaimed before it is chased (app/casework/sla.py).

    An urgent case unclaimed for `urgent_sla_minutes` alerts the phones again (the on-call
    ones out of hours) and is flagged to supervisors; a high one after `high_sla_minutes` of
    opening hours. Routine cases have no target. It also says how the case records (notes,
    DASH risk assessments, referrals) are kept, and the DASH checklist's MARAC threshold.
    """

    urgent_sla_minutes: int = 5
    high_sla_minutes: int = 30
    # False (the default): a survivor's erasure destroys the case's notes, risk assessments
    # and referrals with the conversation (sealed under its key); the tombstone keeps only
    # their counts. True: they are sealed under a key of the case's own and survive the
    # erasure, until retention (docs/threat-model.md, "Case records after erasure").
    keep_notes_after_erasure: bool = False
    # "Visible high risk": this many "yes" answers on the DASH checklist reach the MARAC
    # referral threshold (SafeLives recommends 14). Professional judgement can refer below it.
    marac_threshold: int = 14


# The first is the default (app/content/language.py says what each is).
LANGUAGE_MODELS = ("ngrams", "accurate", "small")


@dataclass(frozen=True)
class ReturnCodeLimits:
    """`[webchat]`: how long a "come back later" code works, and how many wrong codes are
    answered before the chat stops checking for a while (app/conversation/return_codes.py).

    Wrong codes are counted per network address and per code's first word (so per
    conversation, whatever address the guesses come from), over a window of
    `wrong_code_window_minutes`; docs/threat-model.md explains the numbers.
    """

    resume_hours: int = 48
    wrong_codes_per_address: int = 10
    wrong_codes_per_code: int = 6
    wrong_code_window_minutes: int = 60


def staff_policy(reader: Reader) -> StaffPolicy:
    default = StaffPolicy()
    alert_sms = reader.phones("advocates.alert_sms")
    return StaffPolicy(
        session_idle_minutes=reader.positive("advocates.session_idle_minutes",
                                             default.session_idle_minutes),
        session_max_hours=reader.positive("advocates.session_max_hours",
                                          default.session_max_hours),
        max_failed_logins=reader.positive("advocates.max_failed_logins",
                                          default.max_failed_logins),
        lockout_minutes=reader.positive("advocates.lockout_minutes", default.lockout_minutes),
        alert_sms=alert_sms,
        on_call_sms=reader.phones("advocates.on_call_sms"),
    )


def flood_limits(reader: Reader) -> FloodLimits:
    default = FloodLimits()
    return FloodLimits(**{name: reader.positive(f"floods.{name}", getattr(default, name))
                          for name in default.__dataclass_fields__})


def casework_policy(reader: Reader) -> CaseworkPolicy:
    default = CaseworkPolicy()
    return CaseworkPolicy(
        urgent_sla_minutes=reader.positive("casework.urgent_sla_minutes",
                                           default.urgent_sla_minutes),
        high_sla_minutes=reader.positive("casework.high_sla_minutes",
                                         default.high_sla_minutes),
        keep_notes_after_erasure=reader.get("casework.keep_notes_after_erasure", bool,
                                            default.keep_notes_after_erasure),
        marac_threshold=reader.positive("casework.marac_threshold", default.marac_threshold))


def return_code_limits(reader: Reader) -> ReturnCodeLimits:
    default = ReturnCodeLimits()
    return ReturnCodeLimits(**{name: reader.positive(f"webchat.{name}", getattr(default, name))
                               for name in default.__dataclass_fields__})


def extra_keywords(reader: Reader, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        reader.fail("keywords", "must be a table of keyword name = [words]")
    extra = {}
    for name, listed in raw.items():
        if not isinstance(listed, list):
            reader.fail(f"keywords.{name}", "must be a list of words")
        extra[str(name)] = tuple(reader.words(f"keywords.{name}", listed))
    return extra


def local_service(reader: Reader, index: int, raw: Any) -> LocalService:
    """One `[[services]]` entry. Its name, hours and description are each a text (the same
    in every language) or a table of texts by language code that includes English, the
    fallback. A key not shaped like a language code ("urdu", "UR") is refused here; a code
    of no language at all (a typo, "ue" for "ur") by `flows check` and production's start-up
    check, which know the languages (app/content/local_services.py). A language that is not
    enabled keeps its texts unused, so a partnership can turn it off without deleting them."""
    key = f"services[{index}]"
    if not isinstance(raw, dict):
        reader.fail(key, "must be a table with name, phone and hours")
    wanted: dict[str, tuple[type, ...]] = {"name": (str, dict), "phone": (str,),
                                           "hours": (str, dict)}
    missing = [k for k, kinds in wanted.items() if not isinstance(raw.get(k), kinds)]
    if missing:
        reader.fail(key, f"needs text for {', '.join(missing)}")
    english: dict[str, str] = {}
    translations: dict[str, dict[str, str]] = {}
    for name in WORDED:
        texts = _worded(reader, f"{key}.{name}", raw.get(name, ""))
        english[name] = texts.pop(ENGLISH)
        if texts:
            translations[name] = texts
    return LocalService(english["name"], raw["phone"], english["hours"],
                        english["description"], translations)


def _worded(reader: Reader, key: str, raw: Any) -> dict[str, str]:
    """A text or a table of texts by language, as {language: text} with English in it."""
    if isinstance(raw, str):
        return {ENGLISH: raw}
    if not isinstance(raw, dict):
        reader.fail(key, "must be text, or a table of texts by language (en = \"...\")")
    for language, text in raw.items():
        if not _LANGUAGE_CODE.match(language):
            reader.fail(f"{key}.{language}", f"{language!r} is not a language code like ur")
        if not isinstance(text, str) or not text.strip():
            reader.fail(f"{key}.{language}", "must be text")
    if ENGLISH not in raw:
        reader.fail(key, "needs an English text (en = \"...\"): what every language without "
                         "its own falls back to")
    return dict(raw)


def opening_hours(reader: Reader, raw: Any) -> OpeningHours:
    if not isinstance(raw, dict):
        reader.fail("opening_hours", "must be a table")
    tz = str(raw.get("timezone", "Europe/London"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        reader.fail("opening_hours.timezone", f"unknown time zone {tz!r}")
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for day_index, day in enumerate(DAYS):
        spans = []
        for span in raw.get(day, []):
            match = _SPAN.match(str(span))
            if match is None:
                reader.fail(f"opening_hours.{day}", f"{span!r} is not like '09:00-17:00'")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start = time(h1, m1)
                end = END_OF_DAY if (h2, m2) == (24, 0) else time(h2, m2)
            except ValueError:
                reader.fail(f"opening_hours.{day}", f"{span!r} is not a real time")
            if end <= start:
                reader.fail(f"opening_hours.{day}", f"{span!r} ends before it starts")
            spans.append((start, end))
        weekly[day_index] = tuple(spans)
    holidays = set()
    for item in raw.get("holidays", []):
        try:
            holidays.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            reader.fail("opening_hours.holidays", f"{item!r} is not a date like 2026-12-25")
    return OpeningHours(tz, weekly, frozenset(holidays))
