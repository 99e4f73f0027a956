"""Workshops: scheduling rules, sessions, the status life cycle."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from workshop.extensions import db
from workshop.models import (
    AttendanceRule,
    Certificate,
    CertificateKind,
    CheckIn,
    Office,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Venue,
    Workshop,
    WorkshopSession,
)
from workshop.models import WorkshopStatus as Status
from workshop.models.types import utcnow
from workshop.services.attendance import HOURS_STEP, default_hours, format_hours
from workshop.services.audit import record_event
from workshop.services.certificate_design import (
    DESIGN_COLUMNS,
    DesignInput,
    apply_certificate_design,
    clean_certificate_design,
    design_input,
)
from workshop.services.errors import (
    InvalidStatusChange,
    NotFound,
    ValidationFailed,
    check_version,
)
from workshop.services.notifications import WORKSHOP_CANCELLED, dispatch_notices, queue_notice
from workshop.services.offices import is_scoped, office_filter, sees_office
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import end_transaction, write_transaction
from workshop.services.venues import lock_venue
from workshop.thai.dates import fiscal_year, is_be_year

MAX_SESSIONS = 31
MAX_SESSION_LENGTH = timedelta(hours=24)
EARLIEST_YEAR = 2000  # CE; older dates are typing mistakes (or a BE year read as CE)
LATEST_YEAR = 2100
CAPACITY_MAX = Venue.CAPACITY_MAX

# Which status may follow which. Cancelled is final: officers will have been told.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
    Status.PUBLISHED: {Status.CLOSED, Status.CANCELLED},
    Status.CLOSED: {Status.PUBLISHED, Status.CANCELLED},
    Status.CANCELLED: set(),
}
PUBLIC_STATUSES = (Status.PUBLISHED.value, Status.CLOSED.value)


@dataclass
class SessionInput:
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    id: int | None = None  # an existing session to keep (its check-ins stay attached)
    # Training hours; None: the default from the times (services.attendance.default_hours).
    hours: Decimal | None = None


@dataclass
class WorkshopInput:
    title: str
    venue_id: int
    capacity: int
    # None only from a form that could not read the date (and says so itself).
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    sessions: list[SessionInput] = field(default_factory=list)
    # None: the acting organizer's office (new workshops) or the one it has (edits).
    office_id: int | None = None
    # Empty: the office's name.
    organizing_agency: str = ""
    # A new workshop made as the next cohort of this one (services: its series and number).
    next_cohort_of: int | None = None
    objectives: str = ""
    topics: str = ""
    attendance_threshold: int = 80
    # New workshops count hours: "at least 80 % of the training time", the usual Thai rule.
    attendance_rule: str = AttendanceRule.HOURS.value
    checkout_enabled: bool = False
    excused_count: bool = False
    certificate_kind: str = CertificateKind.HONOUR.value
    presiding_official: str = ""
    signatory_name: str = ""
    signatory_position: str = ""


_TEXT_FIELDS: tuple[tuple[str, int, bool, bool], ...] = (
    # name, max length, required, multi-line
    ("title", Workshop.TITLE_MAX, True, False),
    ("organizing_agency", Workshop.AGENCY_MAX, False, False),
    ("objectives", Workshop.TEXT_MAX, False, True),
    ("topics", Workshop.TEXT_MAX, False, True),
    ("presiding_official", Workshop.PERSON_MAX, False, False),
    ("signatory_name", Workshop.PERSON_MAX, False, False),
    # A position often takes two or three lines, broken where the office breaks it:
    # ผู้ว่าราชการจังหวัดพิษณุโลก / ปฏิบัติราชการแทน / อธิบดีกรมการพัฒนาชุมชน.
    ("signatory_position", Workshop.PERSON_MAX, False, True),
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_year(moment: datetime) -> str | None:
    if is_be_year(moment.year):
        return str(_l("ปี %(y)d ดูเหมือนเป็นปี พ.ศ. ที่ถูกอ่านเป็น ค.ศ.", y=moment.year))
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return str(_l("วันที่อยู่นอกช่วงที่รับได้ (ค.ศ. 2000–2100)"))
    return None


def _check_hours(session: SessionInput) -> str | None:
    """Set the session's hours (the default when none were given); a message if they are not
    a number of hours from 0 up to the session's length, to the hundredth."""
    if session.hours is None:
        session.hours = default_hours(session.starts_at, session.ends_at)
        return None
    try:
        hours = Decimal(str(session.hours)) if not isinstance(session.hours, bool) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite():
        return str(_l("ชั่วโมงอบรมต้องเป็นตัวเลข เช่น 3.5"))
    length = Decimal((session.ends_at - session.starts_at).total_seconds()) / 3600
    if hours < 0 or hours > length:
        return str(
            _l(
                "ชั่วโมงอบรมต้องอยู่ระหว่าง 0 ถึง %(n)s ชั่วโมง (ความยาวของช่วง)",
                n=format_hours(length.quantize(HOURS_STEP)),
            )
        )
    if hours != hours.quantize(HOURS_STEP):
        return str(_l("ชั่วโมงอบรมมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง"))
    session.hours = hours.quantize(HOURS_STEP)
    return None


