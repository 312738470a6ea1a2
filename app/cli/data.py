"""`flask db`, `keys`, `flows`, `retention`, `audit` and `report`: the data and its checks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from app import crypto, hours
from app.audit import chain as audit_chain
from app.audit import read as audit_log
from app.content import lint as flowlint
from app.content import second_opinion
from app.lifecycle import retention, rotation
from app.private_files import write_private_text
from app.reporting import figures as report
from app.services import services

db_cli = AppGroup("db", help="Create or migrate the database.")
keys_cli = click.Group("keys", help="Encryption keys.")
flows_cli = AppGroup("flows", help="Conversation flows and their texts.")
retention_cli = AppGroup("retention", help="Deleting what is past the retention period.")
audit_cli = AppGroup("audit", help="The audit trail: check it, export it.")


@click.command("report")
@click.option("--from", "start", help="First day, e.g. 2026-11-01 (default: the first day of "
              "the last full calendar month).")
@click.option("--to", "end", help="Last day, inclusive (default: the last day of the last "
              "full calendar month).")
@click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--threshold", type=click.IntRange(min=2), default=report.DEFAULT_THRESHOLD,
              show_default=True, help="Counts below this are suppressed.")
@with_appcontext
def report_command(start: str | None, end: str | None, kind: str, threshold: int) -> None:
    """The partnership's anonymised figures for a date range (counts only); without --from and
    --to, for the last full calendar month in the deployment's time zone."""
    built = services()
    opening = built.settings.deployment.opening_hours
    if start is None and end is None:
        first, last = report.last_full_month(built.clock(), opening.timezone)
        # On stderr, so the CSV or JSON on stdout stays clean for a pipe or a file.
        click.echo(f"report: {first} to {last}, the last full month in {opening.timezone}",
                   err=True)
    elif start is None or end is None:
        raise click.UsageError("give both --from and --to, or neither for the last full month")
    else:
        try:
            first, last = report.date_range(
                start, end, hours.local_today(built.clock(), opening.timezone))
        except report.ReportRangeError as error:
            raise click.ClickException(str(error)) from error
    figures = report.build(built.database, first, last, timezone=opening.timezone,
                           threshold=threshold)
    click.echo(report.as_csv(figures) if kind == "csv" else report.as_json(figures), nl=False)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Seal what is due, then walk the whole hash chain; non-zero exit if it is broken."""
    built = services()
    audit_chain.seal(built.database, built.chain_key, built.clock())
    verdict = audit_chain.verify(built.database, built.chain_key)
    if not verdict.intact:
        raise click.ClickException(f"the audit trail is broken at entry {verdict.broken_at}: "
                                   f"{verdict.why}")
    click.echo(f"audit trail intact: {verdict.checked} entries sealed and checked, "
               f"{verdict.unsealed} too recent to seal yet")


@audit_cli.command("export")
@click.option("--from", "start", help="First day, e.g. 2026-12-01.")
@click.option("--to", "end", help="Last day, inclusive.")
@click.option("--case", help="One case's number.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV here instead of standard output.")
def audit_export(start: str | None, end: str | None, case: str | None,
                 output: Path | None) -> None:
    """The audit trail as CSV: who did what to which case, when and why; no content."""
    built = services()
    # Disabled accounts too: the trail names who read a case after they have left.
    names = built.accounts.names(disabled_too=True)
    try:
        filters = audit_log.Filters.parse(
            {"from": start or "", "to": end or "", "case": case or ""},
            {email: i for i, email in names.items()},
            built.settings.deployment.opening_hours.timezone)
    except audit_log.FilterError as error:
        raise click.ClickException(str(error)) from error
    text = audit_log.as_csv(audit_log.entries(built.database, filters,
                                              limit=audit_log.MAX_EXPORT), names)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_private_text(output, text)  # names advocates: the operator's eyes only
        click.echo(f"written to {output}")


@retention_cli.command("purge")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed report (default: instance/retention-reports/).")
def retention_purge(report_path: Path | None) -> None:
    """Erase every conversation quiet for longer than the deployment's retention days."""
    built = services()
    days = built.settings.deployment.retention_days
    due, _kept = retention.expired(built.database, built.clock() - timedelta(days=days))
    with click.progressbar(length=len(due), label=f"Erasing conversations older than "
                                                  f"{days} days") as bar:
        path = report_path or retention.default_report_path(built.settings.instance_path,
                                                            built.clock())
        report = built.purge_expired(path, progress=bar.update)
    click.echo(f"{report.conversations_deleted} conversations erased, "
               f"{report.provider_copies_queued} provider copies queued for deletion, "
               f"{report.kept_open_cases} kept because their case is still open. "
               f"Signed report: {path}")


