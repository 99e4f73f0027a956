"""The audit trail for organizers: who did what to which record, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from workshop.models import AuditEvent, Role
from workshop.services.audit_log import (
    ENTITY_LABELS,
    AuditObject,
    action_label,
    describe_objects,
    detail_items,
    entity_label,
    event_sentence,
    known_actions,
    list_events,
)
from workshop.services.offices import office_filter
from workshop.web.access import role_required
from workshop.web.i18n import current_locale
from workshop.web.request_input import optional_int

bp = Blueprint("audit", __name__, url_prefix="/organizer/audit")


def _entity_link(entity_type: str, entity_id: int | None, named: AuditObject | None) -> str | None:
    """Where the record is seen: the workshop, the venue, or the workshop's list of people."""
    if entity_id is None:
        return None
    if entity_type == "workshops":
        return url_for("organizer.workshop_detail", workshop_id=entity_id)
    if entity_type == "venues":
        return url_for("organizer.venue_edit", venue_id=entity_id)
    if named is None or named.workshop_id is None:
        return None
    if entity_type == "certificates":
        return url_for("certificates.workshop_list", workshop_id=named.workshop_id)
    if entity_type == "registrations":
        return url_for(
            "organizer.registrations",
            workshop_id=named.workshop_id,
            _anchor=f"registration-{entity_id}",
        )
    return url_for("organizer.workshop_detail", workshop_id=named.workshop_id)


@bp.get("")
@role_required(Role.ORGANIZER)
def events():
    action = request.args.get("action", "").strip() or None
    entity_type = request.args.get("entity", "").strip() or None
    entity_id = optional_int(request.args.get("entity_id"))
    page = request.args.get("page", 1, type=int) or 1
    found = list_events(
        scope=office_filter(AuditEvent.office_id, current_user),
        page=page,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
    )
    objects = describe_objects(found.events)
    locale = current_locale()
    filters = {"action": action, "entity": entity_type, "entity_id": entity_id}
    filters = {key: value for key, value in filters.items() if value}
    return render_template(
        "organizer/audit.html",
        found=found,
        filters=filters,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actions=[(a, action_label(a)) for a in known_actions()],
        entities=[(e, entity_label(e)) for e in ENTITY_LABELS],
        action_label=action_label,
        entity_label=entity_label,
        detail_items=lambda event: detail_items(event.details, locale, event.action),
        sentence=lambda event: event_sentence(event, objects),
        entity_link=lambda e: _entity_link(
            e.entity_type, e.entity_id, objects.get((e.entity_type, e.entity_id))
        ),
    )
