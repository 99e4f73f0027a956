"""Offices: the provincial community development office and its district offices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow


class Office(db.Model):
    """An office that runs workshops and employs organizers and door staff.

    ``parent_id`` points from a district office (สำนักงานพัฒนาชุมชนอำเภอ) to its provincial
    office (สำนักงานพัฒนาชุมชนจังหวัด), whose organizers also see the district offices' work
    (``services.offices.visible_office_ids``). Province and district carry their DOPA codes
    (``workshop.thai.districts``); a provincial office has no district.
    """

    __tablename__ = "offices"

    NAME_MAX = 200
    SHORT_NAME_MAX = 50

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    short_name: Mapped[str] = mapped_column(String(SHORT_NAME_MAX), default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )
    province: Mapped[str] = mapped_column(String(100), default="")
    province_code: Mapped[str] = mapped_column(String(2), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    district_code: Mapped[str] = mapped_column(String(4), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Office | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        """The name people pick from a list."""
        return self.name

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.name}>"
