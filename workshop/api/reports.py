"""Report endpoints: a workshop's summary report PDF and its attendance exports (organizers)."""

from __future__ import annotations

from flask import request

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import INT32_MAX
from workshop.downloads import attendance_download, report_pdf_download, signin_sheet_download
from workshop.models import Role

WORKSHOP_ID = f"<int(max={INT32_MAX}):workshop_id>"
SESSION_ID = f"<int(max={INT32_MAX}):session_id>"


@api_bp.get(f"/workshops/{WORKSHOP_ID}/report.pdf")
@api_auth(Role.ORGANIZER)
def report_pdf(workshop_id: int):
    return report_pdf_download(workshop_id)


@api_bp.get(f"/workshops/{WORKSHOP_ID}/attendance.csv")
@api_auth(Role.ORGANIZER)
def attendance_csv(workshop_id: int):
    return attendance_download(workshop_id, "csv")


@api_bp.get(f"/workshops/{WORKSHOP_ID}/attendance.xlsx")
@api_auth(Role.ORGANIZER)
def attendance_xlsx(workshop_id: int):
    return attendance_download(workshop_id, "xlsx")


@api_bp.get(f"/workshops/{WORKSHOP_ID}/sessions/{SESSION_ID}/signin-sheet.pdf")
@api_auth(Role.ORGANIZER)
def signin_sheet_pdf(workshop_id: int, session_id: int):
    return signin_sheet_download(
        workshop_id, session_id, request.args.get("blank"), request.args.get("times") == "1"
    )
