"""Files and folders that only the service's own user can read.

docs/threat-model.md, A4: the SQLite file and its WAL hold sealed messages and wrapped keys,
`instance/` holds development secrets and signed retention reports, and Redis's folder holds the
job queue. Another account on the same machine must not read any of them. So each entry point
sets a umask of 077 at start-up (wsgi.py, worker.py, scripts/run.py), and the places that create
these files give them 0600 (folders 0700) explicitly as well, whatever umask a process was started
with, tightening ones an older version left readable. Standard library only; no other import.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def restrict_new_files() -> None:
    """From now on this process (and what it starts) creates files for its owner only."""
    os.umask(OWNER_ONLY_UMASK)


def new_private_folder(path: Path) -> Path:
    """Make `path` 0700 (with any missing parents) if it is missing; an existing folder, which
    may be one the operator chose, is left as it is."""
    if not path.exists():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        _chmod_if_ours(path, FOLDER_MODE)
    return path


def private_folder(path: Path) -> Path:
    """A folder of the service's own (instance/, Redis's): made 0700 if missing; if it already
    existed, others may no longer list or write it."""
    if path.exists():
        # Others keep the search bit of a folder that had one: `make run-prod-like` as root
        # needs the postgres user to reach instance/postgres.
        _chmod_if_ours(path, path.stat().st_mode & (FOLDER_MODE | 0o011))
        return path
    return new_private_folder(path)


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it is missing; tighten it to 0600 if it exists."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    _chmod_if_ours(path, FILE_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to a file that is 0600 from the moment it exists (never readable first),
    making its folder 0700 if it is missing."""
    new_private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    _chmod_if_ours(path, FILE_MODE)


def _chmod_if_ours(path: Path, mode: int) -> None:
    # A file another account owns (a shared folder chosen by the operator) is left as it is.
    if path.stat().st_uid == os.geteuid():
        os.chmod(path, mode)