def _office_values(
    data: WorkshopInput, actor: User | None, current: int | None, values: dict[str, Any]
) -> str | None:
    """Set ``office_id`` and a blank ``organizing_agency`` (the office's name) in ``values``;
    a message if the office is missing or not one the acting organizer manages."""
    office_id = data.office_id if data.office_id is not None else current
    if office_id is None and actor is not None:
        office_id = actor.office_id
    if not _is_int(office_id):
        return str(_l("กรุณาเลือกหน่วยงานผู้จัด"))
    office = db.session.get(Office, office_id)
    if office is None or (
        is_scoped(actor) and office_id != current and not sees_office(actor, office_id)
    ):
        return str(_l("เลือกได้เฉพาะหน่วยงานที่คุณดูแล"))
    values["office_id"] = office.id
    if not values.get("organizing_agency"):
        values["organizing_agency"] = office.name
    return None


def workshop_problems(
    data: WorkshopInput, actor: User | None = None, current_office: int | None = None
) -> dict[str, str]:
    """Every rule ``data`` breaks, without saving anything: for a form that found problems of
    its own, so that all of them show at once. Values the form could not read are None."""
    try:
        validate_workshop(data, actor, current_office, lock=False)
    except ValidationFailed as exc:
        return exc.fields
    finally:
        end_transaction()
    return {}


