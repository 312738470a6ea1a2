"""Quietline: discreet SMS and web chat for survivors of domestic abuse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from flask import Flask

    from app.config import Settings


def create_app(settings: Settings | None = None,
               clock: Callable[[], datetime] | None = None) -> Flask:
    """Build the app from `settings`, or from the environment when none are given; `clock`
    replaces the wall clock (tests move time instead of sleeping)."""
    # Imported here, not at the top of the package: importing `app.flows` (the pure engine)
    # must not pull in Flask, SQLAlchemy or Redis (see app/flows/__init__.py).
    from app.factory import create_app as build  # noqa: PLC0415

    return build(settings, clock)
