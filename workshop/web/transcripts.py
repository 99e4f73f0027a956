"""Transcripts (ประวัติการอบรม): the officer's own page and downloads, organizers' view of any
officer's (through ``services.transcripts.officer_for_transcript``, the one access check), and
the HR export of hours for a fiscal year."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workshop.downloads import hours_download, transcript_download
from workshop.error_responses import error_page
from workshop.models import Role
from workshop.services.errors import DomainError, ValidationFailed
from workshop.services.reports import current_fiscal_year, parse_fiscal_year
from workshop.services.transcripts import (
    find_officers,
    officer_for_transcript,
    officer_transcript,
)
from workshop.web.access import role_required

bp = Blueprint("transcripts", __name__)

FORMATS = ("pdf", "xlsx")
SEARCH_LIMIT = 50


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    return error_page(error.http_status, error.message)


@bp.get("/my/transcript")
@role_required(Role.OFFICER)
def mine():
    return render_template(
        "transcripts/transcript.html", transcript=officer_transcript(current_user), own=True
    )


@bp.get("/my/transcript.<file_format>")
@role_required(Role.OFFICER)
def mine_file(file_format: str):
    if file_format not in FORMATS:
        return error_page(404)
    return transcript_download(current_user, file_format)


@bp.get("/organizer/transcripts")
@role_required(Role.ORGANIZER)
def search():
    """Find an officer by name, e-mail or agency, to open their transcript."""
    query = " ".join(request.args.get("q", "").split())[:100]
    officers = find_officers(current_user, query, SEARCH_LIMIT)
    return render_template("transcripts/search.html", query=query, officers=officers)


@bp.get("/organizer/officers/<int:officer_id>/transcript")
@role_required(Role.ORGANIZER)
def officer(officer_id: int):
    person = officer_for_transcript(current_user, officer_id)
    return render_template(
        "transcripts/transcript.html", transcript=officer_transcript(person), own=False
    )


@bp.get("/organizer/officers/<int:officer_id>/transcript.<file_format>")
@role_required(Role.ORGANIZER)
def officer_file(officer_id: int, file_format: str):
    if file_format not in FORMATS:
        return error_page(404)
    return transcript_download(officer_for_transcript(current_user, officer_id), file_format)


@bp.get("/organizer/reports/hours.<file_format>")
@role_required(Role.ORGANIZER)
def hours(file_format: str):
    """The HR export for ``?fy=2559`` (the current fiscal year when empty)."""
    if file_format not in ("csv", "xlsx"):
        return error_page(404)
    try:
        year = parse_fiscal_year(request.args.get("fy"))
    except ValidationFailed as exc:
        flash(exc.fields.get("fy", exc.message), "error")
        return redirect(url_for("reports.fiscal_year_page", fy=current_fiscal_year()))
    return hours_download(year, file_format, current_user)
