"""gunicorn settings read automatically from the project root (`gunicorn wsgi:app`).

The access log leaves out the client's address and the query string: no IP addresses are kept
about anyone who uses the service (docs/threat-model.md, "What we do not do"), and our URLs carry
no content, but a misconfigured client's might.
"""

access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# A survivor's reply is made inside the request; a request that takes longer than this is
# stuck, and Twilio will have used the Fallback URL already.
timeout = 30
forwarded_allow_ips = "127.0.0.1"
# Build the app once in the master and fork the workers from it, so the language models
# (app/content/language.py, about 200 MB) are loaded once and shared. The app opens no database or
# Redis connection while it is built, so no connection crosses the fork.
preload_app = True
# Browsers (the web chat) open connections they leave idle; a sync worker would sit on one
# until `timeout`. Threads keep the other requests moving. Behind a buffering proxy (nginx)
# in production this matters less, but `make run` serves browsers directly.
worker_class = "gthread"
threads = 8
