"""Check-out: a second scan at the exit, for workshops that count hours from the door's times.

Only for workshops with ``checkout_enabled``. The ticket (or the registration, found by name) is
checked as at the door on the way in, and the person must have been checked in to the session.
The last check-out counts: someone who leaves at the morning break and comes back is scanned
out again at the end, and a scan earlier than one already recorded (a late offline sync)
changes nothing. Hours present then come from ``services.attendance.present_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    CheckInMethod,
    Registration,
    Role,
    User,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.attendance import SessionHours, configured_lunch_break, present_hours
from workshop.services.checkins import (
    ScanTime,
    checkin_window,
    keep_for_organizer,
    refuse_unless_seated_at_scan,
    scan_time,
    ticket_valid_at_scan,
)
from workshop.services.errors import (
    DomainError,
    InvalidTicket,
    NotAllowed,
    NotCheckedIn,
    NotFound,
    SessionNotOpen,
    ValidationFailed,
    WorkshopCancelled,
    WrongWorkshop,
)
from workshop.services.offices import require_visible
from workshop.services.tickets import verify_ticket
from workshop.services.transactions import write_transaction
from workshop.thai.dates import format_datetime


@dataclass(frozen=True)
class CheckOutResult:
    """What the exit shows, gathered inside the transaction."""

    result: str  # "checked_out", or "already_checked_out" when a later check-out is kept
    checkin_id: int
    session_id: int
    checked_in_at: datetime
    checked_out_at: datetime
    registration_id: int
    name: str
    position: str
    agency: str
    status: str
    hours: Decimal  # hours present in this session, from the two scans

    @property
    def created(self) -> bool:
        return self.result == "checked_out"


_METHODS = frozenset(m.value for m in CheckInMethod)


def check_out(
    *,
    session_id: int,
    staff: User,
    ticket: str | None = None,
    registration_id: int | None = None,
    scanned_at: datetime | None = None,
    method: str = CheckInMethod.QR.value,
) -> CheckOutResult:
    """Scan the ticket's (or the registration's) holder out of a session.

    Refusals as at check-in (``WorkshopCancelled``, ``InvalidTicket``, ``WrongWorkshop``,
    ``NotConfirmed``, ``SessionNotOpen`` outside the session's door window, ``SyncTooLate`` and
    a ``scanned_at`` ahead of the server's clock as ``services.checkins.scan_time`` says), plus
    ``NotAllowed``
    when the workshop does not scan out and ``NotCheckedIn`` without a check-in to check out of.
    """
    if not staff.has_role(Role.STAFF, Role.ORGANIZER):
        raise NotAllowed(str(_l("เช็กอินได้เฉพาะเจ้าหน้าที่หน้างานและผู้จัด")))
    if method not in _METHODS:
        raise ValidationFailed({"method": str(_l("วิธีเช็กอินไม่ถูกต้อง"))})
    staff_id = staff.id
    holder = registration_id if ticket is None else None
    try:
        secret = None
        if ticket is not None:
            holder, secret = verify_ticket(ticket)
        elif holder is None:
            raise ValidationFailed({"ticket": str(_l("ต้องระบุบัตรหรือผู้ลงทะเบียน"))})
        return _check_out(session_id, staff, staff_id, holder, secret, scanned_at)
    except DomainError as refusal:
        keep_for_organizer(
            refusal,
            session_id=session_id,
            registration_id=holder,
            staff_id=staff_id,
            method=method,
            scanned_at=scanned_at,
            checkout=True,
        )
        raise


def _check_out(
    session_id: int,
    staff: User,
    staff_id: int,
    registration_id: int,
    secret: bytes | None,
    scanned_at: datetime | None,
) -> CheckOutResult:
    """The holder's check-out, in one transaction."""
    with write_transaction():
        session = _door_open_for_check_out(session_id, staff)
        opens, closes = checkin_window(session)
        timing = scan_time(scanned_at, utcnow(), closes, override=False)
        registration = _registration_scanned(registration_id, secret, session.workshop, timing)
        when = _in_window(timing.when, opens, closes)
        checkin = db.session.scalar(
            select(CheckIn)
            .where(CheckIn.registration_id == registration.id, CheckIn.session_id == session.id)
            .with_for_update()
        )
        if checkin is None:
            raise NotCheckedIn()
        if when < checkin.scanned_at - timedelta(seconds=1):
            raise NotAllowed(str(_l("เวลาสแกนออกต้องไม่ก่อนเวลาเช็กอิน")))
        when = max(when, checkin.scanned_at)
        if checkin.checked_out_at is None or when > checkin.checked_out_at:
            checkin.checked_out_at = when
            checkin.checkout_staff_id = staff_id
            result = "checked_out"
        else:
            result = "already_checked_out"
        return _outcome(result, checkin, session, registration)


def _door_open_for_check_out(session_id: int, staff: User) -> WorkshopSession:
    """The session, if ``staff`` sees its door and its workshop scans people out."""
    session = db.session.get(WorkshopSession, session_id)
    if session is None:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
    require_visible(staff, session_id=session_id)  # another office's door: 404
    workshop = session.workshop
    if workshop.status == WorkshopStatus.CANCELLED:
        raise WorkshopCancelled(str(_l("การอบรมนี้ถูกยกเลิกแล้ว เช็กอินไม่ได้")))
    if not workshop.checkout_enabled:
        raise NotAllowed(str(_l("การอบรมนี้ไม่ได้ใช้การสแกนออก")))
    return session


def _registration_scanned(
    registration_id: int, secret: bytes | None, workshop: Workshop, timing: ScanTime
) -> Registration:
    """The registration of ``workshop`` that the ticket (its ``secret``) or the chosen row
    names, seated when scanned.

    An offline exit's scan is judged by the ticket and the seat at its scan time, by the same
    rules as a check-in (``services.checkins``).
    """
    registration = db.session.get(Registration, registration_id)
    connection = db.session.connection()
    if secret is not None:
        if registration is None or not ticket_valid_at_scan(
            connection, registration.id, registration.ticket_secret, secret, timing
        ):
            raise InvalidTicket()
    elif registration is None:
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    if registration.workshop_id != workshop.id:
        raise WrongWorkshop()
    refuse_unless_seated_at_scan(connection, registration.id, registration.status, timing)
    return registration


def _in_window(when: datetime, opens: datetime, closes: datetime) -> datetime:
    """The scan's time, refused outside the session's door window."""
    if not opens <= when <= closes:
        raise SessionNotOpen(
            str(
                _l(
                    "ช่วงนี้สแกนออกได้ระหว่าง %(opens)s ถึง %(closes)s",
                    opens=format_datetime(opens),
                    closes=format_datetime(closes),
                )
            )
        )
    return when


def _outcome(
    result: str, checkin: CheckIn, session: WorkshopSession, registration: Registration
) -> CheckOutResult:
    user = registration.user
    return CheckOutResult(
        result=result,
        checkin_id=checkin.id,
        session_id=session.id,
        checked_in_at=checkin.scanned_at,
        checked_out_at=checkin.checked_out_at,
        registration_id=registration.id,
        name=user.full_name,
        position=user.position,
        agency=user.agency,
        status=registration.status,
        hours=present_hours(
            SessionHours(session.id, session.starts_at, session.ends_at, session.hours),
            checkin.scanned_at,
            checkin.checked_out_at,
            configured_lunch_break(),
        ),
    )
