"""Reading a closed Chromium profile the way someone holding the device could.

After the browser has closed (so everything is flushed to disk), these read the profile
directory directly: the cookie database, the history and favicon databases, the on-disk HTTP
cache (the "simple" cache backend Chromium uses on Linux: one file per entry, a 24-byte header
then the entry's key, whose last space-separated part is the URL), and the storage areas
(Local Storage, Session Storage, IndexedDB, Service Worker with Cache Storage, WebStorage).

Searches look for text both as UTF-8 and as UTF-16 (Chromium serialises page state in UTF-16).
LevelDB may compress older table files; a short session stays in the uncompressed write-ahead
logs, and the test using this also checks the same things from inside the page.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SIMPLE_CACHE_MAGIC = 0xFCFB6D1BA7725C30
SIMPLE_CACHE_HEADER = struct.Struct("<QIIII")  # magic, version, key length, key hash, padding
STORAGE_AREAS = ("Local Storage", "Session Storage", "IndexedDB", "Service Worker",
                 "WebStorage", "File System", "blob_storage", "Shared Dictionary")


def origin_forms(host: str, port: int) -> tuple[str, ...]:
    """How Chromium writes an origin in file contents and in directory names."""
    return (f"{host}:{port}", f"{host}_{port}")


@dataclass(frozen=True)
class Profile:
    root: Path

    @property
    def default(self) -> Path:
        return self.root / "Default"

    def files(self, under: Path | None = None) -> Iterator[Path]:
        base = under or self.root
        if base.exists():
            yield from (path for path in sorted(base.rglob("*")) if path.is_file())

    def _relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def files_containing(self, needles: Iterable[str],
                         under: Path | None = None) -> dict[str, list[str]]:
        """Relative path -> which of `needles` its name or bytes contain (UTF-8 or UTF-16)."""
        wanted = [(n, n.encode("utf-8"), n.encode("utf-16-le")) for n in needles if n]
        found: dict[str, list[str]] = {}
        for path in self.files(under):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            name = self._relative(path)
            hits = [n for n, utf8, utf16 in wanted if n in name or utf8 in data or utf16 in data]
            if hits:
                found[name] = hits
        return found

    def storage_files_mentioning(self, needles: Iterable[str]) -> dict[str, list[str]]:
        """Files in the storage areas (not history, preferences or sessions) naming `needles`."""
        found: dict[str, list[str]] = {}
        for area in STORAGE_AREAS:
            found.update(self.files_containing(needles, under=self.default / area))
        return found

    def http_cache_urls(self) -> list[str]:
        """The URL of every entry in the on-disk HTTP cache."""
        urls = []
        for path in self.files(self.default / "Cache"):
            data = path.read_bytes()
            if len(data) < SIMPLE_CACHE_HEADER.size:
                continue
            magic, _version, key_length, _hash, _pad = SIMPLE_CACHE_HEADER.unpack_from(data)
            if magic != SIMPLE_CACHE_MAGIC:
                continue
            key = data[SIMPLE_CACHE_HEADER.size:SIMPLE_CACHE_HEADER.size + key_length]
            if key:
                urls.append(key.decode("utf-8", "replace").rsplit(" ", 1)[-1])
        return urls

    def _query(self, name: str, sql: str) -> list[tuple[object, ...]]:
        path = self.default / name
        if not path.exists():
            return []
        uri = f"file:{path}?mode=ro&immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            return list(connection.execute(sql))

    def cookies(self) -> list[tuple[str, str, int]]:
        """(host, name, expires_utc) of every cookie Chromium kept on disk."""
        rows = self._query("Cookies", "SELECT host_key, name, expires_utc FROM cookies")
        return [(str(h), str(n), int(str(e))) for h, n, e in rows]

    def history(self) -> list[tuple[str, str]]:
        """(url, title) of every page in the browser history."""
        return [(str(u), str(t)) for u, t in self._query("History", "SELECT url, title FROM urls")]

    def favicon_urls(self) -> list[str]:
        """The icon URLs Chromium remembered for pages (data: URLs hold the icon itself)."""
        return [str(u) for (u,) in self._query("Favicons", "SELECT url FROM favicons")]