def validate_workshop(
    data: WorkshopInput,
    actor: User | None = None,
    current_office: int | None = None,
    *,
    lock: bool = True,
) -> dict[str, Any]:
    """Check every scheduling rule; return the cleaned column values or raise ValidationFailed.

    Runs inside the caller's write transaction, which holds the chosen venue's row from here
    to the commit (``lock=False``: only reads). Error keys are field names; session errors use
    ``sessions.<index>.<field>``.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit, required, multiline in _TEXT_FIELDS:
        try:
            values[name] = clean_text(
                getattr(data, name), max_length=limit, required=required, multiline=multiline
            )
        except TextRejected as exc:
            errors[name] = str(exc)
    if "organizing_agency" not in errors:
        problem = _office_values(data, actor, current_office, values)
        if problem:
            errors["office_id"] = problem

    # Held until commit: the room cannot shrink below this workshop meanwhile (update_venue).
    if not _is_int(data.venue_id):
        venue = None
    elif lock:
        venue = lock_venue(data.venue_id, shared=True)
    else:
        venue = db.session.get(Venue, data.venue_id)
    if venue is None:
        errors["venue_id"] = str(_l("กรุณาเลือกสถานที่ที่มีอยู่ในระบบ"))
    values["venue_id"] = data.venue_id

    if not _is_int(data.capacity) or data.capacity < 1:
        errors["capacity"] = str(_l("จำนวนที่รับต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป"))
    elif venue is not None and data.capacity > venue.capacity:
        errors["capacity"] = str(
            _l("เกินความจุของห้อง %(venue)s (%(n)d ที่)", venue=venue.name, n=venue.capacity)
        )
    elif data.capacity > CAPACITY_MAX:
        errors["capacity"] = str(_l("จำนวนที่รับมากเกินไป"))
    values["capacity"] = data.capacity

    if not _is_int(data.attendance_threshold) or not 1 <= data.attendance_threshold <= 100:
        errors["attendance_threshold"] = str(_l("เกณฑ์การเข้าร่วมต้องอยู่ระหว่าง 1 ถึง 100 %"))
    values["attendance_threshold"] = data.attendance_threshold

    if data.attendance_rule not in {r.value for r in AttendanceRule}:
        errors["attendance_rule"] = str(_l("เกณฑ์ต้องนับเป็นชั่วโมงหรือเป็นจำนวนช่วง"))
    values["attendance_rule"] = data.attendance_rule
    for name in ("checkout_enabled", "excused_count"):
        if not isinstance(getattr(data, name), bool):
            errors[name] = str(_l("ต้องเป็นใช่หรือไม่ใช่"))
        values[name] = getattr(data, name)

    if data.certificate_kind not in {k.value for k in CertificateKind}:
        errors["certificate_kind"] = str(_l("ชนิดของเกียรติบัตรไม่ถูกต้อง"))
    values["certificate_kind"] = data.certificate_kind

    sessions = data.sessions
    errors.update(_session_problems(data))
    sessions_ok = not any(k.startswith("sessions") for k in errors)
    errors.update(_registration_window_problems(data, sessions_ok))
    values["registration_opens_at"] = data.registration_opens_at
    values["registration_closes_at"] = data.registration_closes_at

    if errors:
        raise ValidationFailed(errors)
    values["fiscal_year"] = fiscal_year(min(s.starts_at for s in sessions))
    return values


def _session_problems(data: WorkshopInput) -> dict[str, str]:
    """The sessions: at least one, each readable and at most a day long, none overlapping,
    and some training hours when the rule counts hours. Cleans each title in place."""
    sessions = data.sessions
    if not sessions:
        return {"sessions": str(_l("ต้องมีอย่างน้อยหนึ่งช่วงการอบรม"))}
    if len(sessions) > MAX_SESSIONS:
        return {"sessions": str(_l("มีช่วงการอบรมได้ไม่เกิน %(n)d ช่วง", n=MAX_SESSIONS))}
    errors: dict[str, str] = {}
    for index, session in enumerate(sessions):
        key = f"sessions.{index}"
        try:
            session.title = clean_text(session.title, max_length=WorkshopSession.TITLE_MAX)
        except TextRejected as exc:
            errors[f"{key}.title"] = str(exc)
        problem = _check_year(session.starts_at) or _check_year(session.ends_at)
        if problem:
            errors[f"{key}.starts_at"] = problem
        elif session.ends_at <= session.starts_at:
            errors[f"{key}.ends_at"] = str(_l("เวลาสิ้นสุดต้องหลังเวลาเริ่ม"))
        elif session.ends_at - session.starts_at > MAX_SESSION_LENGTH:
            errors[f"{key}.ends_at"] = str(_l("ช่วงการอบรมหนึ่งช่วงยาวได้ไม่เกิน 24 ชั่วโมง"))
        else:
            problem = _check_hours(session)
            if problem:
                errors[f"{key}.hours"] = problem
    if errors:
        return errors
    ordered = sorted(enumerate(sessions), key=lambda pair: pair[1].starts_at)
    for (_, earlier), (index, later) in itertools.pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            errors[f"sessions.{index}.starts_at"] = str(_l("ช่วงนี้ซ้อนทับกับช่วงอื่น"))
    if (
        not errors
        and data.attendance_rule == AttendanceRule.HOURS
        and not any(s.hours for s in sessions)
    ):
        errors["sessions.0.hours"] = str(_l("เกณฑ์นับเป็นชั่วโมง จึงต้องมีชั่วโมงอบรมรวมมากกว่า 0"))
    return errors


def _registration_window_problems(data: WorkshopInput, sessions_ok: bool) -> dict[str, str]:
    """Registration opens, then closes, and closes before the last session ends (checked
    only against sessions that were valid, ``sessions_ok``)."""
    errors: dict[str, str] = {}
    opens, closes = data.registration_opens_at, data.registration_closes_at
    missing = str(_l("กรุณากรอกวันที่"))
    problem = _check_year(opens) if opens is not None else missing
    if problem:
        errors["registration_opens_at"] = problem
    problem = _check_year(closes) if closes is not None else missing
    if problem:
        errors["registration_closes_at"] = problem
    elif opens is None:
        pass
    elif closes <= opens:
        errors["registration_closes_at"] = str(_l("วันปิดรับสมัครต้องหลังวันเปิดรับสมัคร"))
    elif data.sessions and sessions_ok:
        last_end = max(s.ends_at for s in data.sessions)
        if closes > last_end:
            errors["registration_closes_at"] = str(_l("ต้องปิดรับสมัครก่อนการอบรมช่วงสุดท้ายจบ"))
    return errors


def _apply_sessions(workshop: Workshop, sessions: list[SessionInput]) -> None:
    """Update kept sessions in place, add new ones, drop the ones left out."""
    current = {s.id: s for s in workshop.sessions}
    kept: list[WorkshopSession] = []
    for item in sessions:
        row = current.pop(item.id, None) if item.id is not None else None
        if row is None:
            row = WorkshopSession()
        row.title, row.starts_at, row.ends_at = item.title, item.starts_at, item.ends_at
        row.hours = item.hours  # set by validate_workshop
        kept.append(row)
    workshop.sessions = kept


def create_workshop(
    data: WorkshopInput, actor: User | None, design: DesignInput | None = None
) -> Workshop:
    """Create a draft workshop with its sessions in one transaction; with ``next_cohort_of``,
    as the next cohort of that workshop's series (``_next_cohort_locked``); ``design``: its
    certificate design (else the defaults), checked with the workshop's fields."""
    design, design_errors = _clean_design(design)
    with write_transaction():
        try:
            values = validate_workshop(data, actor)
        except ValidationFailed as exc:
            raise ValidationFailed({**exc.fields, **design_errors}) from None
        if design_errors:
            raise ValidationFailed(design_errors)
        for item in data.sessions:
            if item.id is not None:
                raise ValidationFailed({"sessions": str(_l("ช่วงการอบรมใหม่ต้องไม่มีรหัส"))})
        workshop = Workshop(status=Status.DRAFT.value, created_by_id=actor.id if actor else None)
        for key, value in values.items():
            setattr(workshop, key, value)
        details: dict[str, Any] = {"title": workshop.title}
        if data.next_cohort_of is not None:
            workshop.series_id, workshop.cohort = _next_cohort_locked(data.next_cohort_of, actor)
            details["cohort"] = workshop.cohort
        _apply_sessions(workshop, data.sessions)
        db.session.add(workshop)
        db.session.flush()
        record_event(actor, "workshop.create", workshop, details)
        if design is not None:
            apply_certificate_design(workshop, design, actor)
    return workshop


