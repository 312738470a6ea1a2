"""Channels: the survivor-facing edges. Provider or browser input in, a reply out.

Owns Twilio's webhooks (`sms`: signature check first, inbound messages, status callbacks, the
fail-safe fallback; TwiML out) and the disguised web chat (`webchat`: the cover page, the chat
endpoints, the no-trace headers). Each parses the request into an `InboundMessage`, calls the
conversation service, and answers; whatever fails, the survivor still gets the emergency
options. No rules of their own.

May import: `app.services` and everything below it; never another edge.
"""
