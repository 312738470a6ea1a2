"""The partnership's deployment file: who they are, what they offer, when someone is there.

This is the part of the configuration a partnership owns and edits (organisation name,
languages, local services, opening hours, exit URL, retention), as opposed to the secrets and
endpoints that operators set in the environment (`app.config`). It is TOML so that it can be
read with the standard library and commented freely by the people who keep it.

Phone numbers of services live here and never in code: numbers change, and a partnership must
be able to re-check and correct them without a release (see docs/uk-services.md).

`load_deployment` and `Deployment` are here; each section's typed value and the function that
reads it are in `sections`, the checks that nothing on the cover or the chat page names the
service in `cover`, and the key look-up whose every refusal names the file and the key
(`DeploymentConfigError`) in `reader`.

May import: `app.cover_sites` (the built-in covers a deployment picks from) and the standard
library; it is foundation, so nothing else of the app.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.cover_sites import CoverSite, default_cover
from app.deployment.cover import cover_site, person_label
from app.deployment.reader import E164, DeploymentConfigError, Reader
from app.deployment.sections import (
    CaseworkPolicy,
    FloodLimits,
    LocalService,
    OpeningHours,
    ReturnCodeLimits,
    StaffPolicy,
    casework_policy,
    extra_keywords,
    flood_limits,
    local_service,
    opening_hours,
    return_code_limits,
    staff_policy,
)

__all__ = ["LANGUAGE_MODELS", "URGENT_SENSITIVITIES", "Deployment", "DeploymentConfigError",
           "load_deployment", "parse_deployment"]

# The first is the default (app/content/language.py says what each is).
LANGUAGE_MODELS = ("ngrams", "accurate", "small")
# `[triage] urgent_sensitivity`: the first is the default (the second opinion's own urgent
# threshold); "higher" reads urgent at the lower threshold its file holds beside it.
URGENT_SENSITIVITIES = ("standard", "higher")


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
    # `[triage] urgent_sensitivity`: "higher" makes the second opinion read urgent at the lower
    # threshold flows/second_opinion.json measured for it (`higher_urgent`): more urgent
    # messages found, more calm ones read urgent (docs/deploy.md has the held-out figures).
    # It only lowers the urgent threshold, so it only ever raises; the person one is untouched.
    urgent_sensitivity: str = URGENT_SENSITIVITIES[0]
    source: str = field(default="", compare=False)

    def warnings(self) -> list[str]:
        """What is allowed but leaves survivors worse off; said at start-up and by
        `flask flows check`, never a refusal (a partnership without a rota can still run)."""
        found = []
        if not self.staff.on_call_sms:
            found.append(f"{self.source}: advocates.on_call_sms: no on-call phone; out of hours "
                         "an urgent case alerts no one until the team is back")
        if self.urgent_sensitivity != URGENT_SENSITIVITIES[0] and not self.second_opinion:
            found.append(f"{self.source}: triage.urgent_sensitivity: "
                         f"{self.urgent_sensitivity!r} changes nothing while "
                         "triage.second_opinion is false")
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
    reader = Reader(raw, source)
    languages = tuple(reader.get("languages.enabled", list, ["en"]))
    default_language = reader.get("languages.default", str, "en")
    if default_language not in languages:
        reader.fail("languages.default", f"{default_language!r} is not in languages.enabled")
    numbers = tuple(reader.get("sms.numbers", list, []))
    for number in numbers:
        if not isinstance(number, str) or not E164.match(number):
            reader.fail("sms.numbers", f"{number!r} is not an E.164 number like +447700900123")
    language_models = reader.get("languages.models", str, LANGUAGE_MODELS[0])
    if language_models not in LANGUAGE_MODELS:
        reader.fail("languages.models", f"must be one of {', '.join(LANGUAGE_MODELS)}")
    urgent_sensitivity = reader.get("triage.urgent_sensitivity", str, URGENT_SENSITIVITIES[0])
    if urgent_sensitivity not in URGENT_SENSITIVITIES:
        reader.fail("triage.urgent_sensitivity",
                    f"must be one of {', '.join(map(repr, URGENT_SENSITIVITIES))}")
    exit_url = reader.get("webchat.exit_url", str, "https://www.bbc.co.uk/weather")
    if not exit_url.startswith("https://"):
        reader.fail("webchat.exit_url", "must be an https:// address")
    return Deployment(
        organisation_name=reader.get("organisation.name", str),
        default_language=default_language,
        languages=languages,
        sms_numbers=numbers,
        provider_handles_keywords=reader.get("sms.provider_handles_keywords", bool, True),
        conversation_idle_minutes=reader.positive("conversation.idle_minutes", 240),
        retention_days=reader.positive("retention.days", 90),
        exit_url=exit_url,
        services=tuple(local_service(reader, i, s) for i, s in enumerate(raw.get("services", []))),
        opening_hours=opening_hours(reader, raw.get("opening_hours", {})),
        extra_keywords=extra_keywords(reader, raw.get("keywords", {})),
        cover=cover_site(reader, reader.get("organisation.name", str)),
        duress_words=tuple(reader.words("conversation.duress_words",
                                        reader.get("conversation.duress_words", list, []))),
        staff=staff_policy(reader),
        person_label=person_label(reader, reader.get("organisation.name", str)),
        language_models=language_models,
        floods=flood_limits(reader),
        casework=casework_policy(reader),
        return_codes=return_code_limits(reader),
        second_opinion=reader.get("triage.second_opinion", bool, True),
        urgent_sensitivity=urgent_sensitivity,
        source=source,
    )
