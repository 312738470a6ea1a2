"""Behind the shipped nginx, the app sees the client's real address, whatever the client sends.

docs/deploy.md has `QUIETLINE_TRUSTED_PROXIES=1` behind one nginx: the app then believes the
last X-Forwarded-For value (werkzeug's ProxyFix, as app/factory.py sets it up). Before, the
shipped deploy/nginx-quietline.conf never set that header, and nginx passes a client's headers
on unless told: anyone could send `X-Forwarded-For: <anything>` and be taken at their word, a
fresh address per request, so the sign-in hold-back, the wrong-code limit and the chat's flood
allowance counted nothing (and a request without the header came "from" nginx, sharing one
allowance with every survivor). This runs the real nginx, with each host's server block from
the shipped file, in front of a small app wrapped exactly as Quietline's is.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from tests.docs.test_deploy_files import NGINX_CONF, start_nginx

FORGED = "203.0.113.66"
BLOCKS = {  # host: (where its server block starts, where the next part of the file starts)
    "survivor": ("# The survivor's host", "# The staff host"),
    "staff": ("# The staff host", "# Plain HTTP only redirects"),
}
PATHS = {"survivor": ["/", "/chat/send", "/webhooks/twilio/sms"], "staff": ["/advocates/login"]}


def server_block(host: str) -> str:
    start, end = BLOCKS[host]
    return NGINX_CONF[NGINX_CONF.index(start):NGINX_CONF.index(end)]


def address_echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Answers with the client address the app would count (REMOTE_ADDR after ProxyFix)."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["REMOTE_ADDR"].encode()]


@pytest.fixture
def upstream() -> Iterator[int]:
    # The same ProxyFix as app/factory.py with QUIETLINE_TRUSTED_PROXIES=1.
    server = make_server("127.0.0.1", 0, ProxyFix(address_echo, x_for=1, x_proto=1))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def counted_address(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, data=b"x=1", headers=headers,  # noqa: S310
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 -- loopback
        return str(response.read().decode())


@pytest.mark.parametrize("host", sorted(BLOCKS))
def test_a_forged_forwarded_for_is_not_believed(tmp_path: Path, upstream: int,
                                                host: str) -> None:
    process, base = start_nginx(tmp_path, server_block(host), f"127.0.0.1:{upstream}")
    try:
        for path in PATHS[host]:
            for headers in ({"X-Forwarded-For": FORGED},
                            {"X-Forwarded-For": f"{FORGED}, 198.51.100.1"}, {}):
                # The test's own connection comes from 127.0.0.1: that is the client.
                assert counted_address(base + path, headers) == "127.0.0.1", (path, headers)
    finally:
        process.terminate()
        process.wait(timeout=10)
