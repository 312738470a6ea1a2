"""Reporting: the partnership's anonymised figures, counts only.

Owns building the figures for a date range (`figures`: contacts, escalations, out-of-hours
share, time to a first human reply, outcomes), with small counts suppressed, as CSV and JSON.

May import: the foundation and `app.storage`. Never reads a message body or a number.
"""