def _next_cohort_locked(source_id: int, actor: User | None) -> tuple[int, int]:
    """(series, cohort number) for a new cohort of ``source_id``'s series, inside the caller's
    transaction. The series' first workshop is locked while the number is taken, so two
    copies made at once get 2 and 3. The first workshop joins its own series (as รุ่นที่ 1) by
    a Core UPDATE that leaves its edit version alone: nothing about it was edited."""
    from workshop.services.registrations import lock_workshop

    source = db.session.get(Workshop, source_id)
    if source is None or (is_scoped(actor) and not sees_office(actor, source.office_id)):
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    root = lock_workshop(source.series_id or source.id)
    if root.series_id is None:
        db.session.execute(
            update(Workshop)
            .where(Workshop.id == root.id)
            .values(series_id=root.id)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(root, ["series_id"])
    last = db.session.scalar(select(func.max(Workshop.cohort)).where(Workshop.series_id == root.id))
    return root.id, max(last or 1, root.cohort) + 1


def next_cohort_number(workshop: Workshop) -> int:
    """The number the next cohort of the workshop's series will take (shown on the form)."""
    root_id = workshop.series_id or workshop.id
    last = db.session.scalar(select(func.max(Workshop.cohort)).where(Workshop.series_id == root_id))
    return max(last or 1, workshop.cohort) + 1


def _clean_design(design: DesignInput | None) -> tuple[DesignInput | None, dict[str, str]]:
    """The certificate design cleaned, or its errors named by column (as the API names the
    fields), to be reported together with the workshop's own."""
    if design is None:
        return None, {}
    try:
        return clean_certificate_design(design), {}
    except ValidationFailed as exc:
        return None, {DESIGN_COLUMNS.get(name, name): text for name, text in exc.fields.items()}


def workshop_input(workshop: Workshop) -> WorkshopInput:
    """The current state of a workshop as input, the starting point of a partial update."""
    names = {f.name for f in fields(WorkshopInput)} - {"sessions", "next_cohort_of"}
    return WorkshopInput(
        **{name: getattr(workshop, name) for name in names},
        sessions=[
            SessionInput(
                id=s.id, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at, hours=s.hours
            )
            for s in workshop.sessions
        ],
    )


def editable_values(data: WorkshopInput) -> dict[str, Any]:
    """The fields an edit sets, by name (sessions as a list), for comparing two versions.

    A session's hours left to the default are compared as that default, so a form that shows
    them blank does not differ from the stored value they come to."""
    values = {f.name: getattr(data, f.name) for f in fields(WorkshopInput)}
    values["sessions"] = [
        replace(s, hours=default_hours(s.starts_at, s.ends_at))
        if s.hours is None and s.starts_at is not None and s.ends_at is not None
        else s
        for s in data.sessions
    ]
    return values


def update_workshop(
    workshop: Workshop,
    data: WorkshopInput,
    actor: User | None,
    *,
    expected_version: int | None = None,
) -> Workshop:
    """Replace a workshop's details and sessions after checking every rule.

    Runs with the workshop row locked, so capacity cannot drop below the seats being taken at
    that moment; when capacity grows, people on the waitlist move into the new seats in order.
    ``expected_version``: the version the editor loaded (edit form, API If-Match); if the
    workshop has changed since, ``EditConflict`` says how, and nothing is saved.
    """
    from workshop.services.registrations import lock_workshop

    with write_transaction():
        workshop = lock_workshop(workshop.id)
        check_version(
            workshop.version,
            expected_version,
            editable_values(data),
            editable_values(workshop_input(workshop)),
        )
        promoted = _update_locked(workshop, data, actor)
    if promoted:
        dispatch_notices()
    return workshop


def _update_locked(
    workshop: Workshop, data: WorkshopInput, actor: User | None
) -> list[Registration]:
    """``update_workshop`` inside the caller's transaction, the workshop row locked; returns
    the registrations promoted into new seats."""
    from workshop.services import registrations

    if workshop.status == Status.CANCELLED:
        raise InvalidStatusChange(str(_l("การอบรมที่ยกเลิกแล้วแก้ไขไม่ได้")))
    _check_session_ids(workshop, data.sessions)
    values = validate_workshop(data, actor, workshop.office_id)
    kept = {item.id for item in data.sessions if item.id is not None}
    dropped = [s.id for s in workshop.sessions if s.id not in kept]
    if dropped and db.session.scalar(
        select(CheckIn.id).where(CheckIn.session_id.in_(dropped)).limit(1)
    ):
        raise ValidationFailed({"sessions": str(_l("ช่วงการอบรมที่มีผู้เช็กอินแล้วลบไม่ได้"))})
    if values["capacity"] < workshop.confirmed_count:
        raise ValidationFailed(
            {
                "capacity": str(
                    _l(
                        "มีผู้ได้ที่นั่งแล้ว %(n)d คน จำนวนที่รับต้องไม่น้อยกว่านั้น",
                        n=workshop.confirmed_count,
                    )
                )
            }
        )
    # Quota seats not yet filled are held too (their sum with the confirmed is at least the
    # sum of the quotas, so this also keeps the quotas within capacity).
    held = workshop.confirmed_count + workshop.reserved_unfilled
    if values["capacity"] < held:
        raise ValidationFailed(
            {
                "capacity": str(
                    _l(
                        "ผู้ได้ที่นั่งและที่นั่งโควตาของหน่วยงานรวม %(n)d ที่ จำนวนที่รับต้องไม่น้อยกว่านั้น (ลดโควตาก่อน)",
                        n=held,
                    )
                )
            }
        )
    for key, value in values.items():
        setattr(workshop, key, value)
    _apply_sessions(workshop, data.sessions)
    # The row is written (and its version moves on) even when only sessions changed.
    workshop.updated_at = utcnow()
    record_event(actor, "workshop.update", workshop, {"title": workshop.title})
    db.session.flush()
    return registrations.fill_seats_locked(workshop.id)


def _check_session_ids(workshop: Workshop, sessions: list[SessionInput]) -> None:
    """Every ``id`` must be one of the workshop's sessions, and each may be kept only once (a
    repeated one would otherwise turn into a new session)."""
    known = {s.id for s in workshop.sessions}
    seen: set[int] = set()
    for index, item in enumerate(sessions):
        if item.id is None:
            continue
        if item.id not in known:
            raise ValidationFailed({f"sessions.{index}.id": str(_l("ไม่พบช่วงการอบรมนี้"))})
        if item.id in seen:
            raise ValidationFailed({f"sessions.{index}.id": str(_l("ระบุช่วงการอบรมนี้ซ้ำ"))})
        seen.add(item.id)


def patch_workshop(
    workshop: Workshop,
    changes: dict[str, Any],
    actor: User | None,
    *,
    expected_version: int | None = None,
) -> Workshop:
    """Apply a partial change (API PATCH); ``status`` in ``changes`` goes through the life cycle.
    The certificate design's columns (``DESIGN_COLUMNS``) in ``changes`` are stored by
    ``services.certificate_design`` in the same transaction, their errors reported with
    those of the other fields.

    Cancelling (``status`` cancelled) needs ``reason`` in ``changes``, as ``cancel_workshop``
    does; a ``reason`` with any other change is refused rather than ignored. The fields and
    the status change are one transaction: either both are saved or neither.
    ``expected_version`` (If-Match) is checked first, before anything is written.
    """
    from workshop.services.registrations import lock_workshop

    status = changes.pop("status", None)
    reason = changes.pop("reason", None)
    if reason is not None and status != Status.CANCELLED:
        raise ValidationFailed({"reason": str(_l("ระบุเหตุผลได้เฉพาะเมื่อยกเลิกการอบรม"))})
    if status == Status.CANCELLED:
        reason = clean_cancel_reason(reason)
    if status is not None and status != workshop.status:
        check_transition(workshop, status)  # refused before anything is written
    columns = set(DESIGN_COLUMNS.values())
    design_changes = {name: changes.pop(name) for name in list(changes) if name in columns}
    with write_transaction():
        workshop = lock_workshop(workshop.id)
        wanted = dict(changes, **design_changes)
        if status is not None:
            wanted["status"] = status
        current = {k: getattr(workshop, k) for k in wanted if hasattr(workshop, k)}
        check_version(workshop.version, expected_version, wanted, current)
        # Over the design as stored now (locked): fields left out stay as they are.
        design, design_errors = _clean_design(
            design_input(workshop, design_changes) if design_changes else None
        )
        notify = False
        if changes:
            try:
                promoted = _update_locked(
                    workshop, replace(workshop_input(workshop), **changes), actor
                )
            except ValidationFailed as exc:
                raise ValidationFailed({**exc.fields, **design_errors}) from None
            notify = bool(promoted)
        if design_errors:
            raise ValidationFailed(design_errors)
        if status == Status.CANCELLED and workshop.status != Status.CANCELLED:
            _cancel_locked(workshop, actor, reason or "")
            notify = True
        elif status is not None and status != workshop.status:
            _change_status_locked(workshop, status, actor)
        if design is not None:  # after a change of kind: its wording depends on it
            apply_certificate_design(workshop, design, actor)
    if notify:
        dispatch_notices()
    return workshop


def change_status(
    workshop: Workshop,
    new_status: str,
    actor: User | None,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Workshop:
    """Move a workshop along draft → published → closed (and back to published).

    Cancelling is handed to ``cancel_workshop``, so it always needs a reason and always tells
    the registrants, whichever way it is asked for.
    """
    if new_status == Status.CANCELLED:
        return cancel_workshop(
            workshop.id, actor, reason, expected_version=expected_version
        ).workshop
    from workshop.services.registrations import lock_workshop

    check_transition(workshop, new_status)  # an unknown status never opens a write
    with write_transaction():
        # Locked and re-read: a cancellation committed meanwhile is final and must not be
        # overwritten by this change.
        workshop = lock_workshop(workshop.id)
        _check_status_version(workshop, new_status, expected_version)
        _change_status_locked(workshop, new_status, actor)
    return workshop


def _change_status_locked(workshop: Workshop, new_status: str, actor: User | None) -> None:
    check_transition(workshop, new_status)
    old = workshop.status
    workshop.status = new_status
    record_event(actor, "workshop.status", workshop, {"from": old, "to": new_status})


# ---------------------------------------------------------------- cancellation


@dataclass(frozen=True)
class CancellationSummary:
    """Who a cancellation reaches: shown before it is confirmed and reported after it."""

    confirmed: int
    waitlisted: int
    mailable: int  # of them, those who get a notice (walk-ins without an e-mail address do not)

    @property
    def registrants(self) -> int:
        return self.confirmed + self.waitlisted

    @property
    def not_mailable(self) -> int:
        return self.registrants - self.mailable


@dataclass(frozen=True)
class Cancellation:
    """What ``cancel_workshop`` did: the cancelled workshop and who was told."""

    workshop: Workshop
    summary: CancellationSummary


def _active_registrations(workshop_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.workshop_id == workshop_id,
                Registration.status.in_(
                    (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)
                ),
            )
            .options(joinedload(Registration.user))
            .order_by(Registration.id)
        )
    )


