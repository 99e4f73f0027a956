"""Attendance: one check-in per registration per session."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, UniqueConstraint, false
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


class RefusedScan(db.Model):
    """A scan queued by a door while offline that the server refused when it synced.

    Kept for the organizer (the workshop page lists them as scans refused at sync), who may
    check the person in with an audited override; nothing a door scanned is silently lost.
    An exit's scan (``checkout``) is kept the same way, for the organizer to see and dismiss.
    """

    __tablename__ = "refused_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    # The ticket's holder when the token was genuine (or the registration the door picked);
    # None for a forged or garbled code.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(20))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the door device's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    code: Mapped[str] = mapped_column(String(40))  # the API error code of the refusal
    checkout: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set once an organizer checked the person in anyway (with an override) or dismissed it.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), nullable=True
    )

    registration: Mapped[Registration | None] = relationship()
    session: Mapped[WorkshopSession] = relationship()
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
