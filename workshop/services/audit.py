"""The audit trail: who did what to which record."""

from __future__ import annotations

from typing import Any

from workshop.extensions import db
from workshop.models import AuditEvent, User


def record_event(
    actor: User | None, action: str, entity: Any, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        details=details or {},
    )
    db.session.add(event)
    return event