def _summarise(rows: list[Registration]) -> CancellationSummary:
    return CancellationSummary(
        confirmed=sum(r.status == RegistrationStatus.CONFIRMED for r in rows),
        waitlisted=sum(r.status == RegistrationStatus.WAITLISTED for r in rows),
        mailable=sum(r.user.mailable for r in rows),
    )


def cancellation_summary(workshop_id: int) -> CancellationSummary:
    """Who would be told if the workshop were cancelled now (for the confirmation page)."""
    return _summarise(_active_registrations(workshop_id))


def clean_cancel_reason(reason: str | None) -> str:
    """The reason for cancelling as it is stored, or ``ValidationFailed`` on ``reason``."""
    try:
        text = clean_text(reason, max_length=Workshop.REASON_MAX, multiline=True)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    if not text:
        raise ValidationFailed({"reason": str(_l("กรุณาระบุเหตุผลที่ยกเลิกการอบรม"))})
    return text


def _check_status_version(
    workshop: Workshop, new_status: str, expected_version: int | None
) -> None:
    check_version(
        workshop.version, expected_version, {"status": new_status}, {"status": workshop.status}
    )


def cancel_workshop(
    workshop_id: int, actor: User | None, reason: str, *, expected_version: int | None = None
) -> Cancellation:
    """Cancel a workshop for good and tell everyone registered, with the reason.

    One transaction with the workshop row locked (so no registration slips in unnoticed): the
    life-cycle check, the status with time and reason, the audit event, and one notice per
    confirmed or waitlisted registrant who has an e-mail address. Registrations keep their
    status, so the record shows who was affected; the cancelled status is what stops seat
    changes, door check-in and certificates. Notices are delivered after the commit.
    """
    from workshop.services.registrations import lock_workshop

    reason = clean_cancel_reason(reason)
    with write_transaction():
        workshop = lock_workshop(workshop_id)
        _check_status_version(workshop, Status.CANCELLED, expected_version)
        summary = _cancel_locked(workshop, actor, reason)
    dispatch_notices()
    return Cancellation(workshop, summary)


