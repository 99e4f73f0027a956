"""Seats a workshop reserves for an office, and the links office heads name people through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.office import Office
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.workshop import Workshop


class WorkshopQuota(db.Model):
    """``seats`` of the workshop held for ``office`` until the workshop's release date.

    ``filled`` counts the office's people in those seats; it moves only by conditional UPDATEs
    in ``services.registrations`` under the workshop row lock (like the workshop's seat
    counters), so an office never goes over its quota.
    """

    __tablename__ = "workshop_quotas"
    __table_args__ = (
        UniqueConstraint("workshop_id", "office_id", name="uq_workshop_quotas_office"),
        CheckConstraint("filled >= 0 AND filled <= seats", name="filled_within_seats"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    seats: Mapped[int] = mapped_column(Integer, default=0)
    filled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    workshop: Mapped[Workshop] = relationship()
    office: Mapped[Office] = relationship()

    @property
    def unfilled(self) -> int:
        return max(self.seats - self.filled, 0)

    def __repr__(self) -> str:
        return f"<WorkshopQuota {self.id} ws={self.workshop_id} office={self.office_id}>"


class NominationLink(db.Model):
    """A link that lets an office's head name people into the office's quota, no account
    needed. Only the SHA-256 digest of its token is stored (the link is shown once); a new link
    for the same quota revokes the earlier one."""

    __tablename__ = "nomination_links"

    NAME_MAX = 200

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quota_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_quotas.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    head_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    head_email: Mapped[str] = mapped_column(String(254), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    quota: Mapped[WorkshopQuota] = relationship()

    @property
    def workshop_id(self) -> int:
        """For the audit trail: the event belongs to the quota's workshop's office."""
        return self.quota.workshop_id

    def __repr__(self) -> str:
        return f"<NominationLink {self.id} quota={self.quota_id}>"
