"""Settings: parsed once from the environment, typed, frozen, and strict in production.

This is the only module that reads `os.environ` (through `settings_from_environment`); every
other module receives a `Settings`. A missing or demo secret in production stops the service at
start-up with the name of the setting, because a survivor's data encrypted under a published
demo key is not encrypted at all.

In development the secrets a developer would otherwise have to invent are generated once into
`instance/dev-secrets.json` (git-ignored), so `make run` works on a fresh machine.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from app import crypto
from app.deployment import Deployment, load_deployment
from app.private_files import private_folder

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "demo.toml"
DEFAULT_FLOWS = PROJECT_ROOT / "flows"
DEFAULT_TRANSLATIONS = PROJECT_ROOT / "translations"

# Values that appear in our documentation and examples. They are public, so they are never
# acceptable as secrets in production.
DEMO_SECRETS = frozenset({"", "change-me", "changeme", "demo", "dev", "secret", "development"})
SECRET_NAMES = ("SECRET_KEY", "QUIETLINE_DATA_KEYS", "QUIETLINE_CONTACT_KEY", "TWILIO_AUTH_TOKEN")
# Written into the instance folder by `make run` while its web server runs (scripts/run.py):
# where it listens and the PUBLIC_BASE_URL it checks signatures against, so `flask sms try`
# in another terminal reaches it on whatever PORT it was given. No secrets in it.
RUNNING_SERVER_FILE = "running-server.json"


_N = TypeVar("_N", int, float)


class ConfigError(RuntimeError):
    """The service cannot start with this configuration; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str  # the newest of `secret_keys`: everything new is signed with it
    database_url: str
    redis_url: str
    data_keys: tuple[str, ...]
    contact_key: str
    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_from_number: str
    twilio_api_base_url: str | None
    instance_path: Path
    flows_path: Path
    translations_path: Path
    deployment: Deployment
    # argon2id cost for advocates' passwords; tests lower it, production refuses a weak one.
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    # How often the worker's sweeper looks for unfinished work, and how long a worker may hold
    # a message it is sending before another may take it over (longer than a provider call).
    sweep_seconds: float = 15.0
    send_lease_seconds: float = 60.0
    # RQ workers that gunicorn's master forks from the app it has built (gunicorn.conf.py,
    # app/worker/beside_web.py), in place of `python worker.py` processes: on one small
    # server they share the web tier's pages (issue 22, item 6). 0: none (separate workers).
    web_rq_workers: int = 0
    # How many proxies in front of gunicorn set X-Forwarded-For/-Proto (nginx: 1). Only then
    # is the forwarded address believed; it is used for sign-in throttling, never stored.
    trusted_proxies: int = 0
    # Redis Sentinel (docs/deploy.md): when sentinels are listed, the app, the workers and the
    # sweeper ask them for the current primary instead of using REDIS_URL's host, so a failover
    # needs no restart. REDIS_URL still gives the database number and any password.
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_sentinel_master: str = "quietline"
    # Development only: marks secrets that were generated locally, so production can refuse them.
    generated_secrets: tuple[str, ...] = ()
    # The host name (optionally with :port) that serves the advocates' pages. Every other host
    # is the survivor's: it answers the staff pages, and GETs on the webhooks, with the same
    # plain 404 as any unknown address (docs/deploy.md, "Two host names"). None in development
    # only: one host then serves everything.
    staff_host: str | None = None
    # SECRET_KEY and QUIETLINE_CONTACT_KEY as lists, newest first (comma-separated, like
    # QUIETLINE_DATA_KEYS): the newest signs and hashes, the older ones are still accepted
    # until `flask keys rotate-secret` / `rotate-contacts` has moved what was stored under them.
    secret_keys: tuple[str, ...] = ()
    contact_keys: tuple[str, ...] = ()

    @property
    def signing_keys(self) -> tuple[str, ...]:
        """Every listed SECRET_KEY, newest first."""
        return self.secret_keys or (self.secret_key,)

    @property
    def contact_hash_keys(self) -> tuple[str, ...]:
        """Every listed contact key, newest first."""
        return self.contact_keys or (self.contact_key,)

    @property
    def production(self) -> bool:
        return self.env == "production"

    def serves_staff_pages(self, host: str) -> bool:
        """Whether a request's Host header names the staff host (always, when none is set).

        Without a port in QUIETLINE_STAFF_HOST the host name alone decides (nginx passes
        `$host`, which has no port); with one, the port must match too.
        """
        if self.staff_host is None:
            return True
        wanted_name, wanted_port = split_host(self.staff_host)
        name, port = split_host(host)
        return name == wanted_name and (wanted_port is None or port == wanted_port)

    @property
    def sms_from(self) -> str:
        """The number advocates' replies go out from: set, or the deployment's first number."""
        return self.twilio_from_number or next(iter(self.deployment.sms_numbers), "")


