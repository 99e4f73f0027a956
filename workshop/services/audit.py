"""The audit trail: who did what to which record, written with each change.

Only the writing lives here, at the bottom of the services (every rule records its events);
reading the trail as organizers do (labels, sentences, pages) is ``services.audit_log``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workshop.extensions import db
from workshop.models import AuditEvent, Office, Registration, User, Workshop, WorkshopSession


def record_event(
    actor: User | None, action: str, entity: Any, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        office_id=_office_of(entity, actor),
        details=details or {},
    )
    db.session.add(event)
    return event


def _office_of(entity: Any, actor: User | None) -> int | None:
    """The office an event belongs to: its workshop's (through the registration or session it
    names), else the office's own id, else the acting organizer's or staff member's office."""
    if isinstance(entity, Workshop):
        return entity.office_id
    if isinstance(entity, Office):
        return entity.id
    if isinstance(entity, User) and entity.role in ("organizer", "staff"):
        return entity.office_id
    query = None
    if getattr(entity, "workshop_id", None) is not None:
        # Usually loaded already (the change locked it): no statement then.
        workshop = db.session.get(Workshop, entity.workshop_id)
        return workshop.office_id if workshop is not None else None
    if getattr(entity, "registration_id", None) is not None:
        query = (
            select(Workshop.office_id)
            .join(Registration, Registration.workshop_id == Workshop.id)
            .where(Registration.id == entity.registration_id)
        )
    elif getattr(entity, "session_id", None) is not None:
        query = (
            select(Workshop.office_id)
            .join(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
            .where(WorkshopSession.id == entity.session_id)
        )
    if query is not None:
        return db.session.scalar(query)
    if actor is not None and actor.role in ("organizer", "staff"):
        return actor.office_id
    return None
