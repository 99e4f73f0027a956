"""Certificates of attendance, their running numbers, and the images printed on them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.registration import Registration
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User
from workshop.models.workshop import Workshop


class Certificate(db.Model):
    """One officer's certificate for one workshop, issued once and never renumbered.

    ``number`` runs per (``office_id``, ``fiscal_year``): both are copied from the workshop
    when the certificate is issued, so a later edit of the workshop cannot move a certificate
    into another series. A revoked certificate keeps its number and code; the verification
    page then says it was revoked, and why.

    Before offices existed numbers ran per agency text, and two texts of one office (differing
    by a space) numbered separately. Migration 0010 kept those numbers: where two such
    certificates share an office, year and number, the later ones keep their old agency text
    in ``legacy_series``. Every certificate issued since has ``legacy_series`` empty.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # The last guard against a duplicate number, whatever happens to the counter.
        UniqueConstraint("office_id", "fiscal_year", "number", "legacy_series"),
    )

    REASON_MAX = 500
    CODE_LENGTH = 16

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    organizing_agency: Mapped[str] = mapped_column(String(Workshop.AGENCY_MAX))
    legacy_series: Mapped[str] = mapped_column(
        String(Workshop.AGENCY_MAX), default="", server_default=""
    )
    fiscal_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    # Public verification code: 80 random bits in Crockford base32, stored without dashes.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    # The date printed after "ให้ไว้ ณ วันที่": the workshop's last day (Bangkok).
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Set when an organizer granted the certificate to someone below the attendance rule.
    grant_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")

    registration: Mapped[Registration] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def number_text(self) -> str:
        """``12/2559``: the running number over the fiscal year (BE)."""
        return f"{self.number}/{self.fiscal_year}"

    def __repr__(self) -> str:
        return f"<Certificate {self.number_text} reg={self.registration_id}>"


class CertificateCounter(db.Model):
    """The last number issued in one series (office, fiscal year).

    Incremented by a single ``UPDATE ... RETURNING`` inside the issuing transaction, which locks
    the row until commit: concurrent issuers queue on it, and a rolled-back issue gives its
    number back, so the series has neither gaps nor duplicates.
    """

    __tablename__ = "certificate_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class CertificateImageKind(enum.StrEnum):
    LOGO = "logo"
    SIGNATURE = "signature"  # the first signatory's
    SIGNATURE_2 = "signature2"  # the second signatory's
    BACKGROUND = "background"  # a whole-page design, in place of the built-in frame


class CertificateImage(db.Model):
    """A workshop's logo, a signatory's signature or a page background, kept in the database
    (shared by workers)."""

    __tablename__ = "certificate_images"
    __table_args__ = (UniqueConstraint("workshop_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    uploaded_by: Mapped[User | None] = relationship()
