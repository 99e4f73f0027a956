"""Organizer pages: venues, workshops, sessions and the publishing life cycle."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from workshop.extensions import db
from workshop.models import (
    AttendanceRule,
    CertificateKind,
    ExcuseKind,
    RefusedScan,
    Registration,
    RegistrationStatus,
    Role,
    Venue,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.services.accounts import find_user_by_email
from workshop.services.attendance import configured_lunch_break, default_hours, format_hours
from workshop.services.checkins import (
    can_overrule,
    dismiss_refused_scan,
    overrule_refused_scan,
    refusal_label,
    refused_scans,
)
from workshop.services.errors import DomainError, EditConflict, ValidationFailed
from workshop.services.excuses import (
    excuse_absence,
    excuse_kind_label,
    excuse_text,
    session_attendees,
    withdraw_excuse,
)
from workshop.services.officers import clean_profile
from workshop.services.offices import offices_for
from workshop.services.registrations import (
    cancel_registration,
    confirm_waitlisted,
    move_to_waitlist,
    register_officer,
    register_walk_in,
    registration_filters,
    registration_page,
    registration_status_label,
    rotate_ticket,
    seats_can_change,
)
from workshop.services.venues import (
    VenueInput,
    create_venue,
    list_venues,
    update_venue,
    venue_problems,
)
from workshop.services.workshops import (
    TRANSITIONS,
    SessionInput,
    WorkshopInput,
    allowed_statuses,
    cancel_workshop,
    cancellation_summary,
    certificate_kind_label,
    change_status,
    check_transition,
    create_workshop,
    list_workshops,
    next_cohort_number,
    status_label,
    update_workshop,
    workshop_problems,
)
from workshop.thai.dates import (
    bangkok_to_utc,
    format_date,
    format_datetime,
    format_time_range,
    to_bangkok,
)
from workshop.thai.provinces import PROVINCES
from workshop.web.access import role_required
from workshop.web.fields import choose_first
from workshop.web.form_errors import (
    ConflictView,
    add_errors,
    conflict_value_text,
    has_errors,
    is_blank,
)
from workshop.web.i18n import current_locale, safe_next
from workshop.web.officer_forms import WalkInForm
from workshop.web.organizer_forms import (
    CancelWorkshopForm,
    VenueForm,
    WorkshopForm,
    edited_version,
)
from workshop.web.request_input import optional_int

bp = Blueprint("organizer", __name__, url_prefix="/organizer")

# Fields of the workshop form that a service error key maps onto when the names differ.
_FIELD_FOR_ERROR = {
    "registration_opens_at": "opens_day",
    "registration_closes_at": "closes_day",
}
_SESSION_FIELD_FOR_ERROR = {
    "starts_at": "starts",
    "ends_at": "ends",
    "title": "title",
    "id": "day",
    "hours": "hours",
}


@bp.before_request
@role_required(Role.ORGANIZER)
def organizers_only():
    """Every page below needs an organizer (anonymous → sign-in, other roles → 403)."""


def _error_target(form, key: str):
    """The field a service error key (``capacity``, ``sessions.2.ends_at``) belongs on."""
    if key.startswith("sessions.") and hasattr(form, "sessions"):
        _, index, name = key.split(".", 2)
        if not index.isdigit() or int(index) >= len(form.sessions.entries):
            return None
        entry = form.sessions.entries[int(index)]
        return getattr(entry.form, _SESSION_FIELD_FOR_ERROR.get(name, "day"), None)
    if key == "sessions" and hasattr(form, "sessions") and form.sessions.entries:
        return form.sessions.entries[0].form.day  # "at least one session": the first row
    return getattr(form, _FIELD_FOR_ERROR.get(key, key), None)


def _attach_errors(form, error: ValidationFailed | dict[str, str]) -> None:
    """Show each service error next to the field it concerns (and in the error summary)."""
    problems = error.fields if isinstance(error, ValidationFailed) else error
    for message in add_errors(problems, lambda key: _error_target(form, key)):
        flash(message, "error")


def _conflict_view(error: EditConflict, form, labels: dict[str, str]) -> ConflictView:
    """Describe the refused edit and make the form's next save apply to the current version
    (the editor's values stay in the form)."""
    form.version.data = str(error.current_version)
    rows = []
    for difference in error.differences:
        field = getattr(form, difference.field, None)
        label = labels.get(difference.field) or (field.label.text if field else difference.field)
        rows.append(
            (
                str(label),
                _value_text(difference.field, difference.yours),
                _value_text(difference.field, difference.current),
            )
        )
    return ConflictView(rows)


def _value_text(name: str, value: Any) -> str:
    if is_blank(value):
        return conflict_value_text(value)
    if isinstance(value, datetime):
        return format_datetime(value, "short", current_locale())
    if name == "venue_id":
        venue = db.session.get(Venue, value) if isinstance(value, int) else None
        return venue.name if venue is not None else str(value)
    if name == "certificate_kind":
        return certificate_kind_label(value)
    if name == "sessions":
        return "; ".join(
            " ".join(
                part
                for part in (
                    format_date(s.starts_at, "short", current_locale()),
                    format_time_range(s.starts_at, s.ends_at, current_locale()),
                    _("(%(n)s ชั่วโมง)", n=format_hours(s.hours)) if s.hours is not None else "",
                    s.title,
                )
                if part
            )
            for s in value
        )
    return conflict_value_text(value)


# ---------------------------------------------------------------- venues


@bp.get("/venues")
def venues():
    return render_template("organizer/venues.html", venues=list_venues())


def _venue_input(form: VenueForm) -> VenueInput:
    return VenueInput(
        name=form.name.data or "",
        address=form.address.data or "",
        district=form.district.data or "",
        province=form.province.data or "",
        capacity=form.capacity.data,
    )


def _venue_checked(form: VenueForm) -> bool:
    """Run the form's checks and the service's rules in one pass; True when both pass."""
    form.validate()
    _attach_errors(form, venue_problems(_venue_input(form)))
    return not form.errors


@bp.route("/venues/new", methods=["GET", "POST"])
def venue_new():
    form = VenueForm()
    if request.method == "POST" and _venue_checked(form):
        try:
            venue = create_venue(_venue_input(form), current_user)
        except ValidationFailed as exc:
            _attach_errors(form, exc)
        else:
            flash(_("บันทึกสถานที่ %(name)s แล้ว", name=venue.name), "success")
            return redirect(url_for(".venues"))
    return render_template("organizer/venue_form.html", form=form, venue=None), (
        422 if form.errors else 200
    )


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
def venue_edit(venue_id: int):
    venue = db.get_or_404(Venue, venue_id)
    form = VenueForm(obj=venue)
    conflict = None
    if request.method == "POST" and _venue_checked(form):
        try:
            update_venue(
                venue, _venue_input(form), current_user, expected_version=edited_version(form)
            )
        except EditConflict as exc:
            conflict = _conflict_view(exc, form, {})
        except ValidationFailed as exc:
            _attach_errors(form, exc)
        else:
            flash(_("บันทึกสถานที่ %(name)s แล้ว", name=venue.name), "success")
            return redirect(url_for(".venues"))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template(
        "organizer/venue_form.html", form=form, venue=venue, conflict=conflict
    ), status


# ---------------------------------------------------------------- workshops


@bp.get("/")
@bp.get("/workshops")
def workshops():
    status = request.args.get("status") or None
    if status not in (None, *TRANSITIONS):
        status = None
    return render_template(
        "organizer/workshops.html",
        workshops=list_workshops(current_user, status=status, managed=True),
        status=status,
        statuses=[(s.value, status_label(s)) for s in TRANSITIONS],
    )


@bp.get("/workshops/<int:workshop_id>")
def workshop_detail(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    allowed = allowed_statuses(workshop)
    next_statuses = [
        (s.value, status_label(s)) for s in TRANSITIONS[workshop.status] if s in allowed
    ]
    return render_template(
        "organizer/workshop.html",
        workshop=workshop,
        next_statuses=next_statuses,
        refused=refused_scans(workshop.id),
        can_overrule=can_overrule,
        refusal_label=refusal_label,
    )


@bp.post("/refused-scans/<int:refused_id>/<any(accept, dismiss):action>")
def refused_scan_action(refused_id: int, action: str):
    """Check in the person of a scan refused at sync (with a reason), or leave it refused."""
    refused = db.get_or_404(RefusedScan, refused_id)
    workshop_id = refused.session.workshop_id
    try:
        if action == "accept":
            reason = request.form.get("reason", "")
            outcome = overrule_refused_scan(refused_id, current_user, reason)
        else:
            dismiss_refused_scan(refused_id, current_user)
    except ValidationFailed as exc:
        flash("; ".join(exc.fields.values()), "error")
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        if action == "accept":
            flash(_("บันทึกการเข้าร่วมของ %(name)s แล้ว", name=outcome.name), "success")
        else:
            flash(_("ไม่รับผลสแกนนี้แล้ว"), "success")
    return redirect(url_for(".workshop_detail", workshop_id=workshop_id) + "#refused-scans")


def _workshop_form(workshop: Workshop | None, copy_of: Workshop | None = None) -> WorkshopForm:
    if copy_of is not None and request.method != "POST":
        # The next cohort: the details as they are, the dates and sessions left to fill in.
        form = WorkshopForm(
            **{name: getattr(copy_of, name) for name in WorkshopForm.scalar_fields},
            sessions=[{}],
        )
    elif workshop is None or request.method == "POST":
        form = WorkshopForm()
    else:
        opens = to_bangkok(workshop.registration_opens_at)
        closes = to_bangkok(workshop.registration_closes_at)
        # Not obj=workshop: its ``sessions`` attribute would win over the per-row values below.
        scalar_fields = {name: getattr(workshop, name) for name in WorkshopForm.scalar_fields}
        form = WorkshopForm(
            **scalar_fields,
            version=str(workshop.version),
            opens_day=opens.date(),
            opens_time=opens.time(),
            closes_day=closes.date(),
            closes_time=closes.time(),
            sessions=[
                {
                    "id": str(s.id),
                    "title": s.title,
                    "day": to_bangkok(s.starts_at).date(),
                    "starts": to_bangkok(s.starts_at).time(),
                    "ends": to_bangkok(s.ends_at).time(),
                    # Shown only when the organizer changed them: blank follows the times.
                    "hours": s.hours if s.hours != default_hours(s.starts_at, s.ends_at) else None,
                }
                for s in workshop.sessions
            ],
        )
    form.certificate_kind.choices = [
        SelectChoice(k.value, certificate_kind_label(k.value)) for k in CertificateKind
    ]
    form.attendance_rule.choices = [
        SelectChoice(AttendanceRule.HOURS.value, _("ร้อยละของชั่วโมงอบรม")),
        SelectChoice(AttendanceRule.SESSIONS.value, _("ร้อยละของจำนวนช่วง")),
    ]
    form.venue_id.choices = choose_first(
        [SelectChoice(v.id, f"{v.name} ({v.province}, {v.capacity})") for v in list_venues()]
    )
    form.office_id.choices = [SelectChoice(o.id, o.name) for o in offices_for(current_user)]
    return form


def _workshop_input(form: WorkshopForm) -> tuple[WorkshopInput, list[int]]:
    """The parsed form as service input, with what could not be read left None, and the form
    row of each session passed on (blank rows are skipped, incomplete ones marked here)."""
    sessions: list[SessionInput] = []
    rows: list[int] = []
    for index, entry in enumerate(form.sessions.entries):
        row = entry.form
        if row.is_blank():
            continue
        if row.day.data is None or row.starts.data is None or row.ends.data is None:
            for part in (row.day, row.starts, row.ends):
                if part.data is None and not part.errors:
                    part.errors = [_("กรุณากรอกวันที่ เวลาเริ่ม และเวลาสิ้นสุดให้ครบ")]
            continue
        session_id = row.id.data
        sessions.append(
            SessionInput(
                id=optional_int(session_id),
                title=row.title.data or "",
                starts_at=bangkok_to_utc(row.day.data, row.starts.data),
                ends_at=bangkok_to_utc(row.day.data, row.ends.data),
                hours=row.hours.data,
            )
        )
        rows.append(index)

    def moment(day, clock, blank_clock):
        return bangkok_to_utc(day, clock or blank_clock) if day is not None else None

    data = WorkshopInput(
        title=form.title.data or "",
        office_id=form.office_id.data,
        organizing_agency=form.organizing_agency.data or "",
        objectives=form.objectives.data or "",
        topics=form.topics.data or "",
        venue_id=form.venue_id.data,
        capacity=form.capacity.data,
        registration_opens_at=moment(form.opens_day.data, form.opens_time.data, time(0, 0)),
        registration_closes_at=moment(form.closes_day.data, form.closes_time.data, time(23, 59)),
        attendance_threshold=form.attendance_threshold.data,
        attendance_rule=form.attendance_rule.data,
        checkout_enabled=bool(form.checkout_enabled.data),
        excused_count=bool(form.excused_count.data),
        certificate_kind=form.certificate_kind.data,
        presiding_official=form.presiding_official.data or "",
        signatory_name=form.signatory_name.data or "",
        signatory_position=form.signatory_position.data or "",
        sessions=sessions,
    )
    return data, rows


def _save_workshop(workshop: Workshop | None, copy_of: Workshop | None = None):
    form = _workshop_form(workshop, copy_of)
    if len(form.venue_id.choices) == 1:  # only "กรุณาเลือก"
        flash(_("ยังไม่มีสถานที่ กรุณาเพิ่มสถานที่ก่อนสร้างการอบรม"), "info")
        return redirect(url_for(".venue_new"))
    if request.method == "POST" and "add_session" in request.form:
        if len(form.sessions.entries) < form.sessions.max_entries:
            form.sessions.append_entry()
        # Without scripts the page comes back with the new row: the focus goes to it.
        return _form_page(form, workshop, focus_row=len(form.sessions.entries) - 1, copy_of=copy_of)
    conflict = None
    if request.method == "POST":
        # One pass: the form's checks, then every scheduling rule on whatever could be read.
        form.validate()
        data, rows = _workshop_input(form)
        if copy_of is not None:
            data.next_cohort_of = copy_of.id
        problems = workshop_problems(
            data, current_user, workshop.office_id if workshop is not None else None
        )
        if len(rows) < sum(not e.form.is_blank() for e in form.sessions.entries):
            problems.pop("sessions", None)  # rows are there, only incomplete (marked above)
        _attach_errors(form, _renumber(problems, rows))
        if not has_errors(form):
            try:
                if workshop is None:
                    workshop = create_workshop(data, current_user)
                else:
                    update_workshop(
                        workshop, data, current_user, expected_version=edited_version(form)
                    )
            except EditConflict as exc:
                conflict = _conflict_view(exc, form, _workshop_labels())
            except ValidationFailed as exc:
                _attach_errors(form, _renumber(exc.fields, rows))
            except DomainError as exc:
                flash(exc.message, "error")
            else:
                flash(_("บันทึกการอบรมแล้ว"), "success")
                return redirect(url_for(".workshop_detail", workshop_id=workshop.id))
    status = 409 if conflict else 422 if request.method == "POST" else 200
    return _form_page(form, workshop, conflict, copy_of=copy_of), status


def _form_page(
    form: WorkshopForm,
    workshop: Workshop | None,
    conflict: ConflictView | None = None,
    focus_row: int | None = None,
    copy_of: Workshop | None = None,
) -> str:
    lunch = configured_lunch_break()
    return render_template(
        "organizer/workshop_form.html",
        form=form,
        workshop=workshop,
        copy_of=copy_of,
        next_cohort=next_cohort_number(copy_of) if copy_of is not None else None,
        conflict=conflict,
        focus_row=focus_row,
        lunch=f"{lunch[0]:%H.%M}–{lunch[1]:%H.%M} น." if lunch else None,
    )


def _workshop_labels() -> dict[str, str]:
    """Names of the workshop's values that the form splits or lists (read per request: they
    are in the reader's language)."""
    return {
        "registration_opens_at": _("วันเวลาเปิดรับสมัคร"),
        "registration_closes_at": _("วันเวลาปิดรับสมัคร"),
        "sessions": _("กำหนดการ"),
    }


def _renumber(problems: dict[str, str], rows: list[int]) -> dict[str, str]:
    """Service session indexes count only the sessions passed on; map them back to form rows."""
    fields: dict[str, str] = {}
    for key, message in problems.items():
        if key.startswith("sessions."):
            _, index, name = key.split(".", 2)
            if index.isdigit() and int(index) < len(rows):
                key = f"sessions.{rows[int(index)]}.{name}"
        fields[key] = message
    return fields


@bp.route("/workshops/new", methods=["GET", "POST"])
def workshop_new():
    return _save_workshop(None)


@bp.route("/workshops/<int:workshop_id>/next-cohort", methods=["GET", "POST"])
def workshop_next_cohort(workshop_id: int):
    """คัดลอกเป็นรุ่นถัดไป: the workshop's details in a new form, without dates or people."""
    return _save_workshop(None, copy_of=db.get_or_404(Workshop, workshop_id))


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def workshop_edit(workshop_id: int):
    return _save_workshop(db.get_or_404(Workshop, workshop_id))


@bp.post("/workshops/<int:workshop_id>/status")
def workshop_status(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    new_status = request.form.get("status", "")
    if new_status == WorkshopStatus.CANCELLED:
        # Cancelling has its own page: what it will do, and the reason it needs.
        return redirect(url_for(".workshop_cancel", workshop_id=workshop.id))
    try:
        change_status(workshop, new_status, current_user)
    except DomainError as exc:
        message = (
            exc.fields.get("status", exc.message)
            if isinstance(exc, ValidationFailed)
            else exc.message
        )
        flash(message, "error")
    else:
        flash(_("สถานะการอบรมตอนนี้: %(s)s", s=status_label(workshop.status)), "success")
    return redirect(url_for(".workshop_detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
def workshop_cancel(workshop_id: int):
    """Say what cancelling will do and ask why; only the POST from here (with a reason) cancels."""
    workshop = db.get_or_404(Workshop, workshop_id)
    if workshop.status == WorkshopStatus.CANCELLED:
        flash(_("การอบรมนี้ถูกยกเลิกไปแล้ว"), "info")
        return redirect(url_for(".workshop_detail", workshop_id=workshop.id))
    try:
        check_transition(workshop, WorkshopStatus.CANCELLED)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".workshop_detail", workshop_id=workshop.id))
    form = CancelWorkshopForm()
    if form.validate_on_submit():
        try:
            done = cancel_workshop(workshop.id, current_user, form.reason.data or "")
        except ValidationFailed as exc:
            _attach_errors(form, exc)
        except DomainError as exc:  # e.g. cancelled from elsewhere meanwhile
            flash(exc.message, "error")
            return redirect(url_for(".workshop_detail", workshop_id=workshop.id))
        else:
            told = done.summary
            flash(_("ยกเลิกการอบรมแล้ว ส่งอีเมลแจ้งผู้ลงทะเบียน %(n)d คน", n=told.mailable), "success")
            if told.not_mailable:
                flash(
                    _(
                        "ผู้ลงทะเบียนหน้างาน %(n)d คนไม่มีอีเมล กรุณาแจ้งการยกเลิกด้วยวิธีอื่น",
                        n=told.not_mailable,
                    ),
                    "info",
                )
            return redirect(url_for(".workshop_detail", workshop_id=workshop.id))
    return render_template(
        "organizer/workshop_cancel.html",
        form=form,
        workshop=workshop,
        summary=cancellation_summary(workshop.id),
        reason_max=Workshop.REASON_MAX,
    ), (422 if request.method == "POST" else 200)


# ---------------------------------------------------------------- registrations


@bp.get("/workshops/<int:workshop_id>/registrations")
def registrations(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    status = request.args.get("status") or None
    if status not in (None, *(s.value for s in RegistrationStatus)):
        status = None
    agency = request.args.get("agency") or None
    district = request.args.get("district") or None
    search = (request.args.get("q") or "").strip()[:100] or None
    page = request.args.get("page", 1, type=int) or 1
    found = registration_page(
        workshop.id, status=status, agency=agency, district=district, search=search, page=page
    )
    agencies, districts = registration_filters(workshop.id)
    filters = {"status": status, "agency": agency, "district": district, "q": search}
    return render_template(
        "organizer/registrations.html",
        workshop=workshop,
        found=found,
        rows=[row.registration for row in found.rows],
        seats_change=seats_can_change(workshop),
        positions={row.registration.id: row.waitlist_position for row in found.rows},
        status=status,
        agency=agency,
        district=district,
        search=search,
        filters={key: value for key, value in filters.items() if value},
        agencies=agencies,
        districts=districts,
        filtered=any(filters.values()),
    )


# Several e-mails at once: one per line, or separated by commas, semicolons or spaces.
EMAIL_SEPARATORS = re.compile(r"[\s,;]+")
BEHALF_MAX = 200


@bp.post("/workshops/<int:workshop_id>/registrations")
def register_on_behalf(workshop_id: int):
    """Register each officer whose e-mail is listed; say who was seated, waitlisted, already
    registered or not found, so that one paste of a list of names does the whole job."""
    workshop = db.get_or_404(Workshop, workshop_id)
    emails = list(
        dict.fromkeys(e for e in EMAIL_SEPARATORS.split(request.form.get("email", "")) if e)
    )
    if not emails:
        flash(_("กรุณากรอกอีเมลของผู้เข้าอบรมอย่างน้อย 1 รายการ"), "error")
        return redirect(url_for(".registrations", workshop_id=workshop.id))
    if len(emails) > BEHALF_MAX:
        flash(_("ลงทะเบียนแทนได้ครั้งละไม่เกิน %(n)d อีเมล", n=BEHALF_MAX), "error")
        return redirect(url_for(".registrations", workshop_id=workshop.id))
    done: list[str] = []
    failed: list[str] = []
    for email in emails:
        officer = find_user_by_email(email)
        if officer is None:
            failed.append(_("%(email)s: ไม่พบบัญชีผู้เข้าอบรมที่ใช้อีเมลนี้ ให้ผู้เข้าอบรมสมัครบัญชีก่อน", email=email))
            continue
        try:
            registration = register_officer(workshop.id, officer, actor=current_user)
        except DomainError as exc:
            failed.append(f"{email}: {exc.message}")
        else:
            done.append(
                _(
                    "%(name)s (%(status)s)",
                    name=officer.full_name,
                    status=registration_status_label(registration.status),
                )
            )
    if done:
        flash(_("ลงทะเบียนให้แล้ว %(n)d คน: %(names)s", n=len(done), names=", ".join(done)), "success")
    for message in failed:
        flash(message, "error")
    return redirect(url_for(".registrations", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/walk-in", methods=["GET", "POST"])
def walk_in(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    form = WalkInForm()
    form.set_prefix_choices()
    form.set_office_choices()
    if request.method == "POST" and not form.validate():
        # The form's own problems, and the profile rules too, in one pass.
        problems = clean_profile(form.profile())[1]
        _attach_errors(form, problems)
    elif request.method == "POST":
        try:
            registration = register_walk_in(
                workshop.id,
                email=form.email.data or "",
                profile=form.profile(),
                consent=bool(form.consent.data),
                actor=current_user,
            )
        except ValidationFailed as exc:
            _attach_errors(form, exc)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            name = registration.user.full_name
            flash(_("ลงทะเบียน %(name)s หน้างานแล้ว (ได้ที่นั่ง) เช็กอินได้โดยค้นหาชื่อ", name=name), "success")
            return redirect(url_for(".registrations", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "organizer/walk_in.html", form=form, workshop=workshop, provinces=PROVINCES
    ), status


_ACTIONS = {
    "confirm": lambda r, reason: confirm_waitlisted(r.id, current_user),
    "waitlist": lambda r, reason: move_to_waitlist(r.id, current_user),
    "cancel": lambda r, reason: cancel_registration(r.id, current_user, reason),
    "rotate": lambda r, reason: rotate_ticket(r, current_user),
}


@bp.post("/registrations/<int:registration_id>/<action>")
def registration_action(registration_id: int, action: str):
    registration = db.get_or_404(Registration, registration_id)
    if action not in _ACTIONS:
        abort(404)
    workshop_id = registration.workshop_id
    try:
        _ACTIONS[action](registration, request.form.get("reason", ""))
    except DomainError as exc:
        message = exc.message
        if isinstance(exc, ValidationFailed):
            message = "; ".join(exc.fields.values())
        flash(message, "error")
    else:
        flash(
            {
                "confirm": _("ย้ายเข้าผู้ได้ที่นั่งแล้ว"),
                "waitlist": _("ย้ายไปรายชื่อสำรองแล้ว"),
                "cancel": _("ยกเลิกการลงทะเบียนแล้ว"),
                "rotate": _("ออกบัตร QR ใหม่แล้ว บัตรเดิมใช้ไม่ได้อีก และส่งบัตรใหม่ทางอีเมลแล้ว"),
            }[action],
            "success",
        )
    # Back to the same page of the list (search, filters, page), at the row.
    back = safe_next(request.form.get("next"), url_for(".registrations", workshop_id=workshop_id))
    if not back.startswith(url_for(".registrations", workshop_id=workshop_id)):
        back = url_for(".registrations", workshop_id=workshop_id)
    return redirect(f"{back.split('#', 1)[0]}#registration-{registration_id}")


# ---------------------------------------------------------------- attendance and excuses


def _workshop_session(workshop_id: int, session_id: int) -> tuple[Workshop, WorkshopSession]:
    workshop = db.get_or_404(Workshop, workshop_id)
    session = db.get_or_404(WorkshopSession, session_id)
    if session.workshop_id != workshop.id:
        abort(404)
    return workshop, session


@bp.get("/workshops/<int:workshop_id>/sessions/<int:session_id>/attendance")
def session_attendance(workshop_id: int, session_id: int):
    """Who was at one session, who was excused and who was absent; excuses are recorded here."""
    workshop, session = _workshop_session(workshop_id, session_id)
    rows = session_attendees(session)
    counts = {state: 0 for state in ("present", "excused", "absent")}
    for row in rows:
        counts[row.state] += 1
    return render_template(
        "organizer/session_attendance.html",
        workshop=workshop,
        session=session,
        number=workshop.sessions.index(session) + 1,
        rows=rows,
        counts=counts,
        kinds=[(k.value, excuse_kind_label(k)) for k in ExcuseKind],
        excuse_text=excuse_text,
    )


@bp.post("/registrations/<int:registration_id>/sessions/<int:session_id>/excuse")
def excuse(registration_id: int, session_id: int):
    """Record the reason for an absence (``action=set``) or take it back (``action=withdraw``)."""
    registration = db.get_or_404(Registration, registration_id)
    name = registration.user.full_name
    workshop_id = registration.workshop_id
    try:
        if request.form.get("action") == "withdraw":
            withdraw_excuse(registration.id, session_id, current_user)
            flash(_("ยกเลิกการลาของ %(name)s แล้ว", name=name), "success")
        else:
            excuse_absence(
                registration.id,
                session_id,
                request.form.get("kind", ""),
                request.form.get("reason", ""),
                current_user,
            )
            flash(_("บันทึกการลาของ %(name)s แล้ว", name=name), "success")
    except DomainError as exc:
        message = (
            "; ".join(exc.fields.values()) if isinstance(exc, ValidationFailed) else exc.message
        )
        flash(message, "error")
    return redirect(
        url_for(
            ".session_attendance",
            workshop_id=workshop_id,
            session_id=session_id,
            _anchor=f"registration-{registration.id}",
        )
    )