def _cancel_locked(workshop: Workshop, actor: User | None, reason: str) -> CancellationSummary:
    """``cancel_workshop`` inside the caller's transaction, the workshop row locked."""
    check_transition(workshop, Status.CANCELLED)
    old = workshop.status
    workshop.status = Status.CANCELLED.value
    workshop.cancelled_at = utcnow()
    workshop.cancel_reason = reason
    rows = _active_registrations(workshop.id)
    for registration in rows:
        queue_notice(registration, WORKSHOP_CANCELLED)
    summary = _summarise(rows)
    record_event(
        actor,
        "workshop.cancel",
        workshop,
        {
            "from": old,
            "reason": reason,
            "confirmed": summary.confirmed,
            "waitlisted": summary.waitlisted,
            "notified": summary.mailable,
        },
    )
    return summary


def allowed_statuses(workshop: Workshop, now: datetime | None = None) -> set[str]:
    """The statuses the workshop may move to now. A workshop that is over and took place
    (someone checked in, or holds a certificate) can no longer be cancelled: that would void
    its attendance record and certificates and tell the people who came not to come. One in
    progress can (the rest is called off), and so can a past one nobody attended."""
    allowed = {s.value for s in TRANSITIONS[Status(workshop.status)]}
    ends_at = workshop.ends_at
    if (
        Status.CANCELLED.value in allowed
        and ends_at is not None
        and ends_at <= (now or utcnow())
        and _took_place(workshop.id)
    ):
        allowed.discard(Status.CANCELLED.value)
    return allowed


