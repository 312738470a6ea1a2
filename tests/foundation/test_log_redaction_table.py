"""What the log filter redacts and what it leaves readable (app/logs.py), as tables.

Every common spelling of a UK number is masked, also next to a host and port; a port in a URL
or after an address is not a phone number, even when a process id follows it (gunicorn's
"Listening at: http://127.0.0.1:5000 (12345)" lost its port to the filter before).
"""

from __future__ import annotations

import pytest

from app.logs import REDACTED, redact

UK_SPELLINGS = [
    "+447700900123",
    "+44 7700 900123",
    "+44 7700 900 123",
    "+44 (0)7700 900123",
    "+44 (0) 7700 900123",
    "0044 7700 900123",
    "447700900123",
    "07700900123",
    "07700 900123",
    "07700 900 123",
    "07700-900-123",
    "07700.900.123",
    "(07700) 900123",
    "7700 900123",
    "020 7946 0123",
    "(020) 7946 0123",
    "+44 20 7946 0123",
    "0121 496 0123",
    "0113 496 0123",
    "0808 2000 247",
    "(0808) 2000 247",
]


@pytest.mark.parametrize("number", UK_SPELLINGS)
@pytest.mark.parametrize("around", [
    "from={}",
    "from={} result=reply",
    "From:{}",
    "tel:{}",
    "tel.no:{}",
    "/fallback?From=%2B{}",
    "http://127.0.0.1:5000 {}",
    "Listening at: http://127.0.0.1:5000 ({})",
    "localhost:5000 {}",
])
def test_uk_numbers_are_redacted_in_every_spelling_and_place(number: str, around: str) -> None:
    number = number.removeprefix("+") if "%2B" in around else number
    line = around.format(number)
    redacted = redact(line)
    assert REDACTED in redacted
    digits = "".join(c for c in number if c.isdigit())
    assert digits[-6:] not in "".join(c for c in redacted if c.isdigit())


@pytest.mark.parametrize("line", [
    "localhost:07700900123",
    "127.0.0.1:07700 900123",
    "http://example.org:447700900123/",
    "http://example.org:44 7700 900123",
    "redis://127.0.0.1:6380/0 07700 900123",
])
def test_a_number_glued_to_a_host_is_not_taken_for_a_port(line: str) -> None:
    redacted = redact(line)
    assert REDACTED in redacted
    assert "900123" not in redacted


@pytest.mark.parametrize("line", [
    "Listening at: http://127.0.0.1:5000 (43210)",
    "[2026-12-06 11:00:00 +0000] [123456] [INFO] Listening at: http://127.0.0.1:5000 (123456)",
    "Listening at: http://0.0.0.0:8000 (98765)",
    "Listening at: http://[::1]:5000 (43210)",
    "Listening at: http://localhost:65535 (43210)",
    "Listening at: unix:/run/quietline.sock (43210)",
    "redis://127.0.0.1:6380/0 connected in 12345 us",
    "postgresql+psycopg://quietline@127.0.0.1:54321/quietline 123456",
    "http://redis:6379/0 (43210)",
    "connect localhost:5432 (43210)",
    "127.0.0.1:5000 12345",
    "[::1]:5000 12345",
    "Booting worker with pid: 123456",
])
def test_ports_in_urls_and_host_port_stay_readable(line: str) -> None:
    assert redact(line) == line
