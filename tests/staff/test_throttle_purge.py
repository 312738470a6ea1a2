"""Sign-in counters do not outlive their window (least data; app/staff/throttle.py).

Before, a failed sign-in left its rows (HMACs of the address, the e-mail and the pair) in
`login_throttles` for ever: a record that someone at some address tried some account.
The daily retention run now deletes every counter whose window is over, and keeps the ones
still counting (deleting those would lift a lock-out early).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.services import services
from app.storage.models import LoginThrottle
from tests.advocates.test_sign_in_lockout import WRONG, attempt
from tests.conftest import AppWith, MovableClock
from tests.support.staff import make_advocate

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def counters(app: Flask) -> int:
    with app.app_context(), services().database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(LoginThrottle)).scalar_one())


def test_the_daily_run_deletes_counters_whose_window_is_over(
        app_with: AppWith, clock: MovableClock, tmp_path: Path) -> None:
    proxied = app_with(QUIETLINE_TRUSTED_PROXIES="1")  # so each attempt has its own address
    advocate = make_advocate(proxied, "a@example.org")
    attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456")
    with proxied.app_context():
        window = services().accounts.throttle.window
    clock.advance(window - timedelta(minutes=1))
    attempt(proxied, "198.51.100.2", "nobody@example.org", WRONG, "123456")
    before = counters(proxied)
    assert before == 6  # address, e-mail and pair, for each attempt

    clock.advance(timedelta(minutes=2))  # the first attempt's window is over, not the second's
    with proxied.app_context():
        services().purge_expired(report_path=tmp_path / "report.json")
    assert counters(proxied) == 3

    clock.advance(window)
    with proxied.app_context():
        services().purge_expired(report_path=tmp_path / "report2.json")
    assert counters(proxied) == 0
