"""`flask sms try` when it cannot reach a server: it says where it looked and what to set
(app/cli/sms.py). The real server is tested in test_sms_try_real_server.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from app.config import RUNNING_SERVER_FILE
from tests.support.servers import free_port


def sms_try(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["sms", "try", "hello", *args])
    return result.exit_code, result.output


@pytest.fixture
def nobody_listening(environ: dict[str, str]) -> int:
    """PUBLIC_BASE_URL on a local port no server listens on (set before the app is built)."""
    port = free_port()
    environ["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    return port


def test_unreachable_names_the_url_and_what_to_set(nobody_listening: int, app: Flask) -> None:
    code, output = sms_try(app)
    assert code == 1
    assert (f"could not reach http://127.0.0.1:{nobody_listening}/webhooks/twilio/sms"
            in output)
    assert "the address came from PUBLIC_BASE_URL" in output
    assert "Is `make run` running?" in output
    assert "set PORT or PUBLIC_BASE_URL" in output
    assert "--url" in output


def test_it_follows_the_address_make_run_left(environ: dict[str, str], app: Flask) -> None:
    port = free_port()
    running = Path(environ["QUIETLINE_INSTANCE"]) / RUNNING_SERVER_FILE
    running.parent.mkdir(parents=True, exist_ok=True)
    running.write_text(json.dumps({"url": f"http://127.0.0.1:{port}",
                                   "public_base_url": f"http://127.0.0.1:{port}"}))
    code, output = sms_try(app)
    assert code == 1
    assert f"could not reach http://127.0.0.1:{port}/webhooks/twilio/sms" in output
    assert str(running) in output


def test_url_wins_over_everything(environ: dict[str, str], app: Flask) -> None:
    port = free_port()
    code, output = sms_try(app, "--url", f"http://127.0.0.1:{port}/")
    assert code == 1
    assert f"could not reach http://127.0.0.1:{port}/webhooks/twilio/sms" in output
    assert "came from --url" in output

