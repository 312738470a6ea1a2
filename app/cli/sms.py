"""`flask sms try TEXT`: text the running server's webhook as Twilio would, in development.

It finds the server `make run` started (scripts/run.py leaves its address in the instance
folder while it runs), so it works on whatever PORT that was given; `--url` names another.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

import click
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

from app.config import RUNNING_SERVER_FILE, Settings
from app.services import services

sms_cli = AppGroup("sms", help="Try the SMS channel without Twilio.")
WEBHOOK = "/webhooks/twilio/sms"


@dataclass(frozen=True)
class Server:
    """Where to post (`url`), the URL the server checks Twilio's signature against
    (`public_base_url`), and where that came from, for the hint when it cannot be reached."""

    url: str
    public_base_url: str
    found_from: str


def find_server(settings: Settings, url: str | None) -> Server:
    if url:
        return Server(url.rstrip("/"), url.rstrip("/"), "--url")
    running = settings.instance_path / RUNNING_SERVER_FILE
    try:
        found = json.loads(running.read_text(encoding="utf-8"))
        return Server(str(found["url"]).rstrip("/"), str(found["public_base_url"]).rstrip("/"),
                      f"{running}, written by `make run`")
    except (OSError, ValueError, KeyError, TypeError):
        return Server(settings.public_base_url, settings.public_base_url,
                      "PUBLIC_BASE_URL, or http://127.0.0.1:$PORT when it is not set")


def unreachable_hint(server: Server, reason: object) -> str:
    return (f"could not reach {server.url}{WEBHOOK} ({reason}); the address came from "
            f"{server.found_from}.\nIs `make run` running? It listens on "
            "http://127.0.0.1:$PORT (PORT=5000 unless set) and leaves its address in "
            f"instance/{RUNNING_SERVER_FILE} for this command. For a server started another "
            "way, pass --url with its PUBLIC_BASE_URL (e.g. --url http://127.0.0.1:5001), or "
            "set PORT or PUBLIC_BASE_URL here as the server has them.")


@sms_cli.command("try")
@click.argument("text")
@click.option("--from", "sender", default="+447700900123", show_default=True,
              help="The sender's number (use Ofcom's reserved +447700900xxx range).")
@click.option("--url", help="The server's PUBLIC_BASE_URL (default: the server `make run` "
              "started, else PUBLIC_BASE_URL, else http://127.0.0.1:$PORT).")
def try_sms(text: str, sender: str, url: str | None) -> None:
    """Send TEXT to the running server's webhook, signed as Twilio would, and print the reply.

    Development only: it creates a real conversation in the development database.
    """
    settings = services().settings
    if settings.production:
        raise click.ClickException("`sms try` is for development; it would store a conversation")
    server = find_server(settings, url)
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": sender,
              "To": (settings.deployment.sms_numbers or ("+447700900000",))[0], "Body": text}
    # The server checks the signature against its own PUBLIC_BASE_URL, which is not always
    # the address this command reaches it on (a tunnel in front of `make run`).
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(
        server.public_base_url + WEBHOOK, params)
    request_ = urllib.request.Request(  # noqa: S310 -- the operator's own development server
        server.url + WEBHOOK, data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature}, method="POST")
    try:
        with urllib.request.urlopen(request_, timeout=10) as response:  # noqa: S310
            twiml_text = response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        if error.code == 403:
            raise click.ClickException(
                f"{server.url}{WEBHOOK} refused the signature (403): the server checks it "
                f"against its PUBLIC_BASE_URL (signed here for {server.public_base_url}) and "
                "its TWILIO_AUTH_TOKEN; run this command with the same ones, or with "
                "--url set to the server's PUBLIC_BASE_URL") from error
        raise click.ClickException(f"{server.url}{WEBHOOK} answered {error.code}") from error
    except OSError as error:
        raise click.ClickException(unreachable_hint(server, getattr(error, "reason", error))
                                   ) from error
    replies = [m.text or "" for m in ElementTree.fromstring(twiml_text).iter("Message")]  # noqa: S314 -- our own server's TwiML
    click.echo("\n---\n".join(replies) if replies else "(no reply: the service stays silent)")
