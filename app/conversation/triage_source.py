"""Where a conversation service gets its triage rules: given, or loaded on first use.

The RQ worker reads no message (the spool's replay is a job, app/worker/jobs.py), so it never
holds the rules' 15-22 MiB of compiled patterns (issue 22, item 6); gunicorn's master loads
them before it forks (wsgi.py), so its workers share one copy and no message waits on a load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.flows.triage import TriageRules


class TriageSource:
    def __init__(self, rules: TriageRules | None = None,
                 load: Callable[[bool], TriageRules | None] | None = None) -> None:
        self._rules = rules
        self._load = load  # None once loaded (or when the rules were given)
        self._lock = threading.Lock()
        self._screens = True

    def get(self) -> TriageRules | None:
        """The rules, loaded now if they were not yet (once, whichever thread asks). A load
        that raises is tried again on the next message: a spooled message whose replay raises
        stays spooled."""
        if self._load is not None:
            with self._lock:
                if self._load is not None:
                    self._rules = self._load(self._screens)
                    self._load = None
        return self._rules

    def loaded(self) -> bool:
        """Whether the rules are loaded (or were given): no load waits on the first message."""
        return self._load is None

    def without_screens(self) -> None:
        """Rules not loaded yet will load without their screens (app/flows/triage.py
        `parse_rules`): the same readings for a third less memory. For the RQ worker, whose
        replay job reads a few messages in a work-horse of its own (worker.py)."""
        self._screens = False

    def load_now(self) -> None:
        """Load the rules now, not on the first message (gunicorn's master, before it forks)."""
        self.get()
