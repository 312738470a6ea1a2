"""Every job the dispatcher names by import path exists and is wrapped by `content_free`.

Jobs are enqueued by path (app/dispatch.py explains why), so a renamed or moved job would
otherwise fail only in the worker, at run time.
"""

from __future__ import annotations

import importlib

import pytest

from app import dispatch
from app.worker import jobs


@pytest.mark.parametrize("path", dispatch.JOB_PATHS)
def test_every_job_path_the_dispatcher_names_imports_to_a_content_free_job(path: str) -> None:
    module_name, _, name = path.rpartition(".")
    job = getattr(importlib.import_module(module_name), name)
    assert callable(job)
    # content_free keeps the wrapped function; RQ stores its failure text in Redis.
    assert getattr(job, "__wrapped__", None) is not None
    assert job.__module__ == jobs.__name__


def test_the_dispatcher_names_every_job_in_the_jobs_module() -> None:
    defined = {f"{jobs.__name__}.{name}" for name, value in vars(jobs).items()
               if callable(value) and getattr(value, "__wrapped__", None) is not None}
    assert defined == set(dispatch.JOB_PATHS)
