"""The partnership's deployment file: who they are, what they offer, when someone is there.

This is the part of the configuration a partnership owns and edits (organisation name,
languages, local services, opening hours, exit URL, retention), as opposed to the secrets and
endpoints that operators set in the environment (`app.config`). It is TOML so that it can be
read with the standard library and commented freely by the people who keep it.

Phone numbers of services live here and never in code: numbers change, and a partnership must
be able to re-check and correct them without a release (see docs/uk-services.md).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.cover_sites import BUILT_IN, CoverSite, default_cover

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class DeploymentConfigError(ValueError):
    """The deployment file is missing or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class LocalService:
    """A service the flows can offer: a refuge, an IDVA service, a helpline."""

    name: str
    phone: str
    hours: str
    description: str = ""


@dataclass(frozen=True)
class OpeningHours:
    """When advocates are on duty, in the deployment's own time zone."""

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


@dataclass(frozen=True)
class Deployment:
    organisation_name: str
    default_language: str
    languages: tuple[str, ...]
    sms_numbers: tuple[str, ...]
    provider_handles_keywords: bool
    conversation_idle_minutes: int
    retention_days: int
    exit_url: str
    services: tuple[LocalService, ...]
    opening_hours: OpeningHours
    # Words the partnership adds to the flows' keywords (keyword name -> words).
    extra_keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Ordinary words that mean "I cannot talk": cover reply only, urgent case.
    duress_words: tuple[str, ...] = ()
    cover: CoverSite = field(default_factory=default_cover)
    staff: StaffPolicy = field(default_factory=StaffPolicy)
    # How the web chat labels an advocate's replies ("Sam, from the team"); None: the page's
    # own translated wording ("From the team"). Shown as it is in every language.
    person_label: str | None = None
    # Which language models guess a first message's language: "ngrams" (our detector over a
    # memory-mapped file of lingua 1.4.2's n-grams for the deployment's languages, built at
    # install time: as accurate as "accurate" in a 21 MiB file shared by every process),
    # "accurate" (lingua 2's full models, 160-290 MiB for eight languages, in memory) or
    # "small" (its low-accuracy mode, about 30 MiB); bench/results/memory.txt,
    # language-guess.txt and docs/deploy.md "Memory" say what each costs.
    language_models: str = "ngrams"
    floods: FloodLimits = field(default_factory=FloodLimits)
    casework: CaseworkPolicy = field(default_factory=CaseworkPolicy)
    return_codes: ReturnCodeLimits = field(default_factory=ReturnCodeLimits)
    # `[triage] second_opinion`: the learned second opinion (app/flows/learned.py) may raise a
    # first message to urgent or read a request for a person the rules missed; it never
    # lowers what the rules read. On by default since batch g, held out, met the rule
    # pre-registered in eval/README.md (batches d, e and f had kept it off).
    second_opinion: bool = True
    source: str = field(default="", compare=False)

    def warnings(self) -> list[str]:
        """What is allowed but leaves survivors worse off; said at start-up and by
        `flask flows check`, never a refusal (a partnership without a rota can still run)."""
        found = []
        if not self.staff.on_call_sms:
            found.append(f"{self.source}: advocates.on_call_sms: no on-call phone; out of hours "
                         "an urgent case alerts no one until the team is back")
        return found


