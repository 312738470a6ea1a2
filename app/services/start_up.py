"""What an app reads and checks as it starts: the partnership's files and the refusals.

Each of the partnership's files (flows, triage rules, the learned second opinion, the DASH
checklist, referral agencies, catalogues) is loaded here once. In development a broken one
leaves its part off, with an event logged, so the rest can be worked on; production refuses to
start instead, as it does on content that fails `flask flows check` or on contact keys that
would leave stored values unrecognised: a deployer must hear about it at start-up, not from a
survivor's unanswered message.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable

from app.config import ConfigError, Settings
from app.content import lint as flowlint
from app.content import second_opinion, second_opinion_map
from app.content.agencies import Agencies, load_agencies
from app.content.catalogues import Catalogues
from app.content.checklist import Checklist, load_checklist
from app.content.local_services import services_warnings
from app.crypto import ContactHasher
from app.flows import Flow, FlowError, load_flows
from app.flows.learned import SecondOpinion, SecondOpinionError
from app.flows.loader import read_yaml
from app.flows.triage import TriageRuleError, TriageRules, parse_rules
from app.lifecycle import rotation
from app.private_files import private_folder
from app.storage.db import Database

log = logging.getLogger(__name__)
TRIAGE_FILE = "triage.yaml"


def refuse_unchecked_content(settings: Settings, catalogues: Catalogues) -> None:
    """Production does not start with content that fails `flask flows check`.

    A text that breaks the lock-screen rule or a message with no text would reach survivors;
    the deployer must hear about it now, with every problem named.

    The check compiles every triage pattern, and the patterns' cache (app/flows/wording.py)
    would keep them for the life of the process: 20-30 MiB in an RQ worker that otherwise
    never reads a message (issue 22, item 6). So it runs in a forked child, which reports the
    problems and exits; the process that starts keeps nothing of it. If the child cannot
    report, the start is refused: an unchecked start is the one outcome not allowed.
    """
    # Not refused, but said at start-up too: a services text under a language the deployment
    # does not offer may be a slip ("pa" for "ur") that leaves those survivors the default's.
    for where, why in services_warnings(settings.deployment):
        log.warning("event=start.services_language_not_offered where=%r why=%r", where, why)
    errors = _errors_in_a_child(lambda: [str(problem) for problem in flowlint.check(
        settings.flows_path, catalogues, settings.deployment.default_language,
        settings.deployment.organisation_name, settings.deployment.languages,
        deployment=settings.deployment) if not problem.warning])
    if errors:
        listed = "; ".join(errors[:10])
        raise ConfigError(f"flows check failed ({len(errors)} problems): {listed}")


def _errors_in_a_child(check: Callable[[], list[str]]) -> list[str]:
    """`check()` run in a forked child; its list comes back through a pipe as JSON."""
    incoming, outgoing = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The child: never return into the parent's code (its atexit handlers, its pools).
        code = 0
        try:
            os.close(incoming)
            try:
                report: dict[str, object] = {"errors": check()}
            except Exception as error:  # noqa: BLE001 -- named to the parent, which refuses
                report = {"failed": f"{type(error).__name__}: {error}"}
            with os.fdopen(outgoing, "w", encoding="utf-8") as out:
                json.dump(report, out)
        except BaseException:  # noqa: BLE001 -- the parent sees no report and refuses
            code = 1
        finally:
            os._exit(code)
    os.close(outgoing)
    with os.fdopen(incoming, encoding="utf-8") as reader:
        text = reader.read()
    os.waitpid(pid, 0)
    try:
        received = json.loads(text)
    except ValueError:
        received = {"failed": "the check stopped without a report"}
    if "failed" in received:
        raise ConfigError(f"flows check could not run ({received['failed']}): run "
                          "`flask flows check` to see why")
    return [str(error) for error in received["errors"]]


def refuse_unlisted_contact_keys(database: Database, hasher: ContactHasher) -> None:
    """Production does not start when stored contact values were made by a contact key that
    is no longer in QUIETLINE_CONTACT_KEY.

    Those values are no longer recognised: an opt-out (STOP) or a resume word under them would
    silently stop holding, and the survivor's earlier conversation would not be found. The key
    was removed before `flask keys rotate-contacts` said nothing was left under it; the
    deployer, who has just restarted, must hear it now. (While the web tier is down, nginx
    answers survivors with the emergency options: docs/deploy.md.)
    """
    unlisted = rotation.unlisted_contacts(database, hasher)
    if unlisted:
        raise ConfigError(
            f"{unlisted} stored contact values were made by a key no longer listed in "
            "QUIETLINE_CONTACT_KEY: opt-outs and resume words under it would not be "
            "recognised. Put the removed key back (after the new one), restart, run "
            "`flask keys rotate-contacts`, and remove it only when that says nothing is left.")


def refuse_unwritable_instance(settings: Settings) -> None:
    """Production does not start when QUIETLINE_INSTANCE cannot be written.

    The daily retention run writes its signed report there, and the fail-safe writes a
    message it could not store when Redis is down too (`spool`): in a folder the service may
    not write, the report fails after the purge and that message is lost. The example systemd
    units let the service write only /var/lib/quietline (docs/deploy.md), so an instance left
    at its default beside the code would be read-only; the deployer must hear it now.
    """
    folder = settings.instance_path
    try:
        private_folder(folder)
        probe = folder / f".writable-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"QUIETLINE_INSTANCE: {folder} cannot be written ({type(exc).__name__}): the "
            "retention reports and the fail-safe's spool go there; set it to a folder the "
            "service's user owns, e.g. /var/lib/quietline (docs/deploy.md)") from exc


def load_conversation_flow(settings: Settings) -> Flow | None:
    """The flows, or None in development when they are broken (every reply is the fail-safe).

    Production refuses to start instead: a deployer must find out at start-up, not from a
    survivor's unanswered message.
    """
    deployment = settings.deployment
    try:
        return load_flows(settings.flows_path,
                          extra_words={k: list(v) for k, v in deployment.extra_keywords.items()},
                          duress_words=deployment.duress_words)
    except FlowError as error:
        if settings.production:
            raise
        log.error("event=flows.invalid source=%s where=%s", error.source, error.where)
        return None


def load_triage(settings: Settings, *, screens: bool = True) -> TriageRules | None:
    """The triage rules, or None in development when they are broken (triage is then off;
    requests for a person still escalate). `screens`: see `parse_rules`."""
    try:
        return parse_rules(read_yaml(settings.flows_path / TRIAGE_FILE),
                           str(settings.flows_path / TRIAGE_FILE), screens=screens)
    except (FlowError, TriageRuleError) as error:
        if settings.production:
            raise
        log.error("event=triage.invalid error=%s", type(error).__name__)
        return None


def load_second_opinion(settings: Settings) -> SecondOpinion | None:
    """The learned second opinion when the deployment turns it on (`[triage]
    second_opinion`), else None. A missing or broken file refuses to start in production
    (the partnership asked for it) and leaves it off in development.

    At `[triage] urgent_sensitivity = "higher"` it reads urgent at the file's lower
    `higher_urgent` threshold; a file without one refuses the start in development too,
    since quietly reading at the standard threshold would find fewer urgent messages than the
    partnership chose."""
    if not settings.deployment.second_opinion:
        return None
    try:
        # Mapped, so every process of the stack shares one copy of the weights (issue 22,
        # item 6: the whole stack in 300 MiB).
        opinion = second_opinion.load(settings.flows_path, mapped_in=second_opinion_map.FOLDER)
    except SecondOpinionError as error:
        if settings.production:
            raise
        log.error("event=second_opinion.invalid error=%s", type(error).__name__)
        return None
    sensitivity = settings.deployment.urgent_sensitivity
    if sensitivity == "higher":
        try:
            opinion = opinion.more_sensitive()
        except SecondOpinionError as error:
            raise ConfigError(
                f"{settings.deployment.source}: triage.urgent_sensitivity = \"higher\" needs a "
                f"higher_urgent threshold in {settings.flows_path / second_opinion.FILE}, "
                "which it does not have (a retrained model has none until "
                "`python bench/second_opinion.py --write-higher` writes its curve's); set "
                "\"standard\" or write it (docs/deploy.md)") from error
    # Said once as each process starts: which threshold reads urgent (no message, no score).
    log.info("event=second_opinion.sensitivity sensitivity=%s urgent_threshold=%.3f",
             sensitivity, opinion.thresholds["urgent"])
    return opinion


def load_risk_checklist(settings: Settings) -> Checklist | None:
    """The DASH checklist, or None in development when it is broken (advocates are told the
    form is unavailable). Production refuses to start instead (`refuse_unchecked_content`)."""
    try:
        return load_checklist(settings.flows_path)
    except FlowError as error:
        if settings.production:
            raise
        log.error("event=checklist.invalid where=%s", error.where)
        return None


def load_referral_agencies(settings: Settings) -> Agencies | None:
    """The referral agencies, or None in development when the file is broken (advocates are
    told referrals are unavailable). Production refuses to start instead."""
    try:
        return load_agencies(settings.flows_path)
    except FlowError as error:
        if settings.production:
            raise
        log.error("event=agencies.invalid where=%s", error.where)
        return None


def load_catalogues(settings: Settings, domain: str = "messages") -> Catalogues:
    try:
        return Catalogues.load(settings.translations_path,
                               settings.deployment.default_language, domain)
    except Exception as error:
        if settings.production:
            raise
        log.error("event=translations.invalid error=%s", type(error).__name__)
        return Catalogues({}, settings.deployment.default_language)
