"""Registration endpoints: sign-up, registering, cancelling, ticket QR codes."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request, url_for
from flask_babel import lazy_gettext as _l

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import (
    INT32_MAX,
    CancellationOut,
    OfficerCreate,
    RegistrationCreate,
    RegistrationOut,
    UserOut,
    parse_body,
    to_json,
)
from workshop.extensions import db
from workshop.models import Registration, Role, User
from workshop.qr import qr_png, qr_svg
from workshop.services.errors import NotAllowed, NotFound, ValidationFailed
from workshop.services.officers import OfficerProfile, sign_up_officer
from workshop.services.registrations import (
    Placed,
    cancel_registration,
    get_registration,
    placed_registration,
    register_officer,
    registrations_for_workshop,
    registrations_of,
)
from workshop.services.tickets import ticket_token
from workshop.services.waitlist import waitlist_position
from workshop.services.workshops import get_workshop

REGISTRATION_ID = f"<int(max={INT32_MAX}):registration_id>"
WORKSHOP_ID = f"<int(max={INT32_MAX}):workshop_id>"


def registration_json(row: Registration | Placed) -> dict[str, Any]:
    """A registration as the API shows it; a ``Placed`` row brings its waitlist place, read
    with it (lists), else the place is looked up now."""
    if isinstance(row, Placed):
        registration, position = row
    else:
        registration, position = row, waitlist_position(row)
    active = registration.status != "cancelled"
    return RegistrationOut.model_validate(
        {
            "id": registration.id,
            "workshop_id": registration.workshop_id,
            "user": UserOut.model_validate(registration.user),
            "status": registration.status,
            "waitlist_position": position,
            "ticket": ticket_token(registration) if active else None,
            "created_at": registration.created_at,
            "confirmed_at": registration.confirmed_at,
            "cancelled_at": registration.cancelled_at,
        }
    ).model_dump(mode="json")


@api_bp.post("/officers")
def officer_create():
    body = parse_body(OfficerCreate)
    profile = OfficerProfile(**body.model_dump(exclude={"email", "password", "consent"}))
    user = sign_up_officer(
        email=body.email, password=body.password, profile=profile, consent=body.consent
    )
    return to_json(UserOut, user), 201


@api_bp.post(f"/workshops/{WORKSHOP_ID}/registrations")
@api_auth(Role.OFFICER, Role.ORGANIZER)
def registration_create(workshop_id: int):
    body = parse_body(RegistrationCreate) if request.get_data() else RegistrationCreate()
    caller: User = g.api_user
    if caller.has_role(Role.ORGANIZER):
        if body.user_id is None:
            raise ValidationFailed({"user_id": str(_l("ผู้จัดต้องระบุผู้เข้าอบรมที่จะลงทะเบียนให้"))})
        officer = db.session.get(User, body.user_id)
        if officer is None:
            raise NotFound(str(_l("ไม่พบผู้ใช้นี้")))
        registration = register_officer(workshop_id, officer, actor=caller)
    else:
        if body.user_id is not None and body.user_id != caller.id:
            raise NotAllowed(str(_l("ลงทะเบียนให้ผู้อื่นได้เฉพาะผู้จัด")))
        registration = register_officer(workshop_id, caller)
    location = url_for(".registration_get", registration_id=registration.id)
    return registration_json(registration), 201, {"Location": location}


@api_bp.get(f"/workshops/{WORKSHOP_ID}/registrations")
@api_auth(Role.ORGANIZER)
def workshop_registrations(workshop_id: int):
    workshop = get_workshop(workshop_id, g.api_user)
    status = request.args.get("status") or None
    return [
        registration_json(row) for row in registrations_for_workshop(workshop.id, status=status)
    ]


@api_bp.get("/me/registrations")
@api_auth()
def my_registrations():
    return [registration_json(row) for row in registrations_of(g.api_user)]


@api_bp.get(f"/registrations/{REGISTRATION_ID}")
@api_auth()
def registration_get(registration_id: int):
    registration = get_registration(registration_id, g.api_user)  # 404 for other people's
    return registration_json(placed_registration(registration_id) or registration)


@api_bp.delete(f"/registrations/{REGISTRATION_ID}")
@api_auth()
def registration_cancel(registration_id: int):
    get_registration(registration_id, g.api_user)  # 404 for other people's
    changes = cancel_registration(registration_id, g.api_user, request.args.get("reason", ""))
    return CancellationOut.model_validate(
        {
            "registration": registration_json(changes.registration),
            "promoted": [p.id for p in changes.promoted],
        }
    ).model_dump(mode="json")


def _active_ticket(registration_id: int) -> str:
    registration = get_registration(registration_id, g.api_user)
    if registration.status == "cancelled":
        raise NotFound(str(_l("การลงทะเบียนนี้ถูกยกเลิกแล้ว ไม่มีบัตร")))
    return ticket_token(registration)


@api_bp.get(f"/registrations/{REGISTRATION_ID}/qr.png")
@api_auth()
def registration_qr_png(registration_id: int):
    return Response(qr_png(_active_ticket(registration_id)), mimetype="image/png")


@api_bp.get(f"/registrations/{REGISTRATION_ID}/qr.svg")
@api_auth()
def registration_qr_svg(registration_id: int):
    return Response(qr_svg(_active_ticket(registration_id)), mimetype="image/svg+xml")
