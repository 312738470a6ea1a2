"""Staff accounts: advocates, their recovery codes, sessions and sign-in throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class Advocate(Base):
    """A member of staff who signs in to the queue. Role decides what they may see."""

    __tablename__ = "advocates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # advocate, supervisor, admin
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its own salt
    # The TOTP secret is sealed under the advocate's own data key, wrapped by the keyring.
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    totp_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The last TOTP time step accepted: a code seen once is never accepted again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every signed-in session of this account at once (password reset, disable).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # The advocate's own phone, which a safe call-back rings first (app/casework/callbacks.py),
    # sealed under the advocate's data key like the TOTP secret; shown only masked.
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class RecoveryCode(Base):
    """A one-time code for an advocate who lost their authenticator: a SHA-256 digest only
    (app.crypto.RecoveryCodes). `used_at` is set once, by a conditional UPDATE."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        ForeignKey("advocates.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("advocate_id", "code_hash",
                                       name="uq_recovery_codes_advocate_code"),)


class StaffSession(Base):
    """A signed-in session of an advocate, so they can see and end their own sessions.

    Holds no address and no browser details: only when it began, when a person last acted
    in it, and when it ended. The cookie holds the token; this row only its digest.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        ForeignKey("advocates.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_action_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins from one network address, keyed by an HMAC of the address.

    The address itself is never stored (least data); the HMAC is enough to count failures.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
