"""Office quotas (organizer pages) and the nomination page an office head opens by link.

Thin: the rules are in ``services.quotas``; this module parses the forms and shows the result.
The nomination page needs no account: the link's token is the credential.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.extensions import db
from workshop.models import Role, Workshop
from workshop.models.types import utcnow
from workshop.services.errors import DomainError, LinkExpired, NotFound, ValidationFailed
from workshop.services.quotas import (
    LINK_DAYS_DEFAULT,
    NomineeInput,
    create_nomination_link,
    nomination_for_token,
    quota_rows,
    set_quotas,
    submit_nominations,
)
from workshop.thai.dates import format_datetime, to_bangkok
from workshop.web.access import role_required
from workshop.web.request_input import optional_int

bp = Blueprint("quotas", __name__, url_prefix="/organizer/workshops/<int:workshop_id>/quotas")
public_bp = Blueprint("nominations", __name__, url_prefix="/nominate")

# Rows the nomination form shows at most at once (a bigger quota is named in several visits).
FORM_ROWS_MAX = 20
NOMINEE_FIELDS = ("title_prefix", "first_name", "last_name", "position", "email", "phone")


@bp.before_request
@role_required(Role.ORGANIZER)
def organizers_only():
    """Organizers of the workshop's office (``role_required`` checks ``workshop_id``)."""


def _page(workshop: Workshop, *, errors=None, values=None, new_link=None, status: int = 200):
    release = to_bangkok(workshop.quota_release_at) if workshop.quota_release_at else None
    return render_template(
        "organizer/quotas.html",
        workshop=workshop,
        rows=quota_rows(workshop),
        errors=errors or {},
        values=values,
        new_link=new_link,
        now=utcnow(),
        link_days=LINK_DAYS_DEFAULT,
        release_day=release.date().isoformat() if release else "",
        release_time=release.strftime("%H:%M") if release else "",
    ), status


@bp.route("", methods=["GET", "POST"])
def quotas(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    if request.method == "GET":
        return _page(workshop)
    seats: dict[int, str] = {}
    for key, value in request.form.items():
        office_id = optional_int(key[6:]) if key.startswith("seats_") else None
        if office_id is not None:
            seats[office_id] = value
    release = (request.form.get("release_day", ""), request.form.get("release_time", ""))
    try:
        set_quotas(workshop.id, seats, release, current_user)
    except ValidationFailed as exc:
        db.session.refresh(workshop)
        return _page(workshop, errors=exc.fields, values=request.form, status=422)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("บันทึกโควตาแล้ว"), "success")
    return redirect(url_for(".quotas", workshop_id=workshop.id))


@bp.post("/link")
def create_link(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    office_id = request.form.get("office_id", "")
    try:
        link, token = create_nomination_link(
            workshop.id,
            optional_int(office_id) or 0,
            head_name=request.form.get("head_name", ""),
            head_email=request.form.get("head_email", ""),
            days=request.form.get("days"),
            actor=current_user,
        )
    except ValidationFailed as exc:
        for message in exc.fields.values():
            flash(message, "error")
        return _page(workshop, status=422)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".quotas", workshop_id=workshop.id))
    url = url_for("nominations.nominate", token=token, _external=True)
    return _page(workshop, new_link={"link": link, "url": url, "mailto": _mailto(link, url)})


def _mailto(link, url: str) -> str | None:
    """A ready message for the organizer's own mail program (the head may have no account,
    so the link goes out from the organizer, who knows them)."""
    if not link.head_email:
        return None
    workshop = link.quota.workshop
    subject = _("เสนอชื่อผู้เข้าอบรม: %(t)s", t=workshop.full_title)
    body = _(
        "เรียน %(name)s\n\nขอความกรุณาเสนอชื่อผู้เข้าอบรม %(t)s ตามโควตาของหน่วยงาน "
        "%(n)d คน ทางลิงก์นี้ ใช้ได้ถึง %(when)s\n\n%(url)s",
        name=link.head_name or _("หัวหน้าหน่วยงาน"),
        t=workshop.full_title,
        n=link.quota.seats,
        when=format_datetime(link.expires_at, "long"),
        url=url,
    )
    return f"mailto:{quote(link.head_email)}?subject={quote(subject)}&body={quote(body)}"


# ---------------------------------------------------------------- the office head's page


def _nominees(form) -> list[NomineeInput]:
    rows: list[NomineeInput] = []
    for n in range(FORM_ROWS_MAX):
        values = {name: form.get(f"rows-{n}-{name}", "") for name in NOMINEE_FIELDS}
        rows.append(NomineeInput(**values))
    return rows


@public_bp.route("/<token>", methods=["GET", "POST"])
def nominate(token: str):
    if len(token) > 100:
        abort(404)
    try:
        nomination = nomination_for_token(token)
    except NotFound:
        abort(404)
    except LinkExpired as exc:
        return render_template("public/nominate.html", nomination=None, message=exc.message), 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            done = submit_nominations(token, _nominees(request.form))
        except ValidationFailed as exc:
            errors = exc.fields
        except LinkExpired as exc:
            return render_template(
                "public/nominate.html", nomination=None, message=exc.message
            ), 410
        except DomainError as exc:
            errors = {"rows": exc.message}
        else:
            flash(
                _("ลงทะเบียนผู้ได้รับการเสนอชื่อแล้ว %(n)d คน ระบบส่งอีเมลแจ้งแต่ละคนแล้ว", n=len(done)),
                "success",
            )
            return redirect(url_for(".nominate", token=token))
    return render_template(
        "public/nominate.html",
        nomination=nomination,
        token=token,
        errors=errors,
        values=request.form if request.method == "POST" else {},
        row_count=min(nomination.remaining, FORM_ROWS_MAX),
        fields=NOMINEE_FIELDS,
    ), (422 if errors else 200)
