"""Helpers the tests share: fake Twilio, local servers, signed webhooks, cases and staff."""
