"""Organizer report pages: a workshop's summary with PDF/CSV/XLSX downloads, and the
fiscal-year report."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request
from flask_login import current_user

from workshop.downloads import (
    attendance_download,
    fiscal_year_pdf_download,
    fiscal_year_xlsx_download,
    report_pdf_download,
    signin_sheet_download,
)
from workshop.error_responses import error_page
from workshop.models import Role
from workshop.services.errors import DomainError, ValidationFailed
from workshop.services.reports import (
    current_fiscal_year,
    fiscal_year_report,
    fiscal_years_with_workshops,
    format_rate,
    parse_fiscal_year,
    workshop_report,
)
from workshop.web.access import role_required

bp = Blueprint("reports", __name__, url_prefix="/organizer")


@bp.before_request
@role_required(Role.ORGANIZER)
def organizers_only():
    """Every page below needs an organizer (anonymous → sign-in, other roles → 403)."""


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """A missing workshop is a 404 page with the service's Thai message, never a 500."""
    return error_page(error.http_status, error.message)


@bp.get("/workshops/<int:workshop_id>/report")
def workshop_report_page(workshop_id: int):
    report = workshop_report(workshop_id)
    return render_template("organizer/report.html", report=report, rate=format_rate)


@bp.get("/workshops/<int:workshop_id>/sessions/<int:session_id>/signin-sheet.pdf")
def signin_sheet_pdf(workshop_id: int, session_id: int):
    """``?blank=10`` adds numbered blank rows for walk-ins; ``?times=1`` is the after-event
    sheet with check-in times."""
    return signin_sheet_download(
        workshop_id,
        session_id,
        request.args.get("blank"),
        request.args.get("times") == "1",
        inline=True,
    )


@bp.get("/workshops/<int:workshop_id>/report.pdf")
def workshop_report_pdf(workshop_id: int):
    return report_pdf_download(workshop_id, inline=True)


@bp.get("/workshops/<int:workshop_id>/attendance.csv")
def attendance_csv(workshop_id: int):
    return attendance_download(workshop_id, "csv")


@bp.get("/workshops/<int:workshop_id>/attendance.xlsx")
def attendance_xlsx(workshop_id: int):
    return attendance_download(workshop_id, "xlsx")


def _requested_year() -> tuple[int, int]:
    """(the fiscal year asked for, HTTP status): a bad year falls back to the current one
    with a message and 422."""
    try:
        return parse_fiscal_year(request.args.get("fy")), 200
    except ValidationFailed as exc:
        flash(exc.fields.get("fy", exc.message), "error")
        return current_fiscal_year(), 422


@bp.get("/reports/fiscal-year")
def fiscal_year_page():
    return _fiscal_year_page(*_requested_year())


def _fiscal_year_page(year: int, status: int):
    years = sorted(
        {*fiscal_years_with_workshops(current_user), current_fiscal_year(), year}, reverse=True
    )
    report = fiscal_year_report(year, current_user)
    return (
        render_template("organizer/fiscal_year.html", report=report, years=years, rate=format_rate),
        status,
    )


@bp.get("/reports/fiscal-year.pdf")
def fiscal_year_pdf():
    year, status = _requested_year()
    if status != 200:
        return _fiscal_year_page(year, status)
    return fiscal_year_pdf_download(year, current_user)


@bp.get("/reports/fiscal-year.xlsx")
def fiscal_year_xlsx():
    year, status = _requested_year()
    if status != 200:
        return _fiscal_year_page(year, status)
    return fiscal_year_xlsx_download(year, current_user)
