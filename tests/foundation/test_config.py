"""Settings from the environment: generated in development, strict in production (app/config.py)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import stat
from pathlib import Path

import pytest

from app.config import SECRET_NAMES, ConfigError, Settings, load_settings
from app.crypto import Keyring, generate_key_token

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_DEPLOYMENT = PROJECT_ROOT / "config" / "demo.toml"


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """A complete, valid production environment with freshly generated secrets."""
    deployment = tmp_path / "deployment.toml"
    shutil.copyfile(DEMO_DEPLOYMENT, deployment)
    return {
        "QUIETLINE_ENV": "production",
        "QUIETLINE_CONFIG": str(deployment),
        "SECRET_KEY": generate_key_token(),
        "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "TWILIO_AUTH_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "TWILIO_ACCOUNT_SID": "AC" + "1f" * 16,
        "PUBLIC_BASE_URL": "https://sms.example.org/",
        "QUIETLINE_STAFF_HOST": "staff.example.org",
    }


# --- development ---------------------------------------------------------------------------


def test_development_generates_a_secrets_file(instance: Path) -> None:
    settings = load_settings({}, instance)
    stored = json.loads((instance / "dev-secrets.json").read_text(encoding="utf-8"))
    assert settings.secret_key == stored["SECRET_KEY"]
    assert settings.data_keys == (stored["QUIETLINE_DATA_KEYS"],)
    assert settings.contact_key == stored["QUIETLINE_CONTACT_KEY"]
    assert settings.twilio_auth_token == stored["TWILIO_AUTH_TOKEN"]


def test_development_secrets_file_is_readable_by_its_owner_only(instance: Path) -> None:
    load_settings({}, instance)
    mode = stat.S_IMODE((instance / "dev-secrets.json").stat().st_mode)
    assert mode == 0o600


def test_development_reuses_the_secrets_file_on_the_next_load(instance: Path) -> None:
    first = load_settings({}, instance)
    written = (instance / "dev-secrets.json").read_bytes()
    second = load_settings({}, instance)
    assert second.secret_key == first.secret_key
    assert second.data_keys == first.data_keys
    assert second.contact_key == first.contact_key
    assert (instance / "dev-secrets.json").read_bytes() == written


def test_development_marks_generated_secrets(instance: Path) -> None:
    settings = load_settings({"SECRET_KEY": "a-developer-chosen-secret-value"}, instance)
    assert settings.secret_key == "a-developer-chosen-secret-value"
    assert settings.generated_secrets == tuple(n for n in SECRET_NAMES if n != "SECRET_KEY")


def test_quietline_instance_overrides_the_instance_argument(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    settings = load_settings({"QUIETLINE_INSTANCE": str(chosen)}, tmp_path / "ignored")
    assert settings.instance_path == chosen
    assert (chosen / "dev-secrets.json").exists()
    assert not (tmp_path / "ignored").exists()


def test_development_defaults_to_sqlite_in_the_instance_folder(instance: Path) -> None:
    settings = load_settings({}, instance)
    assert settings.database_url == f"sqlite:///{instance / 'quietline.sqlite3'}"
    assert not settings.production


@pytest.mark.parametrize("env", ["staging", "Production", "prod", "test"])
def test_unknown_quietline_env_is_refused(instance: Path, env: str) -> None:
    with pytest.raises(ConfigError, match="QUIETLINE_ENV"):
        load_settings({"QUIETLINE_ENV": env}, instance)


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["QUIETLINE_DATA_KEYS", "QUIETLINE_CONTACT_KEY"])
def test_malformed_key_is_refused_naming_the_variable(instance: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: "not-a-quietline-key-at-all"}, instance)


def test_malformed_second_key_in_the_keyring_is_refused(instance: Path) -> None:
    keys = f"{generate_key_token()},qlk1_tooshort"
    with pytest.raises(ConfigError, match="QUIETLINE_DATA_KEYS"):
        load_settings({"QUIETLINE_DATA_KEYS": keys}, instance)


def test_two_comma_separated_keys_parse_newest_first(instance: Path) -> None:
    new, old = generate_key_token(), generate_key_token()
    settings = load_settings({"QUIETLINE_DATA_KEYS": f" {new} , {old} "}, instance)
    assert settings.data_keys == (new, old)
    assert Keyring(settings.data_keys).newest_id == Keyring([new]).newest_id


# --- production ------------------------------------------------------------------------------


def test_complete_production_environment_loads(production: dict[str, str]) -> None:
    settings = load_settings(production)
    assert settings.production
    assert settings.generated_secrets == ()
    assert settings.public_base_url == "https://sms.example.org"
    assert settings.deployment.source == production["QUIETLINE_CONFIG"]


def test_production_writes_no_development_secrets(
    production: dict[str, str], instance: Path
) -> None:
    load_settings(production, instance)
    assert not (instance / "dev-secrets.json").exists()


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_production_refuses_a_missing_secret_naming_it(
    production: dict[str, str], name: str
) -> None:
    del production[name]
    with pytest.raises(ConfigError, match=name):
        load_settings(production)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_production_refuses_a_blank_secret_naming_it(
    production: dict[str, str], name: str
) -> None:
    production[name] = "   "
    with pytest.raises(ConfigError, match=name):
        load_settings(production)


@pytest.mark.parametrize("value", ["change-me", "Development"])
@pytest.mark.parametrize("name", SECRET_NAMES)
def test_production_refuses_a_demo_secret_naming_it(
    production: dict[str, str], name: str, value: str
) -> None:
    production[name] = value
    with pytest.raises(ConfigError, match=name):
        load_settings(production)


def test_production_refuses_a_short_secret(production: dict[str, str]) -> None:
    production["SECRET_KEY"] = "fifteen-chars!!"
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(production)


def test_production_requires_quietline_config(production: dict[str, str]) -> None:
    del production["QUIETLINE_CONFIG"]
    with pytest.raises(ConfigError, match="QUIETLINE_CONFIG"):
        load_settings(production)


def test_invalid_deployment_file_is_a_config_error_naming_the_file(
    production: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[organisation\n", encoding="utf-8")
    production["QUIETLINE_CONFIG"] = str(broken)
    with pytest.raises(ConfigError, match="broken.toml"):
        load_settings(production)


@pytest.mark.parametrize(
    "url", [None, "http://sms.example.org", "sms.example.org", "ftp://sms.example.org"]
)
def test_production_requires_an_https_public_base_url(
    production: dict[str, str], url: str | None
) -> None:
    if url is None:
        del production["PUBLIC_BASE_URL"]
    else:
        production["PUBLIC_BASE_URL"] = url
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_settings(production)


@pytest.mark.parametrize("sid", [None, "", "AC" + "0" * 32])
def test_production_requires_a_real_twilio_account_sid(
    production: dict[str, str], sid: str | None
) -> None:
    if sid is None:
        del production["TWILIO_ACCOUNT_SID"]
    else:
        production["TWILIO_ACCOUNT_SID"] = sid
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_settings(production)


def test_production_refuses_a_malformed_data_key_naming_the_variable(
    production: dict[str, str],
) -> None:
    production["QUIETLINE_DATA_KEYS"] = "a-long-but-malformed-key-value"
    with pytest.raises(ConfigError, match="QUIETLINE_DATA_KEYS"):
        load_settings(production)


def test_config_error_does_not_echo_the_secret(production: dict[str, str]) -> None:
    production["QUIETLINE_CONTACT_KEY"] = "qlk1_almost-a-real-key-but-not-quite"
    with pytest.raises(ConfigError) as caught:
        load_settings(production)
    assert "almost-a-real-key" not in str(caught.value)


# --- the result ------------------------------------------------------------------------------


def test_settings_are_frozen(instance: Path) -> None:
    settings: Settings = load_settings({}, instance)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.secret_key = "replaced"  # type: ignore[misc]  # the point: it must refuse
