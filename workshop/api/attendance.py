"""Attendance endpoints: a registration's standing against the certificate rule, excuses."""

from __future__ import annotations

from typing import Any

from flask import g

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.registrations import REGISTRATION_ID
from workshop.api.schemas import INT32_MAX, AttendanceOut, ExcuseOut, ExcuseRequest, parse_body
from workshop.models import ExcusedAbsence, Role
from workshop.services.certificates import explain_eligibility
from workshop.services.excuses import excuse_absence, excuse_text, withdraw_excuse
from workshop.services.registrations import get_registration

SESSION_ID = f"<int(max={INT32_MAX}):session_id>"


@api_bp.get(f"/registrations/{REGISTRATION_ID}/attendance")
@api_auth()
def registration_attendance(registration_id: int):
    registration = get_registration(registration_id, g.api_user)  # 404 for other people's
    eligibility = explain_eligibility(registration)
    rule, attendance = eligibility.rule, eligibility.attendance
    return AttendanceOut.model_validate(
        {
            "registration_id": registration.id,
            "rule": rule.kind,
            "threshold": rule.threshold,
            "rule_text": rule.describe(),
            "sessions_total": rule.total_sessions,
            "sessions_present": attendance.present,
            "sessions_excused": attendance.excused,
            "hours_total": rule.total_hours,
            "hours_present": attendance.hours_present,
            "hours_excused": attendance.hours_excused,
            "credited": eligibility.credited,
            "required": rule.required,
            "excused_count": rule.excused_count,
            "meets_rule": eligibility.meets_rule,
            "certificate_state": eligibility.state,
            "message": eligibility.message,
        }
    ).model_dump(mode="json")


def excuse_json(excuse: ExcusedAbsence) -> dict[str, Any]:
    return ExcuseOut.model_validate(
        {
            "registration_id": excuse.registration_id,
            "session_id": excuse.session_id,
            "kind": excuse.kind,
            "reason": excuse.reason,
            "text": excuse_text(excuse.kind, excuse.reason),
            "recorded_at": excuse.recorded_at,
        }
    ).model_dump(mode="json")


@api_bp.put(f"/registrations/{REGISTRATION_ID}/excuses/{SESSION_ID}")
@api_auth(Role.ORGANIZER)
def excuse_put(registration_id: int, session_id: int):
    body = parse_body(ExcuseRequest)
    excuse = excuse_absence(registration_id, session_id, body.kind, body.reason, g.api_user)
    return excuse_json(excuse)


@api_bp.delete(f"/registrations/{REGISTRATION_ID}/excuses/{SESSION_ID}")
@api_auth(Role.ORGANIZER)
def excuse_delete(registration_id: int, session_id: int):
    withdraw_excuse(registration_id, session_id, g.api_user)
    return {"withdrawn": True}
