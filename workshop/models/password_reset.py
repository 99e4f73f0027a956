"""Password reset requests: a one-time link mailed to the account's address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User


class PasswordReset(db.Model):
    """One requested reset. The link's token is never stored: ``digest`` is its SHA-256 (to
    find the row), and the token is rebuilt for the mail from ``salt`` and the app's secret key
    (``services.password_resets``), so the database alone cannot be used to reset a password."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_user_requested", "user_id", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    salt: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the link was used, or when a later reset or password change made it void.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()