def settings_from_environment() -> Settings:
    """Build the settings for this process from `os.environ`."""
    return load_settings(os.environ)


def load_settings(environ: Mapping[str, str], instance_path: Path | None = None) -> Settings:
    """Parse settings from an environment mapping; raise `ConfigError` naming what is wrong."""
    env = environ.get("QUIETLINE_ENV", "development").strip() or "development"
    if env not in ("development", "production"):
        raise ConfigError(f"QUIETLINE_ENV must be 'development' or 'production', not {env!r}")
    production = env == "production"
    instance = Path(environ.get("QUIETLINE_INSTANCE", instance_path or PROJECT_ROOT / "instance"))

    values = dict(environ)
    generated: tuple[str, ...] = ()
    if not production:
        dev = _development_secrets(instance)
        generated = tuple(name for name in SECRET_NAMES if not values.get(name))
        for name in generated:
            values[name] = dev[name]
    else:
        _refuse_missing_or_demo(values)

    config_path = environ.get("QUIETLINE_CONFIG")
    if production and not config_path:
        raise ConfigError("QUIETLINE_CONFIG must name the deployment file in production")
    try:
        deployment = load_deployment(Path(config_path) if config_path else DEFAULT_CONFIG)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc

    data_keys, contact_keys, secret_keys = _key_lists(values)

    # `make run` serves on http://127.0.0.1:$PORT and sets PUBLIC_BASE_URL to match; a command
    # such as `flask sms try` run with the same PORT must sign for the same URL.
    public_base_url = (values.get("PUBLIC_BASE_URL") or
                       f"http://127.0.0.1:{_port(values)}").rstrip("/")
    if production and not public_base_url.startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be the https:// address Twilio calls")

    password_time_cost = _number(values, "QUIETLINE_ARGON2_TIME_COST", 3, int)
    password_memory_kib = _number(values, "QUIETLINE_ARGON2_MEMORY_KIB", 65536, int)
    if production and (password_time_cost < 2 or password_memory_kib < 19456):
        raise ConfigError("QUIETLINE_ARGON2_*: production needs time cost >= 2 and memory >= "
                          "19456 KiB (OWASP's minimum for argon2id)")

    return Settings(
        env=env,
        secret_key=secret_keys[0],
        database_url=values.get("DATABASE_URL") or f"sqlite:///{instance / 'quietline.sqlite3'}",
        redis_url=values.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        data_keys=data_keys,
        contact_key=contact_keys[0],
        public_base_url=public_base_url,
        twilio_account_sid=values.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        twilio_auth_token=values["TWILIO_AUTH_TOKEN"],
        twilio_from_number=values.get("TWILIO_FROM_NUMBER", ""),
        twilio_api_base_url=values.get("TWILIO_API_BASE_URL") or None,
        instance_path=instance,
        flows_path=Path(values.get("QUIETLINE_FLOWS", DEFAULT_FLOWS)),
        translations_path=Path(values.get("QUIETLINE_TRANSLATIONS", DEFAULT_TRANSLATIONS)),
        deployment=deployment,
        password_time_cost=password_time_cost,
        password_memory_kib=password_memory_kib,
        sweep_seconds=_number(values, "QUIETLINE_SWEEP_SECONDS", 15.0, float),
        send_lease_seconds=_number(values, "QUIETLINE_SEND_LEASE_SECONDS", 60.0, float),
        trusted_proxies=_count(values, "QUIETLINE_TRUSTED_PROXIES"),
        web_rq_workers=_count(values, "QUIETLINE_WEB_RQ_WORKERS"),
        redis_sentinels=_sentinels(values.get("REDIS_SENTINELS", "")),
        redis_sentinel_master=values.get("REDIS_SENTINEL_MASTER", "").strip() or "quietline",
        generated_secrets=generated,
        staff_host=_staff_host(values, production),
        secret_keys=secret_keys,
        contact_keys=contact_keys,
    )


