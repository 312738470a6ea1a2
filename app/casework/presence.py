"""Is anyone watching the queue? Advocates' open queue pages say so every few seconds.

Kept in Redis as a sorted set of advocate ids scored by when their presence expires, so a page
that was closed (or a laptop that went to sleep) stops counting by itself. Holds ids only.
"""

from __future__ import annotations

import time

import redis

KEY = "quietline:queue-watchers"
TTL_SECONDS = 20.0


def mark_watching(connection: redis.Redis, advocate_id: int, now: float | None = None) -> None:
    connection.zadd(KEY, {str(advocate_id): (now or time.time()) + TTL_SECONDS})


def anyone_watching(connection: redis.Redis, now: float | None = None) -> bool:
    connection.zremrangebyscore(KEY, "-inf", now or time.time())
    return int(connection.zcard(KEY)) > 0
