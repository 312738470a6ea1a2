"""PORT in the settings (app/config.py): `make run` serves on http://127.0.0.1:$PORT, so without
PUBLIC_BASE_URL a command run with the same PORT signs for the same URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_settings


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "http://127.0.0.1:5000"),
    ({"PORT": "5050"}, "http://127.0.0.1:5050"),
    ({"PORT": " 8000 "}, "http://127.0.0.1:8000"),
    ({"PORT": ""}, "http://127.0.0.1:5000"),
    ({"PORT": "5050", "PUBLIC_BASE_URL": "https://abc.example.org/"}, "https://abc.example.org"),
    ({"PUBLIC_BASE_URL": ""}, "http://127.0.0.1:5000"),
])
def test_the_public_url_follows_port_unless_set(tmp_path: Path, environ: dict[str, str],
                                                expected: str) -> None:
    settings = load_settings({"QUIETLINE_INSTANCE": str(tmp_path), **environ})
    assert settings.public_base_url == expected


@pytest.mark.parametrize("port", ["http", "0", "65536", "-1", "50.5"])
def test_a_port_that_is_not_one_is_refused_by_name(tmp_path: Path, port: str) -> None:
    with pytest.raises(ConfigError, match="PORT must be a port number"):
        load_settings({"QUIETLINE_INSTANCE": str(tmp_path), "PORT": port})
