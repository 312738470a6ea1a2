"""Benchmarks: `make bench` runs bench/webhook.py; results go to bench/results/.

`python bench/webhook.py` also puts bench/ itself on sys.path, so a module here named like a
standard or installed module (`profile`, `requests`, ...) would shadow it: cProfile imports
`profile` and Twilio imports `requests`. Keep the names below distinct.

  webhook.py          entry point: arguments, and the order things run in
  signed_requests.py  inbound-SMS webhook requests signed the way Twilio signs them
  environment.py      the apps' settings, databases and stored-message counts
  processes.py        redis-server and gunicorn: start, wait until ready, always stop
  wrk.py              one wrk run over a file of pre-signed requests, and its figures
  report.py           the stored-message check, webhook.json and webhook.txt
  machine.py          what was measured on: CPU, versions, filesystem, git revision
  webhook_profile.py  --profile: the real app in-process under cProfile
  apps.py             the bare and reference apps gunicorn serves next to the real one
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
