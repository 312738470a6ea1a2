"""Canaries: a survivor's text, an advocate's reply and a number that must never be found in
clear at rest (docs/threat-model.md, A4), and the readers that look for them in Redis and logs."""

from __future__ import annotations

import base64
import binascii
import contextlib
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from tests.support.servers import RedisServer, wait_for


@dataclass(frozen=True)
class Canary:
    text: str  # what the survivor writes
    reply: str  # what the advocate answers; passes the lock-screen rule
    number: str  # the survivor's phone, E.164

    def needles(self) -> list[bytes]:
        """Every form in which the canary would betray itself."""
        digits = self.number[1:]
        numbers = [self.number, digits, "0" + digits[2:], "%2B" + digits]
        texts = [self.text, self.reply, self.text[:16], self.reply[:14]]
        found: list[bytes] = []
        for text in texts:
            found += [text.encode(), text.lower().encode(), text.encode("utf-16-le")]
        for number in numbers:
            found += [number.encode(), number.encode("utf-16-le")]
        return found

    def assert_absent(self, blob: bytes, where: str) -> None:
        for needle in self.needles():
            assert needle not in blob, f"{needle!r} found in clear in {where}"


def redis_dump(server: RedisServer) -> bytes:
    """SAVE with LZF compression off, so a string in any database is in the file as is."""
    connection = redis.Redis.from_url(server.url)
    previous = as_bytes(connection.config_get("rdbcompression")["rdbcompression"]).decode()
    try:
        before = server.dump_path.stat().st_mtime_ns if server.dump_path.exists() else 0
        connection.config_set("rdbcompression", "no")
        connection.save()
        wait_for(lambda: server.dump_path.exists()
                 and server.dump_path.stat().st_mtime_ns >= before, what="redis dump")
    finally:
        connection.config_set("rdbcompression", previous)
        connection.close()
    return server.dump_path.read_bytes()


def decoded(value: bytes) -> bytes:
    """`value`, plus what it holds if it is zlib data (RQ job data, exc_info) or base64 of
    zlib data (RQ results' exc_string)."""
    found = [value]
    with contextlib.suppress(zlib.error):
        found.append(zlib.decompress(value))
    with contextlib.suppress(binascii.Error, ValueError, zlib.error):
        found.append(zlib.decompress(base64.b64decode(value, validate=True)))
    return b"\n".join(found)


def as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def values_of(connection: redis.Redis, key: bytes) -> list[bytes]:
    """Every member, field and value of `key`, whatever its type."""
    kind = as_bytes(connection.type(key))
    parts: list[Any]
    if kind == b"string":
        parts = [connection.get(key) or b""]
    elif kind == b"hash":
        parts = [part for pair in connection.hgetall(key).items() for part in pair]
    elif kind == b"list":
        parts = list(connection.lrange(key, 0, -1))
    elif kind == b"set":
        parts = list(connection.smembers(key))
    elif kind == b"zset":
        parts = list(connection.zrange(key, 0, -1))
    elif kind == b"stream":
        entries: list[Any] = list(connection.xrange(key) or [])
        parts = [part for _, fields in entries for pair in fields.items() for part in pair]
    else:
        parts = []
    return [as_bytes(part) for part in parts]


def redis_contents(connection: redis.Redis) -> bytes:
    """Every key and value in the connection's database, decoded as RQ stores them."""
    chunks: list[bytes] = []
    for key in connection.scan_iter(count=1000):
        chunks.append(key)
        chunks += [decoded(value) for value in values_of(connection, key)]
    return b"\n".join(chunks)


def logged(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> bytes:
    records = caplog.get_records("setup") + caplog.get_records("call")
    text = "\n".join(record.getMessage() for record in records)
    text += "\n" + "\n".join(record.exc_text or "" for record in records)
    out, err = capfd.readouterr()
    return (text + "\n" + out + "\n" + err).encode()