def load_deployment(path: Path) -> Deployment:
    """Read and validate a deployment file; raise `DeploymentConfigError` naming what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DeploymentConfigError(f"{path}: deployment file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DeploymentConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_deployment(raw, source=str(path))


def parse_deployment(raw: dict[str, Any], source: str = "<deployment>") -> Deployment:
    reader = _Reader(raw, source)
    languages = tuple(reader.get("languages.enabled", list, ["en"]))
    default_language = reader.get("languages.default", str, "en")
    if default_language not in languages:
        reader.fail("languages.default", f"{default_language!r} is not in languages.enabled")
    numbers = tuple(reader.get("sms.numbers", list, []))
    for number in numbers:
        if not isinstance(number, str) or not _E164.match(number):
            reader.fail("sms.numbers", f"{number!r} is not an E.164 number like +447700900123")
    language_models = reader.get("languages.models", str, LANGUAGE_MODELS[0])
    if language_models not in LANGUAGE_MODELS:
        reader.fail("languages.models", f"must be one of {', '.join(LANGUAGE_MODELS)}")
    exit_url = reader.get("webchat.exit_url", str, "https://www.bbc.co.uk/weather")
    if not exit_url.startswith("https://"):
        reader.fail("webchat.exit_url", "must be an https:// address")
    return Deployment(
        organisation_name=reader.get("organisation.name", str),
        default_language=default_language,
        languages=languages,
        sms_numbers=numbers,
        provider_handles_keywords=reader.get("sms.provider_handles_keywords", bool, True),
        conversation_idle_minutes=_positive(reader, "conversation.idle_minutes", 240),
        retention_days=_positive(reader, "retention.days", 90),
        exit_url=exit_url,
        services=tuple(_service(reader, i, s) for i, s in enumerate(raw.get("services", []))),
        opening_hours=_opening_hours(reader, raw.get("opening_hours", {})),
        extra_keywords=_extra_keywords(reader, raw.get("keywords", {})),
        cover=_cover(reader, reader.get("organisation.name", str)),
        duress_words=tuple(_words(reader, "conversation.duress_words",
                                  reader.get("conversation.duress_words", list, []))),
        staff=_staff(reader),
        person_label=_person_label(reader, reader.get("organisation.name", str)),
        language_models=language_models,
        floods=_floods(reader),
        casework=_casework(reader),
        return_codes=_return_codes(reader),
        second_opinion=reader.get("triage.second_opinion", bool, True),
        source=source,
    )


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_FORBIDDEN_ON_COVER = ("quietline", "abuse", "domestic", "refuge", "helpline", "police",
                       "violence", "chat")
# Whole words a hobby site would not need and a look at the screen would notice on one that
# hides a way out (matched as words: "helpful" and "safely" pass, "help" and "safe" do not).
_FORBIDDEN_WORDS_ON_COVER = re.compile(
    r"\b(help|support|safe|safety|advice|advocates?|victims?|survivors?|abusers?|crisis|"
    r"emergency|hotline|shelter|counsell?ing|escape)\b", re.IGNORECASE)


def _cover(reader: _Reader, organisation: str) -> CoverSite:
    """`[cover]`: a built-in site (`site`, app/cover_sites.py) with any of its texts and
    colours replaced. Every text a visitor can read is checked, not only the title: the
    abuser who scrolls reads them all."""
    name = reader.get("cover.site", str, default_cover().site)
    if name not in BUILT_IN:
        reader.fail("cover.site", f"{name!r} is not one of {', '.join(sorted(BUILT_IN))}")
    built_in = BUILT_IN[name]
    values: dict[str, Any] = {}
    for key in ("title", "icon_text", "heading", "tagline", "chat_link", "footer",
                "about_heading", "contact_heading", "top_link", "background", "accent",
                "language"):
        values[key] = reader.get(f"cover.{key}", str, getattr(built_in, key)).strip()
    for key in ("paragraphs", "about", "contact"):
        values[key] = tuple(_words(reader, f"cover.{key}", reader.get(
            f"cover.{key}", list, list(getattr(built_in, key)))))
    for colour in ("background", "accent"):
        if not _COLOUR.match(values[colour]):
            reader.fail(f"cover.{colour}", "must be a colour like #1d5c4a")
    if not 1 <= len(values["icon_text"]) <= 3:
        reader.fail("cover.icon_text", "must be one to three characters")
    if not _LANGUAGE.match(values["language"]):
        reader.fail("cover.language", "must be a language code like en or cy")
    for key in ("title", "heading", "chat_link", "about_heading", "contact_heading",
                "top_link"):
        if not values[key]:
            reader.fail(f"cover.{key}", "must not be empty")
    cover = replace(built_in, **values)
    for where, text in cover.texts().items():
        if cover_text_names_the_service(text, organisation):
            reader.fail(f"cover.{where}", "must not name the service or what it is for")
    return cover


def cover_text_names_the_service(text: str, organisation: str = "") -> bool:
    """Whether a text on the cover names the service, the organisation or what it is for."""
    lowered = text.casefold()
    # The organisation's name as words: "Test" must not refuse "the latest from the beds".
    named = organisation.strip() and re.search(
        rf"\b{re.escape(organisation.strip().casefold())}\b", lowered)
    return (any(word in lowered for word in _FORBIDDEN_ON_COVER)
            or _FORBIDDEN_WORDS_ON_COVER.search(text) is not None or bool(named))


MAX_PERSON_LABEL = 40


def _person_label(reader: _Reader, organisation: str) -> str | None:
    """`[webchat] person_label`: the words above an advocate's reply on the chat page. A glance
    at the screen must not learn what the chat is, so the same words as on the cover are
    refused, and so is the organisation's name."""
    label = reader.get("webchat.person_label", str, None)
    if label is None:
        return None
    label = label.strip()
    if not 1 <= len(label) <= MAX_PERSON_LABEL:
        reader.fail("webchat.person_label", f"must be 1 to {MAX_PERSON_LABEL} characters")
    lowered = label.casefold()
    if (any(word in lowered for word in _FORBIDDEN_ON_COVER)
            or organisation.strip().casefold() in lowered):
        reader.fail("webchat.person_label", "must not name the service or what it is for")
    return label


