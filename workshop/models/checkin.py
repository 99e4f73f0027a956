"""Attendance: one check-in per registration per session."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, UniqueConstraint
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
    # The last scan at the exit, for workshops with check-out (services.checkouts).
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checkout_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    registration: Mapped[Registration] = relationship()
    session: Mapped[WorkshopSession] = relationship()
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])


class CheckInTally(db.Model):
    """The door's live counter of people checked in to a session, kept in a few slots.

    The sum over a session's slots equals its number of check-ins. ``services.checkins`` adds
    one to a random slot in the transaction that inserts a check-in (and takes one off when a
    check-in is undone), so the door never counts the check-ins table, and concurrent scans at
    several doors rarely wait for the same row lock until each other's commit.
    """

    __tablename__ = "checkin_tallies"

    SLOTS = 16

    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    checked_in: Mapped[int] = mapped_column(Integer, default=0)
