"""Excused absences: an organizer records that someone missed a session with leave."""

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


class ExcuseKind(enum.StrEnum):
    LEAVE = "leave"  # ลา
    OFFICIAL_DUTY = "official_duty"  # ไปราชการ
    OTHER = "other"  # another reason, typed by the organizer


class ExcusedAbsence(db.Model):
    """One registration excused from one session (never together with a check-in for it)."""

    __tablename__ = "excused_absences"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    REASON_MAX = 500

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # Required for ExcuseKind.OTHER, an optional note (e.g. the order's number) otherwise.
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    registration: Mapped[Registration] = relationship()
    session: Mapped[WorkshopSession] = relationship()
    recorded_by: Mapped[User | None] = relationship()