def _took_place(workshop_id: int) -> bool:
    checked_in = (
        select(CheckIn.id)
        .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
        .where(WorkshopSession.workshop_id == workshop_id)
    )
    certified = (
        select(Certificate.id)
        .join(Registration, Registration.id == Certificate.registration_id)
        .where(Registration.workshop_id == workshop_id)
    )
    return bool(db.session.scalar(select(checked_in.exists() | certified.exists())))


def check_transition(workshop: Workshop, new_status: str) -> None:
    """Raise ``ValidationFailed`` for an unknown status, ``InvalidStatusChange`` for a move
    the life cycle does not allow now (see ``allowed_statuses``)."""
    if new_status not in {s.value for s in Status}:
        raise ValidationFailed({"status": str(_l("สถานะไม่ถูกต้อง"))})
    if new_status not in TRANSITIONS[Status(workshop.status)]:
        raise InvalidStatusChange(
            str(
                _l(
                    "เปลี่ยนสถานะจาก %(old)s เป็น %(new)s ไม่ได้",
                    old=status_label(workshop.status),
                    new=status_label(new_status),
                )
            )
        )
    if new_status not in allowed_statuses(workshop):
        raise InvalidStatusChange(str(_l("การอบรมนี้จบแล้วและมีผู้เข้าอบรม จึงยกเลิกไม่ได้ ให้ปิดการรับสมัครแทน")))


