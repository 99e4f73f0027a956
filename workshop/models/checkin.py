"""Attendance: one check-in per registration per session."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.registration import Registration
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User
from workshop.models.workshop import WorkshopSession


class CheckInMethod(enum.StrEnum):
    QR = "qr"  # camera or USB/Bluetooth scanner
    MANUAL = "manual"  # ticket code typed in
    SEARCH = "search"  # found by name
    OFFLINE = "offline"  # scanned while the door device had no network, synced later


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    REASON_MAX = 500

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    # When the door scanned it (the device's clock, bounded to the session window) and when the
    # server stored it; they differ for scans queued offline.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(20), default=CheckInMethod.QR.value)
    # Set when an organizer checked someone in outside the session's check-in window.
    override_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")

    registration: Mapped[Registration] = relationship()
    session: Mapped[WorkshopSession] = relationship()
    staff: Mapped[User | None] = relationship()
