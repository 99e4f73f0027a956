"""Notices to officers: written in the same transaction as the change they announce, then
delivered by e-mail, LINE or both (services.notifications)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.password_reset import PasswordReset
from workshop.models.record import WorkshopMessage
from workshop.models.registration import Registration
from workshop.models.types import UTCDateTime, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "sent_at", "failed_at", "due_at"),)

    ERROR_MAX = 500

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A registration's notice, or (registration None) a password reset link.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True, nullable=True
    )
    password_reset_id: Mapped[int | None] = mapped_column(
        ForeignKey("password_resets.id", ondelete="CASCADE"), index=True, nullable=True
    )
    event: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A sender owns a notice until this time; another process may take it over after that.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(ERROR_MAX), default="")
    # Each channel's own progress, so that a retry sends only what has not gone out yet.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    line_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why LINE refused this notice (a 4xx other than 409/429): not pushed again, mailed instead.
    line_error: Mapped[str] = mapped_column(String(ERROR_MAX), default="")

    # Notices the scheduler queues (reminders, certificate ready) carry a key unique per
    # registration and kind, so that any number of senders queue each one once.
    dedupe_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    # An organizer's message (workshop_messages) this notice carries, for event "message".
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_messages.id", ondelete="CASCADE"), nullable=True, index=True
    )

    registration: Mapped[Registration | None] = relationship()
    password_reset: Mapped[PasswordReset | None] = relationship()
    message: Mapped[WorkshopMessage | None] = relationship()
