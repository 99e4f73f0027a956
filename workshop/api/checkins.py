"""Door check-in endpoints: scan, undo, roster for offline use, name search, frame decoding."""

from __future__ import annotations

import io
from typing import Any

from flask import g, request
from flask_babel import lazy_gettext as _l

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import (
    INT32_MAX,
    AttendeeOut,
    CheckInOut,
    CheckInRequest,
    CheckOutOut,
    CheckOutRequest,
    DecodedOut,
    RosterOut,
    parse_body,
)
from workshop.models import Registration, Role
from workshop.models.types import utcnow
from workshop.services.checkins import (
    CheckInResult,
    check_in,
    checked_in_at,
    checkin_window,
    search_attendees,
    session_counts,
    session_roster,
    undo_check_in,
)
from workshop.services.checkouts import CheckOutResult, check_out
from workshop.services.errors import NoQRCode, NotFound, ValidationFailed
from workshop.services.workshops import get_workshop

DOOR = (Role.STAFF, Role.ORGANIZER)
CHECKIN_ID = f"<int(max={INT32_MAX}):checkin_id>"
WORKSHOP_ID = f"<int(max={INT32_MAX}):workshop_id>"
MAX_FRAME_BYTES = 2 * 1024 * 1024


def person_json(registration: Registration) -> dict[str, Any]:
    user = registration.user
    return {
        "registration_id": registration.id,
        "name": user.full_name,
        "position": user.position,
        "agency": user.agency,
        "status": registration.status,
    }


def counts_json(session_id: int) -> dict[str, int]:
    checked, confirmed = session_counts(session_id)
    return {"checked_in": checked, "confirmed": confirmed}


def checkin_json(outcome: CheckInResult) -> dict[str, Any]:
    return CheckInOut.model_validate(
        {
            "result": outcome.result,
            "checkin_id": outcome.checkin_id,
            "session_id": outcome.session_id,
            "checked_in_at": outcome.scanned_at,
            "method": outcome.method,
            "person": {
                "registration_id": outcome.registration_id,
                "name": outcome.name,
                "position": outcome.position,
                "agency": outcome.agency,
                "status": outcome.status,
            },
            "counts": {"checked_in": outcome.checked_in, "confirmed": outcome.confirmed},
        }
    ).model_dump(mode="json")


@api_bp.post("/checkins")
@api_auth(*DOOR)
def checkin_create():
    body = parse_body(CheckInRequest)
    method = body.method  # "" is refused by the service, not taken for the default
    if method is None:
        method = "manual" if body.ticket is None else "qr"
    outcome = check_in(
        session_id=body.session_id,
        staff=g.api_user,
        ticket=body.ticket,
        registration_id=body.registration_id,
        scanned_at=body.scanned_at,
        method=method,
        override_reason=body.override_reason or "",
    )
    status = 201 if outcome.created else 200
    return checkin_json(outcome), status


def checkout_json(outcome: CheckOutResult) -> dict[str, Any]:
    return CheckOutOut.model_validate(
        {
            "result": outcome.result,
            "checkin_id": outcome.checkin_id,
            "session_id": outcome.session_id,
            "checked_in_at": outcome.checked_in_at,
            "checked_out_at": outcome.checked_out_at,
            "hours": outcome.hours,
            "person": {
                "registration_id": outcome.registration_id,
                "name": outcome.name,
                "position": outcome.position,
                "agency": outcome.agency,
                "status": outcome.status,
            },
        }
    ).model_dump(mode="json")


@api_bp.post("/checkouts")
@api_auth(*DOOR)
def checkout_create():
    body = parse_body(CheckOutRequest)
    method = body.method
    if method is None:
        method = "manual" if body.ticket is None else "qr"
    outcome = check_out(
        session_id=body.session_id,
        staff=g.api_user,
        ticket=body.ticket,
        registration_id=body.registration_id,
        scanned_at=body.scanned_at,
        method=method,
    )
    return checkout_json(outcome), 200


@api_bp.delete(f"/checkins/{CHECKIN_ID}")
@api_auth(*DOOR)
def checkin_undo(checkin_id: int):
    undone = undo_check_in(checkin_id, g.api_user, request.args.get("reason", ""))
    return {"undone": undone.checkin_id, "counts": counts_json(undone.session_id)}


def _session_of(workshop_id: int) -> int:
    workshop = get_workshop(workshop_id, g.api_user)
    raw = request.args.get("session_id", "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > INT32_MAX:
        raise ValidationFailed({"session_id": str(_l("ต้องระบุช่วงการอบรม (session_id)"))})
    session_id = int(raw)
    if session_id not in {s.id for s in workshop.sessions}:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้ในการอบรมนี้")))
    return session_id


@api_bp.get(f"/workshops/{WORKSHOP_ID}/roster")
@api_auth(*DOOR)
def workshop_roster(workshop_id: int):
    session, entries = session_roster(_session_of(workshop_id))
    opens, closes = checkin_window(session)
    return RosterOut.model_validate(
        {
            "workshop_id": workshop_id,
            "session": {
                "id": session.id,
                "title": session.title,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "checkin_opens_at": opens,
                "checkin_closes_at": closes,
            },
            "generated_at": utcnow(),
            "counts": counts_json(session.id),
            "entries": [entry.__dict__ for entry in entries],
        }
    ).model_dump(mode="json")


@api_bp.get(f"/workshops/{WORKSHOP_ID}/attendees")
@api_auth(*DOOR)
def workshop_attendees(workshop_id: int):
    workshop = get_workshop(workshop_id, g.api_user)
    found = search_attendees(workshop, request.args.get("q", ""))
    # With ``session_id``, each person says whether and when they checked in to it.
    checked = {}
    if "session_id" in request.args:
        checked = checked_in_at(_session_of(workshop_id), [r.id for r in found])
    return [
        AttendeeOut.model_validate(
            {**person_json(r), "checked_in_at": checked.get(r.id)}
        ).model_dump(mode="json")
        for r in found
    ]


@api_bp.post("/checkins/decode")
@api_auth(*DOOR)
def decode_frame():
    """Read a QR code from a camera frame (JPEG/PNG) for browsers without BarcodeDetector."""
    from PIL import Image, UnidentifiedImageError

    data = request.get_data(cache=False)
    if not data:
        raise ValidationFailed({"image": str(_l("ไม่มีภาพที่ส่งมา"))})
    if len(data) > MAX_FRAME_BYTES:
        raise ValidationFailed({"image": str(_l("ภาพใหญ่เกิน 2 MB"))})
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationFailed({"image": str(_l("อ่านภาพไม่ได้ ต้องเป็น JPEG หรือ PNG"))}) from exc
    import zxingcpp

    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if not codes:
        raise NoQRCode()
    return DecodedOut(text=codes[0].text).model_dump(mode="json")
