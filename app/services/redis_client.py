"""The Redis client every process of the stack uses: for the queue, presence, locks and flood
allowances (`connect_redis`), and the daily rewrite of its append-only file
(`forget_expired_history`)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from app.config import Settings

log = logging.getLogger(__name__)


def connect_redis(settings: Settings) -> redis.Redis:
    """The Redis client for the queue, presence and locks: REDIS_URL, or through Sentinel.

    With Sentinel, the client asks the sentinels for the current primary whenever it connects,
    so after a failover the next command reaches the new primary; the web tier, the workers and
    the sweeper all use this one function. Short timeouts either way: a survivor's reply must
    never wait on a Redis that is down (rows are committed first; the sweeper catches up).
    """
    # No retries, said explicitly: a client built with redis.Redis(...) in redis-py 6 and later
    # retries a failed command up to 10 times with a growing back-off (from_url's does not
    # today), and a survivor's webhook must never wait on that. The sweeper is the retry.
    timeouts: dict[str, Any] = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0,
                                "retry": Retry(NoBackoff(), 0)}
    if not settings.redis_sentinels:
        return redis.Redis.from_url(settings.redis_url, **timeouts)
    url = urlsplit(settings.redis_url)
    database = int(url.path.strip("/") or 0)
    sentinel = Sentinel(list(settings.redis_sentinels), sentinel_kwargs=dict(timeouts),
                        **timeouts)
    client: redis.Redis = sentinel.master_for(settings.redis_sentinel_master, db=database,
                                              password=url.password, username=url.username)
    return client


def forget_expired_history(connection: redis.Redis) -> bool:
    """Ask Redis to rewrite its append-only file, if it keeps one; True if a rewrite began.

    Threat (docs/threat-model.md, A4): with `appendonly yes` (docs/deploy.md) the file keeps
    every write ever made until Redis rewrites it, which it does on its own only when the file
    has doubled past 64 MB: months on a quiet service. So the keyed hash of every number and
    chat address that ever wrote (the flood allowances), each with the time it wrote, stayed
    in Redis's data folder long after its key expired and its conversation was erased or past
    retention. A rewrite keeps only the live keys. Never raises: a Redis that is down, or one
    that refuses the command (a managed Redis may rename it), is logged and the run goes on.
    """
    try:
        if not connection.info("persistence").get("aof_enabled"):
            return False
        connection.bgrewriteaof()
    except redis.RedisError as error:
        # Also "already in progress": that rewrite keeps only the live keys too.
        log.warning("event=redis.history_not_rewritten error=%s", type(error).__name__)
        return False
    log.info("event=redis.history_rewritten")
    return True
