"""deploy/nginx-quietline.conf answers Twilio with the emergency options when the web tier is out.

Safety rule 1: whatever breaks, a survivor still gets a reply with the emergency options.
Twilio's fallback URL on the same host cannot give that when gunicorn itself is down (it stops
with it), so nginx answers the incoming-message webhook itself on 502/503/504. This runs the
real nginx, with the survivor host's server block from the shipped file, in front of an
address where nothing listens.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from app.content.failsafe import EMERGENCY_TEXT_EN

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX_CONF = (ROOT / "deploy" / "nginx-quietline.conf").read_text(encoding="utf-8")
UPSTREAM = "127.0.0.1:8000"


def shipped_twiml() -> str:
    found = re.search(r"location @emergency_twiml \{.*?return 200 '([^']*)';", NGINX_CONF, re.S)
    assert found, "the @emergency_twiml location is missing from deploy/nginx-quietline.conf"
    return found.group(1)


def test_the_static_answer_is_the_fail_safe_text_word_for_word() -> None:
    message = ElementTree.fromstring(shipped_twiml()).find("Message")  # noqa: S314 -- ours
    assert message is not None
    assert message.text == EMERGENCY_TEXT_EN


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def survivor_server_block() -> str:
    start = NGINX_CONF.index("server {")
    end = NGINX_CONF.index("# The staff host")
    return NGINX_CONF[start:end]


def start_nginx(tmp_path: Path, block: str, upstream: str) -> tuple[subprocess.Popen[bytes], str]:
    """The real nginx with `block` (one server block of the shipped file) on a free local
    port, without TLS, proxying to `upstream` instead of gunicorn; returns it and its URL."""
    port = free_port()
    assert UPSTREAM in block
    block = block.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    block = re.sub(r"\n\s*ssl_certificate(_key)?\s[^\n]*", "", block)
    block = block.replace(UPSTREAM, upstream)
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    # One process, in the foreground, as whoever runs the tests (no privilege drop).
    conf.write_text(
        f"daemon off; master_process off; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{ server_tokens off;\n{block}\n}}\n", encoding="utf-8")
    process = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            assert process.poll() is None, (tmp_path / "logs" / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)  # polling for nginx's port, with the deadline above


@pytest.fixture
def nginx_in_front_of_nothing(tmp_path: Path) -> Iterator[str]:
    process, base = start_nginx(tmp_path, survivor_server_block(), f"127.0.0.1:{free_port()}")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(url: str) -> tuple[int, str, str]:
    body = b"Body=help&From=%2B447700900123"
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 -- loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/fallback"])
def test_with_the_web_tier_down_twilio_still_gets_the_emergency_options(
        nginx_in_front_of_nothing: str, path: str) -> None:
    status, content_type, body = post(nginx_in_front_of_nothing + path)
    assert status == 200
    assert content_type == "application/xml"
    message = ElementTree.fromstring(body).find("Message")  # noqa: S314 -- our nginx's
    assert message is not None
    assert message.text == EMERGENCY_TEXT_EN


def test_only_the_message_webhooks_are_answered_for_the_app(
        nginx_in_front_of_nothing: str) -> None:
    # A delivery receipt or a page must not be "answered" with a message to send.
    for path in ("/webhooks/twilio/status", "/", "/chat/start"):
        status, _type, body = post(nginx_in_front_of_nothing + path)
        assert status == 502, path
        assert "<Message>" not in body


def test_the_units_let_the_service_write_the_instance_folder_the_guide_sets() -> None:
    # With ProtectSystem=strict a unit writes only its ReadWritePaths: the instance folder
    # deploy.md gives (retention reports, the fail-safe's spool) must be one of them.
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    found = re.search(r"^\| `QUIETLINE_INSTANCE` \| `([^`]+)`", guide, re.M)
    assert found, "docs/deploy.md's production settings give no QUIETLINE_INSTANCE"
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        text = unit.read_text(encoding="utf-8")
        writable = re.findall(r"^ReadWritePaths=(.*)$", text, re.M)
        assert "ProtectSystem=strict" in text
        assert any(found.group(1) in paths.split() for paths in writable), unit.name
