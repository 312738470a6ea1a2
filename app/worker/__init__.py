"""The worker's edge: thin RQ jobs and the sweeper, run by `python worker.py`.

Owns the job functions RQ calls (`jobs`: each takes row ids, builds nothing of its own, calls
one named service and reschedules on a temporary error) and the sweeper (`sweeper`: a thread
that, every few seconds, enqueues whatever the database says is unfinished), and the warm-up
(`warm_up`: what every job needs, loaded once before RQ forks a work-horse for it), and the
workers gunicorn's master forks and keeps on one small server (`beside_web`, used by
gunicorn.conf.py).

May import: `app.services` and everything below it. Nothing in app/ imports the worker; the queue
names and the jobs' import paths are in `app.dispatch`, and a test imports every one of them.
"""
