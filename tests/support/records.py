"""Case records for tests: a deployment that keeps notes after erasure, erasing by SMS, and
the audit rows a case's records wrote."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent
from tests.support.twilio_signing import TwilioSigner

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.toml"


def deployment_with(tmp_path: Path, **casework: object) -> str:
    """The demo deployment file with settings of its `[casework]` table changed (TOML
    values, e.g. keep_notes_after_erasure="true"); returns its path."""
    text = DEMO.read_text(encoding="utf-8")
    for name, value in casework.items():
        line = re.search(rf"^{name} = .*$", text, flags=re.MULTILINE)
        assert line is not None, f"demo.toml has no {name} setting"
        text = text.replace(line.group(0), f"{name} = {value}")
    path = tmp_path / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def erase_by_sms(twilio: TwilioSigner, sender: str = "+447700900123") -> None:
    """The survivor deletes the conversation ("delete", then "1" to confirm)."""
    twilio.sms("delete", sender=sender)
    assert "This conversation will be deleted" in twilio.sms("1", sender=sender).get_data(
        as_text=True)


def audit_rows(app: Flask, *actions: str) -> list[AuditEvent]:
    with app.app_context(), services().database.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if actions:
            query = query.where(AuditEvent.action.in_(actions))
        return list(session.scalars(query))
