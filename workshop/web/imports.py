"""Importing participants from a spreadsheet: upload, preview, confirm (services.imports)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.downloads import XLSX, download
from workshop.extensions import db
from workshop.models import Role, Workshop
from workshop.services.errors import ValidationFailed
from workshop.services.imports import (
    COLUMNS,
    ERROR,
    MAX_ROWS,
    confirm_import,
    preview,
    read_upload,
    seal,
    template_xlsx,
    unseal,
)
from workshop.web.access import role_required

bp = Blueprint("imports", __name__, url_prefix="/organizer")


@bp.before_request
@role_required(Role.ORGANIZER)
def organizers_only():
    """Every page below needs an organizer of the workshop's office."""


@bp.get("/import-template.xlsx")
def template():
    return download(template_xlsx(), XLSX, "participants-template.xlsx", "แบบฟอร์มรายชื่อ.xlsx")


@bp.route("/workshops/<int:workshop_id>/import", methods=["GET", "POST"])
def upload(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    if request.method == "GET":
        return _page(workshop)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(workshop, error=_("กรุณาเลือกไฟล์")), 422
    try:
        rows = preview(workshop, read_upload(file.filename, file.read()))
    except ValidationFailed as exc:
        return _page(workshop, error=exc.message), 422
    return _page(workshop, rows=rows, token=seal(workshop.id, rows), filename=file.filename)


@bp.post("/workshops/<int:workshop_id>/import/confirm")
def confirm(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    try:
        result = confirm_import(
            workshop.id, unseal(workshop.id, request.form.get("rows", "")), current_user
        )
    except ValidationFailed as exc:
        return _page(workshop, error=exc.message), 422
    flash(
        _(
            "นำเข้าแล้ว: บัญชีใหม่ %(a)d ได้ที่นั่ง %(c)d สำรอง %(w)d ข้าม %(s)d แถว",
            a=result.accounts,
            c=result.confirmed,
            w=result.waitlisted,
            s=result.skipped,
        ),
        "success",
    )
    return redirect(url_for("organizer.registrations", workshop_id=workshop.id))


def _page(workshop: Workshop, **values):
    rows = values.get("rows") or []
    return render_template(
        "organizer/import.html",
        workshop=workshop,
        columns=[header for _key, header, _others in COLUMNS],
        keys=[key for key, _header, _others in COLUMNS],
        max_rows=MAX_ROWS,
        errors=sum(1 for r in rows if r.status == ERROR),
        **values,
    )
