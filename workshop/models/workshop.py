"""Workshops and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.office import Office
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.venue import Venue
from workshop.thai.cohorts import with_cohort


class WorkshopStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CertificateKind(enum.StrEnum):
    HONOUR = "เกียรติบัตร"  # certificate of honour/participation
    ACHIEVEMENT = "วุฒิบัตร"  # certificate of completed training


class AttendanceRule(enum.StrEnum):
    """What the certificate threshold is a share of (``services.attendance`` applies it)."""

    HOURS = "hours"  # of the training hours of all sessions: "อย่างน้อยร้อยละ 80 ของเวลาอบรม"
    SESSIONS = "sessions"  # of the number of sessions


class Workshop(db.Model):
    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "attendance_threshold >= 0 AND attendance_threshold <= 100",
            name="threshold_percent",
        ),
        CheckConstraint("registration_opens_at < registration_closes_at", name="window_order"),
        CheckConstraint(
            "confirmed_count >= 0 AND confirmed_count <= capacity", name="seats_within_capacity"
        ),
        CheckConstraint("waitlist_count >= 0", name="waitlist_count_positive"),
        CheckConstraint(
            "reserved_unfilled >= 0 AND confirmed_count + reserved_unfilled <= capacity",
            name="reserved_within_capacity",
        ),
    )

    TITLE_MAX = 300
    TEXT_MAX = 5000
    AGENCY_MAX = 200
    PERSON_MAX = 200
    REASON_MAX = 500

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    objectives: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[str] = mapped_column(Text, default="")  # one topic per line
    # The office that runs the workshop: who may manage it (services.offices) and whose
    # certificate series it numbers in. ``organizing_agency`` is the name printed on tickets,
    # certificates and reports (the office's name unless the organizer wrote another).
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    organizing_agency: Mapped[str] = mapped_column(String(AGENCY_MAX))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=WorkshopStatus.DRAFT.value, index=True)
    # Set once, by services.workshops.cancel_workshop: officers see the reason on their page and
    # in the notice, which is built when it is mailed (possibly later than the cancellation).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="", server_default="")
    attendance_threshold: Mapped[int] = mapped_column(Integer, default=80)
    # Workshops made before training hours existed keep the session-count rule (migration 0009
    # fills "sessions"); new ones count hours.
    attendance_rule: Mapped[str] = mapped_column(
        String(10), default=AttendanceRule.HOURS.value, server_default=AttendanceRule.HOURS.value
    )
    # Door staff also scan people out; hours present then come from the scan times.
    checkout_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Whether sessions excused (ลา, ไปราชการ) count toward the certificate rule.
    excused_count: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    certificate_kind: Mapped[str] = mapped_column(String(30), default=CertificateKind.HONOUR.value)
    # Door check-in is open from this many minutes before each session starts until this many
    # minutes after it ends (organizers can override with a reason).
    checkin_opens_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    checkin_closes_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # A workshop run again: its cohort number and the first workshop of the series (set on
    # the first too once a next cohort is made from it, so that it reads รุ่นที่ 1). None: a
    # workshop run once, whose title stands alone (services.workshops.next_cohort_input).
    cohort: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id"), nullable=True, index=True
    )
    # Days before the first session that confirmed registrants get a reminder; None: the
    # installation's REMINDER_DAYS; 0: no reminder.
    reminder_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the "certificate ready" notices were queued (once, after the door closed on the
    # last session): the scheduler claims the workshop by setting it.
    certificate_notices_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    presiding_official: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    signatory_name: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    signatory_position: Mapped[str] = mapped_column(String(PERSON_MAX), default="")
    # Certificate design (services.certificate_design): the wording after the name with
    # placeholders ("" = the default of the certificate's type), a second signatory, Thai
    # numerals on certificates and reports, and the built-in frame.
    certificate_wording: Mapped[str] = mapped_column(Text, default="", server_default="")
    signatory2_name: Mapped[str] = mapped_column(String(PERSON_MAX), default="", server_default="")
    signatory2_position: Mapped[str] = mapped_column(
        String(PERSON_MAX), default="", server_default=""
    )
    thai_numerals: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    certificate_frame: Mapped[str] = mapped_column(
        String(20), default="classic", server_default="classic"
    )
    # Seat counters, changed only by conditional UPDATEs in services.registrations: the database
    # row is the lock that keeps confirmed registrations within capacity under concurrency.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waitlist_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Quota seats held for offices and not yet filled (services.quotas): the general pool has
    # capacity - confirmed_count - reserved_unfilled seats. Zero once the quotas are released,
    # which happens once (``quotas_released_at``) on or after ``quota_release_at``.
    reserved_unfilled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quota_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    quotas_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Derived from the first session; stored so reports and certificate numbering can filter on it.
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The edit version: one more with every ORM UPDATE of the row (SQLAlchemy's version counter,
    # which also refuses an UPDATE of a row that changed since it was loaded). Edit forms and
    # the API's ETag/If-Match carry it, so a stale edit is refused instead of overwriting newer
    # values. Seat counters change by Core UPDATEs and do not count as edits.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    venue: Mapped[Venue] = relationship()
    office: Mapped[Office] = relationship()
    sessions: Mapped[list[WorkshopSession]] = relationship(
        back_populates="workshop",
        cascade="all, delete-orphan",
        order_by="WorkshopSession.starts_at",
    )

    @property
    def full_title(self) -> str:
        """The title with the cohort (รุ่นที่ 2) when the workshop is one of a series: what
        pages, tickets, reports and certificates print."""
        return with_cohort(self.title, self.cohort if self.series_id is not None else None)

    @property
    def public_seats_free(self) -> int:
        """Seats anyone may still take: capacity less the confirmed and the quota seats held."""
        return max(self.capacity - self.confirmed_count - self.reserved_unfilled, 0)

    @property
    def topic_list(self) -> list[str]:
        return [line.strip() for line in self.topics.splitlines() if line.strip()]

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> datetime | None:
        return max(s.ends_at for s in self.sessions) if self.sessions else None

    @property
    def total_hours(self) -> Decimal:
        """The training hours of all sessions together."""
        return sum((s.hours for s in self.sessions), Decimal("0.00"))

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.status}>"


class WorkshopSession(db.Model):
    """One sitting of a workshop (a day or half-day); attendance is counted per session."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="time_order"),
        CheckConstraint("hours >= 0 AND hours <= 24", name="hours_range"),
    )

    TITLE_MAX = 200

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Training hours credited for attending the whole session (e.g. 3.50): by default its
    # length less the lunch break (services.attendance.default_hours); organizers may edit it.
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<WorkshopSession {self.id} of {self.workshop_id}>"
