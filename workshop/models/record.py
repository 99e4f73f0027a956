"""The training record's own rows: transcripts issued (for their verification code) and the
messages organizers send to a workshop's registrants."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User
from workshop.models.workshop import Workshop


class Transcript(db.Model):
    """A transcript (ประวัติการอบรม) as it was printed: the figures the /verify page shows for
    its code. A new one is made only when the officer's record changed since the last."""

    __tablename__ = "transcripts"

    CODE_LENGTH = 16

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Same form as certificate codes (services.certificates.new_code), so /verify reads both.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    workshop_count: Mapped[int] = mapped_column(Integer)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    first_fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True)

    user: Mapped[User] = relationship()


class MessageAudience:
    """Whom an organizer's message goes to."""

    ALL = "all"  # confirmed and waitlisted
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"  # checked in to at least one session

    CHOICES = (ALL, CONFIRMED, WAITLISTED, CHECKED_IN)


class WorkshopMessage(db.Model):
    """A message an organizer composed to a workshop's registrants; one notice per recipient
    refers to it."""

    __tablename__ = "workshop_messages"

    SUBJECT_MAX = 150
    BODY_MAX = 5000

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    audience: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    workshop: Mapped[Workshop] = relationship()
