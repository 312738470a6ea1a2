"""The deployment's local services as a reply lists them (`{services}`), in the reply's
language, and what `flask flows check` says about every reply that lists them.

A service's name, hours and description may be written per language in the deployment file
(app/deployment/sections.py); a language without its own text gets the default language's,
else English, the order the catalogues fall back in. In a right-to-left language each phone
number is isolated left-to-right (app/content/numbers.py), as the catalogues write theirs:
the number comes from one field shared by every language, so the code isolates it here.

The catalogue check measures each text with `{services}` empty; the lines are the
partnership's, so only here, with the deployment in hand, is the reply a survivor gets
checked whole: the lock-screen rule (a translated name early in the reply could show
"refuge" on a lock screen), numbers isolated in right-to-left text, and the segment limit.
Pure: no I/O.
"""

from __future__ import annotations

from babel import localedata

from app.content.catalogues import Catalogues
from app.content.lockscreen import LockScreenRule, direction_overrides
from app.content.numbers import RIGHT_TO_LEFT, isolated, unisolated_numbers
from app.content.segments import encoding_of
from app.deployment import Deployment

PLACEHOLDER = "{services}"
# The catalogue texts a reply lists the services in (the menu's "2", the advocates' canned
# reply): the services are written in the language the text itself is sent in.
NAMES_SERVICES = frozenset({"services.list", "canned.services"})


def services_text(deployment: Deployment, language: str | None) -> str:
    """The deployment's services, one a line ("name: number (hours)"), in `language`."""
    default = deployment.default_language
    return "\n".join(
        f"{service.worded('name', language, default)}: {isolated(service.phone, language)} "
        f"({service.worded('hours', language, default)})"
        for service in deployment.services)


def services_problems(catalogues: Catalogues, deployment: Deployment,
                      rule: LockScreenRule) -> list[tuple[str, str]]:
    """(where, why) for each catalogue text that lists the services, filled with this
    deployment's services in its language, that breaks a rule `flows check` holds every
    outbound text to."""
    problems = _unknown_languages(catalogues, deployment)
    for language in catalogues.languages:
        listed = services_text(deployment, language)
        for message_id, text in catalogues.messages(language):
            if PLACEHOLDER not in text:
                continue
            whole = catalogues.text(language, message_id, {"services": listed})
            where = f"{deployment.source}: [[services]] in {message_id} [{language}]"
            banned = rule.violations(language, whole)
            if banned:
                problems.append((where, f"shows {', '.join(banned)} in the first "
                                        f"{rule.preview} characters (lock-screen rule): "
                                        "reorder the services or reword the first one's name"))
            overrides = direction_overrides(whole)
            if overrides:
                problems.append((where, f"holds {', '.join(overrides)}, which makes a phone "
                                        "show the name or number after it in another order: "
                                        "retype that text rather than pasting it"))
            encoding = encoding_of(whole)
            if encoding.segments > rule.max_segments:
                problems.append((where, f"takes {encoding.segments} SMS segments "
                                        f"({encoding.name}); the limit is {rule.max_segments}"))
            if language in RIGHT_TO_LEFT:
                problems.extend((where, f"has the number {number!r} without isolates: in a "
                                        "right-to-left text write it as U+2066, its digit "
                                        "groups joined by no-break spaces, U+2069")
                                for number in unisolated_numbers(whole))
    return problems


def _unknown_languages(catalogues: Catalogues, deployment: Deployment) -> list[tuple[str, str]]:
    """A service's text under a code that is no language at all: a typo ("ue" for "ur") that
    would leave that language's survivors the English. A real language the deployment does not
    enable is warned of, not refused (`services_warnings`): a partnership may turn one off and
    keep its texts (the catalogues loaded here are only the enabled ones', so "shipped" cannot
    be told apart from "typed by mistake" here)."""
    known = set(catalogues.languages) | set(deployment.languages)
    return [(f"{deployment.source}: services[{index}].{field}.{language}",
             f"{language!r} is no language code (the enabled ones: "
             f"{', '.join(deployment.languages)})")
            for index, service in enumerate(deployment.services)
            for field, texts in service.translations.items()
            for language in texts
            if language not in known and not localedata.exists(language)]


def services_warnings(deployment: Deployment) -> list[tuple[str, str]]:
    """(where, why) once for each language the services have texts in that the deployment
    does not enable: shown to no survivor, and perhaps a slip for an enabled language ("pa"
    for "ur"), whose survivors then get the default language's text. A warning, not a
    refusal: a copy of the demo file with fewer languages enabled keeps the others' texts."""
    unserved: dict[str, list[str]] = {}
    for index, service in enumerate(deployment.services):
        for field, texts in service.translations.items():
            for language in texts:
                if language not in deployment.languages:
                    unserved.setdefault(language, []).append(f"services[{index}].{field}")
    return [(f"{deployment.source}: services ({', '.join(places)}).{language}",
             f"texts in {language!r}, which this deployment does not offer (it offers "
             f"{', '.join(deployment.languages)}): no survivor sees them; if another language "
             "was meant, its survivors get the default language's text")
            for language, places in sorted(unserved.items())]
