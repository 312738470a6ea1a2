"""Web plumbing shared by every HTTP answer: host routing, error pages, the health check.

Owns which host answers what and the headers every survivor-side answer carries (`hosts`:
QUIETLINE_STAFF_HOST, no-store, no-referrer, strict CSP), the error pages that never show a
trace (`errors`) and `/healthz` (`health`). Wired by the factory; an edge like the channels.

May import: `app.services` and everything below it; never a channel, the staff pages, the
worker or the command line.
"""
