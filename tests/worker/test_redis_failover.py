"""Redis fails over under Sentinel: the webhook keeps answering and nothing is lost.

Real parts: a Redis primary and a replica, three Redis Sentinels (the same redis-server
binary in sentinel mode, as Debian's redis-sentinel package runs it), a real `python worker.py`
and the app, both configured with REDIS_SENTINELS only (REDIS_URL points nowhere), and the fake
Twilio counting alerts. The primary is killed with SIGKILL while survivors are writing; the
sentinels promote the replica; the worker and the app find the new primary by themselves, and
every case opened before, during and after the failover alerts the on-call phone exactly once.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from flask import Flask

from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import free_port, wait_for
from tests.support.twilio_signing import TwilioSigner
from tests.support.workers import (
    ON_CALL,
    WORKER_START_SECONDS,
    always_open_config,
    start_worker,
    stop_worker,
)

pytestmark = pytest.mark.slow
MASTER = "quietline"
_Node = TypeVar("_Node", "RedisNode", "Sentinel")


class RedisNode:
    def __init__(self, directory: Path, *args: str) -> None:
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(directory), "--save", "", "--appendonly", "no", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(self._up, timeout=10, what=f"redis on {self.port}")

    def _up(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Sentinel:
    def __init__(self, directory: Path, primary_port: int) -> None:
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "sentinel.conf"  # sentinel rewrites its own file: writable
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {directory}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {primary_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER} 1000\n"
            f"sentinel failover-timeout {MASTER} 4000\n"
            f"sentinel parallel-syncs {MASTER} 1\n", encoding="utf-8")
        self.process = subprocess.Popen(["redis-server", str(config), "--sentinel"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(self._up, timeout=10, what=f"sentinel on {self.port}")

    def _up(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def other_sentinels(self) -> int:
        state = self.client.sentinel_master(MASTER)
        assert isinstance(state, dict)
        return int(state["num-other-sentinels"])

    def primary_port(self) -> int | None:
        try:
            host_port = self.client.execute_command("SENTINEL", "get-master-addr-by-name",
                                                    MASTER)
        except redis.RedisError:
            return None
        return int(host_port[1]) if host_port else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Cluster:
    """A primary, a replica and three sentinels; every process is stopped even if one fails
    to come up."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.nodes: list[RedisNode | Sentinel] = []

    def start(self) -> Cluster:
        self.primary = self._add(RedisNode(self.directory / "primary"))
        self.replica = self._add(RedisNode(self.directory / "replica", "--replicaof",
                                           "127.0.0.1", str(self.primary.port)))
        wait_for(lambda: self.replica.client.info("replication").get("master_link_status")
                 == "up", timeout=15, what="the replica to sync")
        self.sentinels = [self._add(Sentinel(self.directory / f"sentinel{i}",
                                             self.primary.port)) for i in range(3)]
        # Each sentinel must know the other two before a failover can be agreed.
        wait_for(lambda: all(s.other_sentinels() == 2 for s in self.sentinels),
                 timeout=20, what="the sentinels to find each other")
        return self

    def _add(self, node: _Node) -> _Node:
        self.nodes.append(node)
        return node

    @property
    def addresses(self) -> str:
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(tmp_path / "redis-cluster")
    try:
        yield started.start()
    finally:
        started.stop()


@pytest.fixture
def sentinel_environ(environ: dict[str, str], fake_twilio: FakeTwilio, cluster: Cluster,
                     tmp_path: Path) -> dict[str, str]:
    environ["QUIETLINE_CONFIG"] = str(always_open_config(tmp_path, alerts=True))
    environ["QUIETLINE_SWEEP_SECONDS"] = "0.3"
    environ["QUIETLINE_SEND_LEASE_SECONDS"] = "1.5"
    # Nothing listens here: only the sentinels say where Redis is.
    environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    environ["REDIS_SENTINELS"] = cluster.addresses
    environ["REDIS_SENTINEL_MASTER"] = MASTER
    return environ


@pytest.fixture
def worker(sentinel_environ: dict[str, str], cluster: Cluster,
           tmp_path: Path) -> Iterator[None]:
    log = (tmp_path / "worker.log").open("wb")
    process = start_worker(sentinel_environ, log)
    try:
        wait_for(lambda: bool(cluster.primary.client.scard("rq:workers")),
                 timeout=WORKER_START_SECONDS, what="the worker to register through the sentinels")
        yield
    finally:  # also when it never registered: no worker or open log left to later tests
        stop_worker(process)
        log.close()


def ask_for_a_person(twilio: TwilioSigner, number: str) -> str:
    response = twilio.sms("person", sender=number)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("worker")
def test_the_primary_dies_and_every_case_still_alerts_once(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, cluster: Cluster) -> None:
    before = [f"+4477009001{n:02d}" for n in range(3)]
    during = [f"+4477009002{n:02d}" for n in range(3)]
    after = [f"+4477009003{n:02d}" for n in range(3)]
    answers = {ask_for_a_person(twilio, number) for number in before}
    wait_for(lambda: fake_twilio.count(to=ON_CALL) == len(before), timeout=30,
             what="the alerts before the failover")

    cluster.primary.kill()
    for number in during:
        # The webhook never waits on Redis: the same answer as before, not the fail-safe.
        assert ask_for_a_person(twilio, number) in answers
    wait_for(lambda: cluster.sentinels[0].primary_port() == cluster.replica.port, timeout=30,
             what="the sentinels to promote the replica")
    for number in after:
        assert ask_for_a_person(twilio, number) in answers

    total = len(before) + len(during) + len(after)
    wait_for(lambda: fake_twilio.count(to=ON_CALL) >= total, timeout=60,
             what="every case's alert after the failover")
    assert fake_twilio.count(to=ON_CALL) == total
