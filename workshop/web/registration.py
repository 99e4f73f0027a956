"""Officer pages: registering for a workshop, my registrations and tickets, cancelling."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.downloads import PDF, download
from workshop.models import Role
from workshop.models.types import utcnow
from workshop.qr import qr_png, qr_svg
from workshop.services.certificates import certificate_of, explain_eligibility
from workshop.services.errors import DomainError, NotFound
from workshop.services.evaluations import form_of, open_parts, part_label
from workshop.services.registrations import (
    cancel_registration,
    checked_in_registrations,
    get_registration,
    register_officer,
    registrations_of,
)
from workshop.services.tickets import holds_ticket, ticket_token
from workshop.services.waitlist import waitlist_position
from workshop.web.access import role_required

bp = Blueprint("registration", __name__)


@bp.post("/workshops/<int:workshop_id>/register")
@role_required(Role.OFFICER)
def register(workshop_id: int):
    try:
        registration = register_officer(workshop_id, current_user)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("public.workshop_detail", workshop_id=workshop_id))
    if registration.status == "confirmed":
        flash(_("ลงทะเบียนสำเร็จ คุณได้ที่นั่งแล้ว บัตร QR อยู่ด้านล่าง"), "success")
    else:
        flash(
            _(
                "ที่นั่งเต็มแล้ว คุณอยู่ในรายชื่อสำรองลำดับที่ %(n)d ระบบจะแจ้งทางอีเมลเมื่อได้ที่นั่ง",
                n=waitlist_position(registration) or 0,
            ),
            "info",
        )
    return redirect(url_for(".mine", _anchor=f"registration-{registration.id}"))


@bp.get("/my/registrations")
@login_required
def mine():
    placed = registrations_of(current_user)
    registrations = [row.registration for row in placed]
    ended = {r.id: _ended(r) for r in registrations}
    # Upcoming: soonest first; past: latest first.
    upcoming = sorted(
        (r for r in registrations if not ended[r.id]), key=lambda r: _start_key(r.workshop)
    )
    past = sorted(
        (r for r in registrations if ended[r.id]),
        key=lambda r: _start_key(r.workshop),
        reverse=True,
    )
    return render_template(
        "registration/mine.html",
        registrations=registrations,
        upcoming=upcoming,
        past=past,
        positions={row.registration.id: row.waitlist_position for row in placed},
        # A QR ticket only for a seat at a workshop still to come: not on the waitlist (no
        # seat yet) and not after the event (the certificate takes its place).
        tokens={
            r.id: ticket_token(r)
            for r in registrations
            if holds_ticket(r) and r.status == "confirmed" and not ended[r.id]
        },
        checked_in=checked_in_registrations([r.id for r in registrations]),
        ended=ended,
        evaluation_parts=_evaluation_parts(registrations),
        part_label=part_label,
        certificates={
            r.id: explain_eligibility(r)
            for r in registrations
            if (holds_ticket(r) and r.status == "confirmed") or certificate_of(r.id) is not None
        },
    )


def _evaluation_parts(registrations) -> dict[int, list[str]]:
    """Registration id -> the evaluation parts its holder may answer now."""
    parts = {}
    for r in registrations:
        if r.status == "confirmed":
            form = form_of(r.workshop_id)
            if form is not None:
                parts[r.id] = open_parts(form, current_user.id)
    return parts


def _start_key(workshop) -> tuple[bool, str]:
    starts_at = workshop.starts_at
    return (starts_at is None, starts_at.isoformat() if starts_at else "")


def _ended(registration) -> bool:
    ends_at = registration.workshop.ends_at
    return ends_at is not None and ends_at <= utcnow()


@bp.post("/my/registrations/<int:registration_id>/cancel")
@login_required
def cancel(registration_id: int):
    try:
        get_registration(registration_id, current_user)  # 404 for other people's, first
        cancel_registration(registration_id, current_user, request.form.get("reason", ""))
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("ยกเลิกการลงทะเบียนแล้ว"), "success")
    return redirect(url_for(".mine"))


def _own_active(registration_id: int):
    try:
        registration = get_registration(registration_id, current_user)
    except NotFound:
        abort(404)
    if not holds_ticket(registration):
        abort(404)
    return registration


@bp.get("/my/registrations/<int:registration_id>/qr.svg")
@login_required
def qr_svg_image(registration_id: int):
    registration = _own_active(registration_id)
    return Response(
        qr_svg(ticket_token(registration)),
        mimetype="image/svg+xml",
    )


@bp.get("/my/registrations/<int:registration_id>/qr.png")
@login_required
def qr_png_image(registration_id: int):
    registration = _own_active(registration_id)
    return Response(
        qr_png(ticket_token(registration)),
        mimetype="image/png",
    )


@bp.get("/my/registrations/<int:registration_id>/ticket.pdf")
@login_required
def ticket_pdf(registration_id: int):
    from workshop.pdf.ticket import render_ticket

    registration = _own_active(registration_id)
    paper = "a4" if request.args.get("paper") == "a4" else "a6"
    return download(
        render_ticket(registration, paper), PDF, f"ticket-{registration.id}.pdf", inline=True
    )
