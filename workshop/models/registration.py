"""Officers' registrations for workshops: confirmed seats, the waitlist, cancellations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User
from workshop.models.workshop import Workshop


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per officer per workshop; cancelled ones may pile up.
        Index(
            "uq_registrations_active",
            "workshop_id",
            "user_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_seq IS NOT NULL)", name="waitlist_seq_iff_waiting"
        ),
        Index("ix_registrations_workshop_status", "workshop_id", "status"),
    )

    REASON_MAX = 500

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    # Order on the waitlist (issued from Workshop.waitlist_issued); the visible position is the
    # rank among those still waiting, so positions stay 1, 2, 3 ... as people leave.
    waitlist_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Per-registration secret inside the QR ticket; replacing it invalidates printed tickets.
    ticket_secret: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The office quota whose seat this registration holds (named through a nomination link);
    # None for the general pool. Kept after the quotas are released, for the record.
    quota_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_quotas.id", ondelete="SET NULL"), nullable=True, index=True
    )

    workshop: Mapped[Workshop] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status} user={self.user_id} ws={self.workshop_id}>"


class RegistrationStatusChange(db.Model):
    """Each status a registration took and when: an offline scan that syncs late is judged by
    the status its registration had at the moment of the scan (``services.checkins``)."""

    __tablename__ = "registration_status_changes"
    __table_args__ = (
        Index("ix_registration_status_changes_registration_at", "registration_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship()


class RetiredTicketSecret(db.Model):
    """A ticket secret replaced by a reissue, and when: a scan made with it before then (at a
    door that was offline) still counts when it syncs."""

    __tablename__ = "retired_ticket_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    secret: Mapped[str] = mapped_column(String(32))
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
