"""Audit trail of organizer and staff actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow
from workshop.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # An entity's history (a person's data export, whether a check-in was undone).
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The office whose record it is (services.audit.record_event): what organizers see of the
    # trail is their offices' events (services.offices). None: no office's (sign-ups, venues).
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