def _staff(reader: _Reader) -> StaffPolicy:
    default = StaffPolicy()
    alert_sms = _phones(reader, "advocates.alert_sms")
    return StaffPolicy(
        session_idle_minutes=_positive(reader, "advocates.session_idle_minutes",
                                       default.session_idle_minutes),
        session_max_hours=_positive(reader, "advocates.session_max_hours",
                                    default.session_max_hours),
        max_failed_logins=_positive(reader, "advocates.max_failed_logins",
                                    default.max_failed_logins),
        lockout_minutes=_positive(reader, "advocates.lockout_minutes", default.lockout_minutes),
        alert_sms=alert_sms,
        on_call_sms=_phones(reader, "advocates.on_call_sms"),
    )


def _phones(reader: _Reader, key: str) -> tuple[str, ...]:
    phones = tuple(reader.get(key, list, []))
    for number in phones:
        if not isinstance(number, str) or not _E164.match(number):
            reader.fail(key, f"{number!r} is not an E.164 number")
    return phones


def _floods(reader: _Reader) -> FloodLimits:
    default = FloodLimits()
    return FloodLimits(**{name: _positive(reader, f"floods.{name}", getattr(default, name))
                          for name in default.__dataclass_fields__})


def _casework(reader: _Reader) -> CaseworkPolicy:
    default = CaseworkPolicy()
    return CaseworkPolicy(
        urgent_sla_minutes=_positive(reader, "casework.urgent_sla_minutes",
                                     default.urgent_sla_minutes),
        high_sla_minutes=_positive(reader, "casework.high_sla_minutes",
                                   default.high_sla_minutes),
        keep_notes_after_erasure=reader.get("casework.keep_notes_after_erasure", bool,
                                            default.keep_notes_after_erasure),
        marac_threshold=_positive(reader, "casework.marac_threshold", default.marac_threshold))


def _return_codes(reader: _Reader) -> ReturnCodeLimits:
    default = ReturnCodeLimits()
    return ReturnCodeLimits(**{name: _positive(reader, f"webchat.{name}", getattr(default, name))
                               for name in default.__dataclass_fields__})


def _words(reader: _Reader, key: str, listed: list[Any]) -> list[str]:
    if not all(isinstance(w, str) and w.strip() for w in listed):
        reader.fail(key, "must be a list of words")
    return [w.strip() for w in listed]


def _extra_keywords(reader: _Reader, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        reader.fail("keywords", "must be a table of keyword name = [words]")
    extra = {}
    for name, listed in raw.items():
        if not isinstance(listed, list):
            reader.fail(f"keywords.{name}", "must be a list of words")
        extra[str(name)] = tuple(_words(reader, f"keywords.{name}", listed))
    return extra


def _positive(reader: _Reader, key: str, default: int) -> int:
    value = reader.get(key, int, default)
    if value <= 0:
        reader.fail(key, "must be a positive whole number")
    return value


def _service(reader: _Reader, index: int, raw: Any) -> LocalService:
    key = f"services[{index}]"
    if not isinstance(raw, dict):
        reader.fail(key, "must be a table with name, phone and hours")
    missing = [k for k in ("name", "phone", "hours") if not isinstance(raw.get(k), str)]
    if missing:
        reader.fail(key, f"needs text for {', '.join(missing)}")
    return LocalService(raw["name"], raw["phone"], raw["hours"], str(raw.get("description", "")))


def _opening_hours(reader: _Reader, raw: Any) -> OpeningHours:
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
                start, end = time(h1, m1), time(h2, m2)
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


class _Reader:
    """Looks up dotted keys with a type check, so every error names the key and the file."""

    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source

    def fail(self, key: str, why: str) -> NoReturn:
        raise DeploymentConfigError(f"{self.source}: {key}: {why}")

    _MISSING = object()

    def get(self, key: str, kind: type, default: Any = _MISSING) -> Any:
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is self._MISSING:
                    self.fail(key, "is required")
                return default
            node = node[part]
        # bool is a subclass of int in Python; refuse True where a number is wanted.
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            self.fail(key, f"must be {kind.__name__}, not {type(node).__name__}")
        return node