def status_label(status: str) -> str:
    labels = {
        Status.DRAFT: _l("ร่าง"),
        Status.PUBLISHED: _l("เผยแพร่แล้ว"),
        Status.CLOSED: _l("ปิดรับสมัคร"),
        Status.CANCELLED: _l("ยกเลิกแล้ว"),
    }
    return str(labels.get(status, status))


def certificate_kind_label(kind: str) -> str:
    """The document's name in the reader's language (the stored value is the Thai title)."""
    labels = {
        CertificateKind.HONOUR: _l("เกียรติบัตร"),
        CertificateKind.ACHIEVEMENT: _l("วุฒิบัตร"),
    }
    return str(labels.get(kind, kind))


def can_see_drafts(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Role.ORGANIZER)


def list_workshops(
    viewer: User | None, status: str | None = None, *, managed: bool = False
) -> list[Workshop]:
    """Workshops the viewer may see, latest first.

    ``managed``: the workshops of the offices an organizer or staff member sees, every status
    (their own lists). Otherwise what is public, plus an organizer's own offices' drafts."""
    query = select(Workshop).options(selectinload(Workshop.sessions), selectinload(Workshop.venue))
    in_scope = office_filter(Workshop.office_id, viewer)
    if managed:
        query = query.where(in_scope)
    elif can_see_drafts(viewer):
        query = query.where(or_(Workshop.status.in_(PUBLIC_STATUSES), in_scope))
    else:
        query = query.where(Workshop.status.in_(PUBLIC_STATUSES))
    if status:
        query = query.where(Workshop.status == status)
    first_start = (
        select(WorkshopSession.starts_at)
        .where(WorkshopSession.workshop_id == Workshop.id)
        .order_by(WorkshopSession.starts_at)
        .limit(1)
        .scalar_subquery()
    )
    return list(db.session.scalars(query.order_by(first_start.desc(), Workshop.id.desc())))


@dataclass(frozen=True)
class PublicListing:
    """The public list, by time: workshops still to come (or running) soonest first, and
    past ones, latest first."""

    current: list[Workshop]
    past: list[Workshop]


def public_listing(viewer: User | None, now: datetime | None = None) -> PublicListing:
    """Published and closed workshops split at ``now``: not yet ended, soonest first (the ones
    open for registration ahead of the others), then ended ones, latest first."""
    now = now or utcnow()
    query = (
        select(Workshop)
        .where(Workshop.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Workshop.sessions), selectinload(Workshop.venue))
    )
    workshops = [w for w in db.session.scalars(query) if w.sessions]
    current = [w for w in workshops if w.ends_at is not None and w.ends_at > now]
    past = [w for w in workshops if w.ends_at is not None and w.ends_at <= now]
    current.sort(key=lambda w: (public_state(w, now) != "open", w.starts_at, w.id))
    past.sort(key=lambda w: (w.starts_at, w.id), reverse=True)
    return PublicListing(current=current, past=past)


def public_state(workshop: Workshop, now: datetime | None = None) -> str:
    """Where a workshop stands for the public, in words that need no knowledge of its internal
    status: ``cancelled``, ``ended``, ``open`` (registration open now), ``not_yet`` (opens
    later) or ``closed`` (registration over, the workshop still to come)."""
    now = now or utcnow()
    if workshop.status == Status.CANCELLED:
        return "cancelled"
    ends_at = workshop.ends_at
    if ends_at is not None and ends_at <= now:
        return "ended"
    if workshop.status == Status.PUBLISHED:
        if now < workshop.registration_opens_at:
            return "not_yet"
        if now < workshop.registration_closes_at:
            return "open"
    return "closed"


def get_workshop(workshop_id: int, viewer: User | None) -> Workshop:
    """One workshop, if it exists and the viewer may see it: drafts only for the organizers
    of its office (``services.offices``)."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or (
        workshop.status == Status.DRAFT
        and not (can_see_drafts(viewer) and sees_office(viewer, workshop.office_id))
    ):
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    return workshop
