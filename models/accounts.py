"""Records behind signing in: reset tokens, stored login throttles, and the mail outbox."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str255, Timestamp, user_fk
from models.people import User


class PasswordResetToken(Base):
    """A single-use link to set a password; only the SHA-256 of the token is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[IntPK]
    user_id: Mapped[int] = user_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    #: The admin who issued the link, or None when the person asked for it by e-mail.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginThrottle(Base):
    """Failed sign-ins per typed e-mail (known or not), so a lockout survives restarts and workers."""

    __tablename__ = "login_throttles"

    id: Mapped[IntPK]
    #: SHA-256 of the normalised e-mail: unknown addresses are throttled exactly like real ones.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]


class OutboxMail(Base):
    """Every e-mail the service sends; without SMTP this is where an admin reads them."""

    __tablename__ = "outbox_mails"

    id: Mapped[IntPK]
    to_address: Mapped[Str255]
    subject: Mapped[Str255]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    sent_at: Mapped[dt.datetime | None]
    #: Why sending failed, or None.
    error: Mapped[str | None] = mapped_column(String(500))
