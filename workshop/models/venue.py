"""Places where workshops are held."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow


class Venue(db.Model):
    __tablename__ = "venues"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    NAME_MAX = 200
    ADDRESS_MAX = 500
    AREA_MAX = 100
    CAPACITY_MAX = 100_000

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    district: Mapped[str] = mapped_column(String(AREA_MAX), default="")
    province: Mapped[str] = mapped_column(String(AREA_MAX), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The edit version, as ``Workshop.version``: edit forms and If-Match carry it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.name}>"