@retention_cli.command("verify")
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def retention_verify(report_file: Path) -> None:
    """Check that a retention report is exactly as this service signed it."""
    try:
        fields = retention.verify_report(report_file.read_text(encoding="utf-8"),
                                         services().report_signer)
    except retention.ReportInvalid as error:
        raise click.ClickException(f"{report_file}: {error}") from error
    click.echo(f"{report_file}: valid. {fields['conversations_deleted']} conversations erased "
               f"on {fields['finished']}.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema (safe to run again)."""
    # Imported here: alembic (with mako and pygments) costs every process that builds the
    # app about 10 MiB, and only this command uses it (bench/memory.py).
    from app.storage import migrate  # noqa: PLC0415

    engine = services().database.engine
    migrate.upgrade(engine)
    click.echo(f"database at revision {migrate.current_revision(engine)}")


@keys_cli.command("rotate")
@click.option("--batch", default=rotation.BATCH, show_default=True,
              help="Keys re-wrapped per transaction.")
@with_appcontext
def keys_rotate(batch: int) -> None:
    """Re-wrap every stored data key under the newest key in QUIETLINE_DATA_KEYS.

    Run it after putting a new key first in QUIETLINE_DATA_KEYS; when it has finished, the
    old key can be removed. Safe to interrupt and run again: it continues where it stopped.
    """
    built = services()
    total = rotation.count(built.database)
    with click.progressbar(length=total, label="Re-wrapping data keys") as bar:
        done = rotation.rotate(built.database, built.keyring, batch=batch, progress=bar.update)
    click.echo(f"{done.rewrapped} data keys re-wrapped under key {built.keyring.newest_id}, "
               f"{done.already} already were; {done.total} in all.")


@keys_cli.command("rotate-contacts")
@click.option("--batch", default=rotation.BATCH, show_default=True,
              help="Contacts re-keyed per transaction.")
@with_appcontext
def keys_rotate_contacts(batch: int) -> None:
    """Move every stored contact look-up value to the newest key in QUIETLINE_CONTACT_KEY.

    Run it after putting a new key first in QUIETLINE_CONTACT_KEY (and restarting every
    process); remove the old key only when it reports nothing left. Safe to interrupt and run
    again: it continues where it stopped.
    """
    built = services()
    hasher = built.conversations.hasher
    total = len(rotation.pending_contacts(built.database, hasher))
    with click.progressbar(length=total, label="Re-keying contacts") as bar:
        done = rotation.rotate_contacts(built.database, hasher, built.keyring, batch=batch,
                                        progress=bar.update)
    click.echo(f"{done.rekeyed} contacts re-keyed under key {hasher.newest_id}, "
               f"{done.left} could not be (no stored number: they move when they next write, "
               f"while the old key is listed).")
    if done.legacy_words:
        click.echo(f"{done.legacy_words} resume words were set before re-keyable values: they "
                   "are checked with the key that made them, and re-keyed when the survivor "
                   "next gives or sets their word. Keep that key listed until this is 0.")
    if not done.left and not done.legacy_words:
        click.echo("Nothing is stored under an older contact key: it can be removed.")


@keys_cli.command("rotate-secret")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Retention reports to re-sign (default: instance/retention-reports/).")
@with_appcontext
def keys_rotate_secret(reports_dir: Path | None) -> None:
    """Re-seal the audit trail and re-sign retention reports under the newest SECRET_KEY.

    Run it after putting a new key first in SECRET_KEY (and restarting every process). It
    checks the whole audit chain under the listed keys first and changes nothing if it is
    broken. Afterwards the old key can be removed (sessions and chat tokens signed under it
    end then).
    """
    built = services()
    audit_chain.seal(built.database, built.chain_key, built.clock())
    verdict = audit_chain.reseal(built.database, built.chain_key)
    if not verdict.intact:
        raise click.ClickException(f"the audit trail is broken at entry {verdict.broken_at}: "
                                   f"{verdict.why}; nothing was re-sealed")
    directory = reports_dir or built.settings.instance_path / "retention-reports"
    resigned, invalid = retention.resign_reports(directory, built.report_signer)
    click.echo(f"audit trail re-sealed: {verdict.checked} entries; {resigned} retention "
               f"reports re-signed in {directory}.")
    if invalid:
        listed = ", ".join(path.name for path in invalid)
        raise click.ClickException(f"these reports do not verify and were left as they are: "
                                   f"{listed}")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new random key for QUIETLINE_DATA_KEYS or QUIETLINE_CONTACT_KEY (a SECRET_KEY
    can be one too)."""
    click.echo(crypto.generate_key_token())


@flows_cli.command("train-second-opinion")
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--choice", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("bench/results/second-opinion-cv.json"), show_default=True,
              help="N-gram sizes, smoothing and thresholds chosen by bench/second_opinion.py.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default: second_opinion.json in the flows folder).")
@with_appcontext
def flows_train_second_opinion(folders: tuple[Path, ...], choice: Path, out: Path | None
                               ) -> None:
    """Retrain the learned second opinion (flows/second_opinion.json) from FOLDERS/*.yaml,
    labelled messages in eval/README.md's format (`make second-opinion`: eval/messages/dev
    and eval/messages/opened). Never from a held-out folder."""
    target = out or services().settings.flows_path / second_opinion.FILE
    try:
        taught = second_opinion.retrain(
            folders, json.loads(choice.read_text(encoding="utf-8")), target,
            f"flask --app wsgi flows train-second-opinion {' '.join(map(str, folders))} "
            f"--choice {choice}")
    except (ValueError, KeyError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"taught from {taught} messages; written to {target}")


@flows_cli.command("check")
@click.option("--verbose", is_flag=True, help="List every text's SMS encoding and segments.")
@click.option("--summary", is_flag=True, help="Errors in full, but the texts awaiting a "
              "translator's confirmation as one line (what `make run` prints).")
def flows_check(verbose: bool, summary: bool) -> None:
    """Validate every flow and every outbound text; exit non-zero naming each problem."""
    built = services()
    problems = flowlint.check(
        built.settings.flows_path,
        built.catalogues,
        built.settings.deployment.default_language,
        built.settings.deployment.organisation_name,
        built.settings.deployment.languages,
        page_words=built.web_catalogues,
        deployment=built.settings.deployment,
    ) + flowlint.deployment_problems(built.settings.deployment)
    lines = (flowlint.summary(problems, details="flask --app wsgi flows check") if summary
             else [str(problem) for problem in problems])
    for line in lines:
        click.echo(line, err=True)
    report = flowlint.encodings(built.catalogues)
    if verbose:
        for language, message_id, encoding in report:
            click.echo(f"{language:3} {message_id:28} {encoding.name} {encoding.units:4} units "
                       f"{encoding.segments} segment(s)")
    errors = [p for p in problems if not p.warning]
    if errors:
        raise click.exceptions.Exit(1)
    longest = max((e.segments for _, _, e in report), default=0)
    ucs2 = sum(1 for _, _, e in report if e.name == "UCS-2")
    click.echo(f"flows and texts OK in {', '.join(built.catalogues.languages)}: "
               f"{len(report)} texts, {ucs2} need UCS-2, longest {longest} segment(s), "
               f"{len(problems)} warning(s)")
