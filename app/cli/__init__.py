"""The command line (`flask --app wsgi ...`): an edge that parses, calls a service, prints.

`data` holds the database, keys, flows check, retention, audit and report commands;
`accounts` the advocates' accounts; `sms` the development `sms try`. The `keys` group is also
a Flask CLI plugin (pyproject.toml), so `flask keys generate` works before any key exists.

May import: `app.services` and everything below it; never another edge.
"""

from __future__ import annotations

from flask import Flask

from app.cli.accounts import advocates_cli
from app.cli.data import audit_cli, db_cli, flows_cli, keys_cli, report_command, retention_cli
from app.cli.sms import sms_cli

__all__ = ["init_app", "keys_cli"]


def init_app(app: Flask) -> None:
    # keys_cli is registered as a plugin (pyproject.toml), so it works without settings.
    for group in (db_cli, flows_cli, sms_cli, advocates_cli, retention_cli, audit_cli):
        app.cli.add_command(group)
    app.cli.add_command(report_command)
