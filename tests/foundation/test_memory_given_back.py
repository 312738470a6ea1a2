"""Room on a small server (issue 22, item 6): before gunicorn's master or the RQ worker forks,
the C allocator gives back the heap it holds free (glibc's malloc_trim), so no child inherits
it: loading the accurate language models leaves 30-70 MiB of freed heap behind."""

from __future__ import annotations

import ctypes
import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

import worker as worker_module

ROOT = Path(__file__).resolve().parents[2]


class FakeLibc:
    def __init__(self) -> None:
        self.trimmed: list[int] = []

    def malloc_trim(self, pad: int) -> int:
        self.trimmed.append(pad)
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLibc]:
    fake = FakeLibc()
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: fake)
    yield fake
    gc.unfreeze()  # both freeze this test process's objects; it should collect as before


def test_gunicorn_gives_back_free_heap_before_it_forks_a_worker(libc: FakeLibc) -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["pre_fork"](None, None)
    assert libc.trimmed == [0]


def test_the_rq_worker_gives_back_free_heap_before_rq_forks(libc: FakeLibc) -> None:
    worker_module.share_with_forks()
    assert libc.trimmed == [0]


def test_without_malloc_trim_nothing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: object())  # another C library
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["pre_fork"](None, None)
        worker_module.share_with_forks()
    finally:
        gc.unfreeze()
