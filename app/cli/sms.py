"""`flask sms try TEXT`: text the running server's webhook as Twilio would, in development."""

from __future__ import annotations

import secrets
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import click
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

from app.services import services

sms_cli = AppGroup("sms", help="Try the SMS channel without Twilio.")


@sms_cli.command("try")
@click.argument("text")
@click.option("--from", "sender", default="+447700900123", show_default=True,
              help="The sender's number (use Ofcom's reserved +447700900xxx range).")
def try_sms(text: str, sender: str) -> None:
    """Send TEXT to the running server's webhook, signed as Twilio would, and print the reply.

    Development only: it creates a real conversation in the development database.
    """
    settings = services().settings
    if settings.production:
        raise click.ClickException("`sms try` is for development; it would store a conversation")
    url = settings.public_base_url + "/webhooks/twilio/sms"
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": sender,
              "To": (settings.deployment.sms_numbers or ("+447700900000",))[0], "Body": text}
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, params)
    request_ = urllib.request.Request(  # noqa: S310 -- the operator's own configured URL
        url, data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature}, method="POST")
    try:
        with urllib.request.urlopen(request_, timeout=10) as response:  # noqa: S310
            twiml_text = response.read().decode("utf-8")
    except OSError as error:
        raise click.ClickException(f"could not reach {url}: {error}") from error
    replies = [m.text or "" for m in ElementTree.fromstring(twiml_text).iter("Message")]  # noqa: S314 -- our own server's TwiML
    click.echo("\n---\n".join(replies) if replies else "(no reply: the service stays silent)")
