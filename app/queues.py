"""RQ queue names, most urgent first: a worker always drains `urgent` before `default`."""

from __future__ import annotations

QUEUE_NAMES = ("urgent", "default")
