"""Production refuses to start when QUIETLINE_INSTANCE cannot be written (app/services/
start_up.py): the retention run's signed report and the fail-safe's spool go there, and the
example systemd units let the service write nowhere but /var/lib/quietline (docs/deploy.md).

The tests run as root, which writes through any mode bits, so the unwritable folder here is
one whose parent is a file: no account can make a folder there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import ConfigError, Settings, load_settings
from app.crypto import generate_key_token
from app.services import build_services, refuse_unwritable_instance

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def production(tmp_path: Path, instance: Path) -> Settings:
    deployment = tmp_path / "deployment.toml"
    shutil.copyfile(PROJECT_ROOT / "config" / "demo.toml", deployment)
    return load_settings({
        "QUIETLINE_ENV": "production", "QUIETLINE_CONFIG": str(deployment),
        "QUIETLINE_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quietline.sqlite3'}",
        "SECRET_KEY": generate_key_token(), "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "TWILIO_AUTH_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "TWILIO_ACCOUNT_SID": "AC" + "1f" * 16, "PUBLIC_BASE_URL": "https://sms.example.org",
        "QUIETLINE_STAFF_HOST": "staff.example.org"})


def unwritable(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    return blocker / "instance"


def test_an_instance_folder_that_cannot_be_made_is_refused_naming_the_setting(
        tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIETLINE_INSTANCE"):
        refuse_unwritable_instance(production(tmp_path, unwritable(tmp_path)))


def test_a_writable_instance_folder_is_made_private_and_left_empty(tmp_path: Path) -> None:
    instance = tmp_path / "var" / "lib" / "quietline"
    refuse_unwritable_instance(production(tmp_path, instance))
    assert instance.is_dir()
    assert list(instance.iterdir()) == []
    assert instance.stat().st_mode & 0o077 == 0


def test_a_production_start_with_an_unwritable_instance_is_refused(tmp_path: Path) -> None:
    # Before the flows check and Redis: the refusal names the folder, not a later symptom.
    with pytest.raises(ConfigError, match="QUIETLINE_INSTANCE"):
        build_services(production(tmp_path, unwritable(tmp_path)))