def _key_lists(values: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...],
                                                   tuple[str, ...]]:
    """QUIETLINE_DATA_KEYS, QUIETLINE_CONTACT_KEY and SECRET_KEY, each a list newest first."""
    data_keys = _listed(values["QUIETLINE_DATA_KEYS"])
    contact_keys = _listed(values["QUIETLINE_CONTACT_KEY"])
    secret_keys = _listed(values["SECRET_KEY"])
    for name, listed in (("SECRET_KEY", secret_keys), ("QUIETLINE_CONTACT_KEY", contact_keys)):
        if not listed:
            raise ConfigError(f"{name} is empty")
        if len(set(listed)) != len(listed):
            raise ConfigError(f"{name} lists the same key twice")
    for name, tokens in (("QUIETLINE_DATA_KEYS", data_keys),
                         ("QUIETLINE_CONTACT_KEY", contact_keys)):
        for token in tokens:
            try:
                crypto.parse_key_token(token)
            except crypto.KeyFormatError as exc:
                raise ConfigError(f"{name}: {exc} (use `flask keys generate`)") from exc
    if not data_keys:
        raise ConfigError("QUIETLINE_DATA_KEYS is empty")
    return data_keys, contact_keys, secret_keys


def _listed(value: str) -> tuple[str, ...]:
    """A key list: comma-separated, newest first, blanks ignored."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _sentinels(raw: str) -> tuple[tuple[str, int], ...]:
    """`REDIS_SENTINELS=host:port,host:port`: where the Redis Sentinels listen."""
    found: list[tuple[str, int]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"REDIS_SENTINELS: {item!r} is not host:port")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _port(values: Mapping[str, str]) -> int:
    raw = values.get("PORT", "").strip() or "5000"
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


# A DNS name (letters, digits, hyphens, dots) or a bracketed IPv6 address, then an optional port.
_HOST = re.compile(r"^(?P<name>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])"
                   r"(?::(?P<port>[0-9]{1,5}))?$")


def split_host(host: str) -> tuple[str, str | None]:
    """A Host header's name (lower case, no trailing dot) and port, or (host, None)."""
    match = _HOST.match(host.strip().lower().replace(".:", ":").rstrip("."))
    if match is None:
        return host.strip().lower(), None
    return match["name"], match["port"]


def _staff_host(values: Mapping[str, str], production: bool) -> str | None:
    raw = values.get("QUIETLINE_STAFF_HOST", "").strip().lower()
    if not raw:
        if production:
            # One host for both would show "Quietline advocates" at the cover site's address.
            raise ConfigError("QUIETLINE_STAFF_HOST is not set; production serves the "
                              "advocates' pages on a host name of their own (docs/deploy.md)")
        return None
    match = _HOST.match(raw.replace(".:", ":").rstrip("."))
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) < 65536):
        raise ConfigError(f"QUIETLINE_STAFF_HOST must be a host name, optionally with :port "
                          f"(e.g. staff.example.org), not {raw!r}")
    return match.group(0)


def _count(values: Mapping[str, str], name: str) -> int:
    raw = values.get(name, "").strip() or "0"
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigError(f"{name} must be a whole number from 0 to 5, not {raw!r}")
    return int(raw)


def _number(values: Mapping[str, str], name: str, default: _N, kind: type[_N]) -> _N:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _refuse_missing_or_demo(values: Mapping[str, str]) -> None:
    for name in SECRET_NAMES:
        value = values.get(name, "").strip()
        if not value:
            raise ConfigError(f"{name} is not set; production needs a real secret")
        # Lists (SECRET_KEY, the key settings) are checked key by key: an old key kept for
        # verification must be a real secret too.
        listed = _listed(value) if name != "TWILIO_AUTH_TOKEN" else (value,)
        if not listed or any(part.lower() in DEMO_SECRETS or len(part) < 16 for part in listed):
            raise ConfigError(f"{name} is a demo or too-short value; set a real secret")
    if values.get("TWILIO_ACCOUNT_SID", "").strip() in ("", "AC" + "0" * 32):
        raise ConfigError("TWILIO_ACCOUNT_SID is not set; production needs the real account")


def _development_secrets(instance: Path) -> dict[str, str]:
    """Read, or create once, the local secrets a development machine uses."""
    path = private_folder(instance) / "dev-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        if all(name in stored for name in SECRET_NAMES):
            return stored
    stored = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "QUIETLINE_DATA_KEYS": crypto.generate_key_token(),
        "QUIETLINE_CONTACT_KEY": crypto.generate_key_token(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    }
    # Created with owner-only permissions before anything is written into it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, indent=2)
    return stored
