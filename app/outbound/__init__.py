"""Outbound SMS: getting one stored message to a phone exactly once.

Owns the exactly-once protocol over a stored row (`exactly_once`: lease, send, reconcile an
in-doubt send with the provider, back-off), the only client of Twilio's REST API
(`twilio_rest`: send, look up, redact, delete), and the provider's delivery receipts
(`receipts`).

It decides nothing about whether a message may go: that is `app.casework.outbound_gate`.

May import: the foundation and `app.storage`. Only `twilio_rest` and `app.channels.sms`
import the twilio package.
"""
