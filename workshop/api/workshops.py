"""Workshop endpoints of the API: anyone reads what is public, organizers manage."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l

from workshop.api import api_bp
from workshop.api.auth import api_auth, viewer
from workshop.api.schemas import (
    INT32_MAX,
    SessionPatch,
    WorkshopCreate,
    WorkshopOut,
    WorkshopPatch,
    parse_body,
    to_json,
)
from workshop.api.versions import etag, if_match_version
from workshop.models import Role, Workshop, WorkshopStatus
from workshop.services.certificate_design import DESIGN_COLUMNS, DesignInput
from workshop.services.errors import ValidationFailed
from workshop.services.workshops import (
    SessionInput,
    WorkshopInput,
    create_workshop,
    get_workshop,
    list_workshops,
    patch_workshop,
)

WORKSHOP_ID = f"<int(max={INT32_MAX}):workshop_id>"


@api_bp.post("/workshops")
@api_auth(Role.ORGANIZER)
def workshop_create():
    body = parse_body(WorkshopCreate)
    columns = set(DESIGN_COLUMNS.values())
    values = body.model_dump(exclude={"sessions", *columns})
    sessions = [SessionInput(**item.model_dump()) for item in body.sessions]
    # The certificate design only when the request sets some of it: else the defaults stand.
    design = (
        DesignInput(**{name: getattr(body, column) for name, column in DESIGN_COLUMNS.items()})
        if columns & body.model_fields_set
        else None
    )
    workshop = create_workshop(WorkshopInput(**values, sessions=sessions), g.api_user, design)
    location = url_for(".workshop_get", workshop_id=workshop.id)
    return to_json(WorkshopOut, workshop), 201, {"Location": location, **etag(workshop.version)}


@api_bp.get("/workshops")
def workshop_list():
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in WorkshopStatus}:
        raise ValidationFailed({"status": str(_l("สถานะไม่ถูกต้อง"))})
    return [to_json(WorkshopOut, row) for row in list_workshops(viewer(), status=status)]


@api_bp.get(f"/workshops/{WORKSHOP_ID}")
def workshop_get(workshop_id: int):
    workshop = get_workshop(workshop_id, viewer())
    return to_json(WorkshopOut, workshop), 200, etag(workshop.version)


@api_bp.patch(f"/workshops/{WORKSHOP_ID}")
@api_auth(Role.ORGANIZER)
def workshop_patch(workshop_id: int):
    workshop = get_workshop(workshop_id, g.api_user)
    changes = parse_body(WorkshopPatch).changes()
    if "sessions" in changes:
        changes["sessions"] = _session_inputs(workshop, changes["sessions"])
    workshop = patch_workshop(workshop, changes, g.api_user, expected_version=if_match_version())
    return to_json(WorkshopOut, workshop), 200, etag(workshop.version)


def _session_inputs(workshop: Workshop, items: list[SessionPatch]) -> list[SessionInput]:
    """PATCH session items as service input: fields left out of a kept session stay as stored.

    An ``id`` that is not one of the workshop's sessions is passed on for the service to refuse.
    """
    stored = {row.id: row for row in workshop.sessions}
    missing: dict[str, str] = {}
    inputs: list[SessionInput] = []
    for index, item in enumerate(items):
        row = stored.get(item.id) if item.id is not None else None
        values: dict[str, Any] = {"title": ""}
        changes = item.changes()
        if row is not None:
            values.update(title=row.title, starts_at=row.starts_at, ends_at=row.ends_at)
            if not {"starts_at", "ends_at"} & changes.keys():
                values["hours"] = row.hours  # new times without hours: the new default
        values.update(changes)
        if item.id is None:
            for name in ("starts_at", "ends_at"):
                if name not in values:
                    missing[f"sessions.{index}.{name}"] = str(_l("ต้องระบุช่องนี้"))
        values.setdefault("starts_at", None)
        values.setdefault("ends_at", None)
        inputs.append(SessionInput(**values))
    if missing:
        raise ValidationFailed(missing)
    return inputs
