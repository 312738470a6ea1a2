"""The redacting log filter, the last line of defence for phone numbers (app/logs.py)."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from app.logs import REDACTED, RedactingFilter, configure_logging, exception_summary, redact


@pytest.mark.parametrize(
    "number",
    [
        "+447700900123",
        "447700900123",
        "07700900123",
        "07700 900123",
        "07700-900-123",
        "+44 (0)7700 900123",
        "(0808) 2000 247",
        "0808 2000 247",
    ],
)
def test_redact_masks_phone_shaped_text(number: str) -> None:
    redacted = redact(f"event=sms.inbound from={number} result=reply")
    assert "7700" not in redacted
    assert "2000 247" not in redacted
    assert REDACTED in redacted
    assert redacted.startswith("event=sms.inbound from=")
    assert redacted.endswith(" result=reply")


def test_redact_masks_a_number_that_follows_a_date() -> None:
    assert redact("seen=2026-11-25 07700 900123") == f"seen=2026-11-25 {REDACTED}"


def test_redact_masks_a_url_encoded_number() -> None:
    # Twilio form-encodes "+" as %2B; a GET to the fallback URL puts From= in the request
    # line that Werkzeug's access log writes.
    line = '"GET /webhooks/twilio/fallback?From=%2B447700900123 HTTP/1.1" 200'
    assert "7700900123" not in redact(line)


def test_redact_masks_every_number_in_a_line() -> None:
    assert redact("a=+447700900123 b=07700 900124") == f"a={REDACTED} b={REDACTED}"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(f"conversation={uuid.uuid4()}", id="uuid"),
        pytest.param("conversation=12345678-1234-4234-8234-123456789abc", id="digit-heavy-uuid"),
        pytest.param("request_id=0123456789abcdef", id="hex-id"),
        pytest.param("sid=SM0123456789abcdef0123456789abcdef", id="twilio-sid"),
        pytest.param("step=3 conversation=42 attempt=2", id="short-numbers"),
        pytest.param("status=503 took_ms=12345", id="five-digits"),
        pytest.param("bytes=16777216", id="eight-digit-size"),
        pytest.param("event=retention.sweep before=2026-11-25", id="iso-date"),
        pytest.param("at=2026-11-25 21:30:00", id="iso-timestamp"),
        pytest.param("failsafe: call 116 123", id="six-digit-service-number"),
    ],
)
def test_redact_leaves_ids_and_short_numbers_alone(line: str) -> None:
    assert redact(line) == line


# --- the filter on a real logger ---------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger whose one handler redacts and writes to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"tests.logs.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)
    handler.close()


def test_record_with_args_is_formatted_then_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("event=sms.inbound from=%s conversation=%d", "+447700900123", 42)
    assert stream.getvalue() == f"INFO event=sms.inbound from={REDACTED} conversation=42\n"


def test_record_with_a_bad_format_string_is_still_logged(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    # A caller's mistake must not drop the line (or crash the handler): the filter logs the
    # unformatted text, still redacted.
    logger.info("event=odd from=+447700900123 %s %s", "only-one")  # noqa: PLE1206 -- on purpose
    assert stream.getvalue() == f"INFO event=odd from={REDACTED} %s %s\n"


def test_exception_text_is_dropped_but_its_type_is_kept(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise ValueError("survivor wrote: he has my phone, +447700900123")
    except ValueError:
        logger.exception("event=sms.failed conversation=42")
    output = stream.getvalue()
    assert output.startswith("ERROR event=sms.failed conversation=42 error=ValueError at=")
    assert "test_logs.py" in output
    assert "he has my phone" not in output
    assert "7700" not in output
    assert "Traceback" not in output


def test_filter_clears_exc_info_and_args_on_the_record() -> None:
    try:
        raise KeyError("+447700900123")
    except KeyError as error:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "event=%s", ("fail",),
                                   (KeyError, error, error.__traceback__))
    assert RedactingFilter().filter(record)
    assert record.exc_info is None
    assert record.exc_text is None
    assert record.args is None
    assert record.getMessage().startswith("event=fail error=KeyError at=")


def test_exception_summary_of_nothing() -> None:
    assert exception_summary(None) == "error=none"


def test_exception_summary_names_type_and_frame_but_not_message() -> None:
    def fail() -> None:
        raise RuntimeError("secret detail")

    try:
        fail()
    except RuntimeError as error:
        summary = exception_summary(error)
    assert summary.startswith("error=RuntimeError at=test_logs.py:")
    assert ":fail < test_logs.py:" in summary
    assert "secret detail" not in summary


# --- configuration -----------------------------------------------------------------------------


@pytest.fixture
def bare_root_logger() -> Iterator[logging.Logger]:
    """The root logger without redacting handlers (an app built earlier may have added one)."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    for handler in saved_handlers:
        if any(isinstance(f, RedactingFilter) for f in handler.filters):
            root.removeHandler(handler)
    yield root
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    for handler in saved_handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(saved_level)


def redacting_handlers(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if any(isinstance(f, RedactingFilter) for f in h.filters)]


def test_configure_logging_is_idempotent(bare_root_logger: logging.Logger) -> None:
    configure_logging()
    configure_logging()
    assert len(redacting_handlers(bare_root_logger)) == 1


def test_a_locked_database_is_named_by_its_code_never_its_message(tmp_path: Path) -> None:
    """Under load the logs must tell a locked database from a lost connection (the staff-load
    bench found OperationalErrors with nothing more to go on), without the message, which can
    quote a query's values."""
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    holder = create_engine(url, connect_args={"timeout": 0})
    waiter = create_engine(url, connect_args={"timeout": 0})
    with holder.connect() as first:
        first.exec_driver_sql("CREATE TABLE t (secret TEXT)")
        first.commit()
        first.exec_driver_sql("BEGIN IMMEDIATE")
        first.exec_driver_sql("INSERT INTO t VALUES ('+447700900123')")
        with pytest.raises(OperationalError) as raised, waiter.connect() as second:
            second.exec_driver_sql("INSERT INTO t VALUES ('+447700900123')")
    summary = exception_summary(raised.value)
    assert summary.startswith("error=OperationalError code=SQLITE_BUSY at=")
    assert "447700900123" not in summary
    assert "locked" not in summary
