"""Report endpoints: a workshop's summary report PDF and its attendance exports (organizers)."""

from __future__ import annotations

from flask_babel import gettext as _

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import INT32_MAX
from workshop.models import Role
from workshop.services.reports import get_report_workshop, workshop_report
from workshop.web.reports import CSV, PDF, XLSX, download, short_title

WORKSHOP_ID = f"<int(max={INT32_MAX}):workshop_id>"


@api_bp.get(f"/workshops/{WORKSHOP_ID}/report.pdf")
@api_auth(Role.ORGANIZER)
def report_pdf(workshop_id: int):
    from workshop.pdf.report import render_workshop_report

    report = workshop_report(workshop_id)
    return download(
        render_workshop_report(report),
        PDF,
        f"workshop-{workshop_id}-report.pdf",
        f"{_('รายงานสรุปผลการอบรม')} {short_title(report.title)}.pdf",
    )


@api_bp.get(f"/workshops/{WORKSHOP_ID}/attendance.csv")
@api_auth(Role.ORGANIZER)
def attendance_csv(workshop_id: int):
    from workshop.services.exports import attendance_csv as build

    workshop = get_report_workshop(workshop_id)
    return download(
        build(workshop_id),
        CSV,
        f"workshop-{workshop_id}-attendance.csv",
        f"{_('การเข้าร่วม')} {short_title(workshop.title)}.csv",
    )


@api_bp.get(f"/workshops/{WORKSHOP_ID}/attendance.xlsx")
@api_auth(Role.ORGANIZER)
def attendance_xlsx(workshop_id: int):
    from workshop.services.exports import attendance_xlsx as build

    workshop = get_report_workshop(workshop_id)
    return download(
        build(workshop_id),
        XLSX,
        f"workshop-{workshop_id}-attendance.xlsx",
        f"{_('การเข้าร่วม')} {short_title(workshop.title)}.xlsx",
    )
