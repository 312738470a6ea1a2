"""Structured, content-free logging, with a redaction filter as the last line of defence.

Log lines are `event=name key=value` pairs with ids only (docs/architecture.md, habit 12). Nothing
should ever try to log a message body or a phone number; the filter below masks anything
shaped like a phone number anyway, in every handler, including Werkzeug's and gunicorn's.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback

# A run of digits with +, spaces, dots, dashes or brackets between them, not inside a longer
# word or id (UUIDs and hex ids are left alone); redacted when it holds 9 or more digits, the
# shortest UK number without its trunk prefix. Status codes, sizes and times stay readable.
# A "+" that arrived form-encoded ("%2B447...") counts as a start too.
_PHONE_SHAPED = re.compile(r"(?:(?<=%2[Bb])|(?<![\w-]))\+?\d[\d\s().-]{6,}\d(?![\w-])")
_MIN_DIGITS = 9
REDACTED = "[redacted]"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\b")

# A port: what follows the ":" after a host, in a URL ("http://127.0.0.1:5000", "redis://redis:
# 6379", "user@db:5432") or as host:port with a host that cannot be a label such as "From:" or
# "tel.no:" (an IP address, "localhost", "[::1]"). Without this, gunicorn's "Listening at:
# http://127.0.0.1:5000 (12345)" ran the port into the pid and lost both. Only the port's own
# digits are spared: whatever follows in the same run is judged again, so "http://x:44 7700
# 900123" still loses the number. A port never starts with 0, so "localhost:07700900123" does.
_HOST_BEFORE_COLON = re.compile(r"(?:(?://|@)[\w.-]+|\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3})|\])$")
_PORT = re.compile(r"^[1-9]\d{0,4}(?!\d)")


def _port_at_start(match: re.Match[str]) -> int:
    """How many leading characters of `match` are a port after a host, or 0."""
    start = match.start()
    if start == 0 or match.string[start - 1] != ":":
        return 0
    if not _HOST_BEFORE_COLON.search(match.string, max(0, start - 256), start - 1):
        return 0
    port = _PORT.match(match.group(0))
    return port.end() if port and int(port.group(0)) <= 65535 else 0


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    date = _ISO_DATE.match(text)
    if date:  # a timestamp, but a number may follow it in the same run
        return date.group(0) + redact(text[date.end():])
    port = _port_at_start(match)
    if port:
        return text[:port] + redact(text[port:])
    return REDACTED if sum(c.isdigit() for c in text) >= _MIN_DIGITS else text


def redact(text: str) -> str:
    return _PHONE_SHAPED.sub(_mask, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a bad format string must not drop the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            # Exception messages can carry content; keep the type and where, not the text.
            record.msg += " " + exception_summary(record.exc_info[1])
            record.exc_info = None
            record.exc_text = None
        return True


def exception_summary(exc: BaseException | None) -> str:
    """The exception's type and the frames it passed through, without its message."""
    if exc is None:
        return "error=none"
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames[::-1])
    return f"error={type(exc).__name__}{_database_code(exc)} at={where or '-'}"


def _database_code(exc: BaseException) -> str:
    """The database's own code for an error SQLAlchemy wraps ("40P01" for a PostgreSQL
    deadlock, "SQLITE_BUSY" for a locked SQLite file): a fixed name that tells a locked
    database from a lost connection, where the message could quote a query's values."""
    orig = getattr(exc, "orig", None)
    code = (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
            or getattr(orig, "sqlite_errorname", None))
    return f" code={code}" if isinstance(code, str) and code.replace("_", "").isalnum() else ""


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger through one redacting handler on stderr (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if any(isinstance(f, RedactingFilter) for f in handler.filters):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Filters on the root handler only see records that reach it; loggers with their own
    # handlers (gunicorn's) get the filter too.
    for name in ("gunicorn.error", "gunicorn.access", "werkzeug", "rq.worker"):
        for own in logging.getLogger(name).handlers:
            own.addFilter(RedactingFilter())
