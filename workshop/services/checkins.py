"""Door check-in: one rule for QR scans, typed codes, name search and offline scans.

``check_in`` is idempotent: the database holds one row per (registration, session), inserted with
ON CONFLICT DO NOTHING, so two doors scanning the same ticket at once get one check-in and one
"already checked in", never an error or a second row.

A scan queued offline carries the time it was made (``scanned_at``). That time is believed only
while the door syncs within ``CHECKIN_SYNC_HOURS`` of the session's check-in window closing, and
never when it is more than ``CLOCK_SKEW`` ahead of the server; later, only an organizer's
audited override checks the person in. Such a scan is judged by the registration's status and
the ticket's secret at its scan time (from their history), so a cancellation or a reissued
ticket after the scan does not lose it; when it reaches the server after another door's scan,
the earlier time is kept. What is refused at sync is kept as a ``RefusedScan`` for the
organizer.

"Checked in" at the door, in the roster and in the report is one number: the check-ins of the
session's registrations that are confirmed now (``checked_in_counts``), kept in striped tally
rows that change with each check-in, each undo and each registration that gains or loses its
seat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    CheckIn,
    CheckInMethod,
    CheckInTally,
    RefusedScan,
    Registration,
    RegistrationStatus,
    RegistrationStatusChange,
    RetiredTicketSecret,
    Role,
    User,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.attendance import CHECKED_IN, checked_in_counts
from workshop.services.audit import record_event
from workshop.services.errors import (
    AlreadyUndone,
    DomainError,
    InvalidTicket,
    NotAllowed,
    NotConfirmed,
    NotFound,
    SessionNotOpen,
    SyncTooLate,
    ValidationFailed,
    WorkshopCancelled,
    WrongWorkshop,
)
from workshop.services.offices import office_condition
from workshop.services.text import TextRejected, clean_text
from workshop.services.tickets import (
    is_current_secret,
    ticket_fingerprint,
    ticket_token,
    verify_ticket,
)
from workshop.services.transactions import write_transaction
from workshop.thai.names import full_name

# A door device's clock may run a little fast: a scan time up to this far ahead of the server's
# clock counts as the server's time; further ahead it is refused.
CLOCK_SKEW = timedelta(minutes=2)


def sync_grace() -> timedelta:
    """How long after a session's check-in window closes a door may still sync offline scans
    with their own scan times (``WORKSHOP_CHECKIN_SYNC_HOURS``)."""
    return timedelta(hours=current_app.config["CHECKIN_SYNC_HOURS"])


@dataclass(frozen=True)
class CheckInResult:
    """What the door shows, gathered inside the transaction (no queries after it)."""

    result: str  # "checked_in" or "already_checked_in"
    checkin_id: int
    session_id: int
    scanned_at: datetime
    method: str
    registration_id: int
    name: str
    position: str
    agency: str
    status: str
    checked_in: int  # people checked in to the session, this one included
    confirmed: int

    @property
    def created(self) -> bool:
        return self.result == "checked_in"


def checkin_window(session: WorkshopSession) -> tuple[datetime, datetime]:
    workshop = session.workshop
    return (
        session.starts_at - timedelta(minutes=workshop.checkin_opens_minutes),
        session.ends_at + timedelta(minutes=workshop.checkin_closes_minutes),
    )


def current_session(workshop: Workshop, now: datetime | None = None) -> WorkshopSession | None:
    """The session whose check-in window is open now, else the next one, else the last."""
    now = now or utcnow()
    sessions = list(workshop.sessions)
    for session in sessions:
        opens, closes = checkin_window(session)
        if opens <= now <= closes:
            return session
    upcoming = [s for s in sessions if s.starts_at > now]
    if upcoming:
        return upcoming[0]
    return sessions[-1] if sessions else None


def _session(session_id: int) -> WorkshopSession:
    session = db.session.get(WorkshopSession, session_id)
    if session is None:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
    return session


# The scan path runs for every person at every door, so its statements are built once, on the
# tables rather than the ORM classes: no per-scan statement construction and no ORM loading, only
# cached compiled SQL (a scan costs about as much as the database round trips it needs).
_sessions = WorkshopSession.__table__
_workshops = Workshop.__table__
_registrations = Registration.__table__
_users = User.__table__
_checkins = CheckIn.__table__
_tallies = CheckInTally.__table__

# The session, its workshop's status, rules and counters, and the ticket holder, in one round
# trip. The holder's row is share-locked (PostgreSQL) until commit, so a change of its status
# (which updates the row) waits for this scan, or this scan for it: the counters see both.
# No row: no such session, or no such registration (``_SESSION_STATUS`` tells which).
_SCAN_CONTEXT = (
    select(
        _sessions.c.workshop_id,
        _workshops.c.status.label("workshop_status"),
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _workshops.c.checkin_opens_minutes,
        _workshops.c.checkin_closes_minutes,
        _workshops.c.confirmed_count,
        CHECKED_IN.label("checked_in"),
        _registrations.c.workshop_id.label("holder_workshop_id"),
        _registrations.c.status,
        _registrations.c.ticket_secret,
        _users.c.title_prefix,
        _users.c.first_name,
        _users.c.last_name,
        _users.c.position,
        _users.c.agency,
        # The door's office may see the workshop's (services.offices), read in the same row.
        office_condition(_workshops.c.office_id, bindparam("staff_office_id")).label("in_scope"),
    )
    .select_from(_sessions)
    .join(_workshops, _workshops.c.id == _sessions.c.workshop_id)
    .join(_registrations, _registrations.c.id == bindparam("registration_id"))
    .join(_users, _users.c.id == _registrations.c.user_id)
    .where(_sessions.c.id == bindparam("session_id"))
    .with_for_update(read=True, of=_registrations)
)
_SESSION_STATUS = (
    select(
        _workshops.c.status,
        office_condition(_workshops.c.office_id, bindparam("staff_office_id")).label("in_scope"),
    )
    .select_from(_sessions)
    .join(_workshops, _workshops.c.id == _sessions.c.workshop_id)
    .where(_sessions.c.id == bindparam("session_id"))
)
_FIRST_SCAN = select(_checkins.c.id, _checkins.c.scanned_at, _checkins.c.method).where(
    _checkins.c.registration_id == bindparam("registration_id"),
    _checkins.c.session_id == bindparam("session_id"),
)
_EARLIER_SCAN = (
    update(_checkins)
    .where(_checkins.c.id == bindparam("checkin_id"), _checkins.c.scanned_at > bindparam("when"))
    .values(scanned_at=bindparam("when"))
)
_changes = RegistrationStatusChange.__table__
_STATUS_AT = (
    select(_changes.c.status)
    .where(
        _changes.c.registration_id == bindparam("registration_id"),
        _changes.c.changed_at <= bindparam("when"),
    )
    .order_by(_changes.c.changed_at.desc(), _changes.c.id.desc())
    .limit(1)
)
_retired = RetiredTicketSecret.__table__
_RETIRED_LATER = select(
    exists().where(
        _retired.c.registration_id == bindparam("registration_id"),
        _retired.c.secret == bindparam("secret"),
        _retired.c.retired_at > bindparam("when"),
    )
)
_HOLDER_STATUS = (
    select(_registrations.c.status)
    .where(_registrations.c.id == bindparam("registration_id"))
    .with_for_update(read=True)
)


def _scan_statements(dialect: str) -> tuple[Any, Any]:
    """(insert the check-in unless it exists, add to a tally slot) for a dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    add_checkin = (
        insert(_checkins)
        .on_conflict_do_nothing(index_elements=["registration_id", "session_id"])
        .returning(_checkins.c.id)
    )
    tally = insert(_tallies)
    add_to_tally = tally.on_conflict_do_update(
        index_elements=["session_id", "slot"],
        set_={"checked_in": _tallies.c.checked_in + tally.excluded.checked_in},
    )
    return add_checkin, add_to_tally


_SCAN_STATEMENTS = {name: _scan_statements(name) for name in ("postgresql", "sqlite")}


def _count(connection: Connection, session_id: int, change: int) -> None:
    """Add ``change`` (+1 or -1) to a random slot of the session's live counter."""
    connection.execute(
        _SCAN_STATEMENTS[connection.dialect.name][1],
        {
            "session_id": session_id,
            "slot": random.randrange(CheckInTally.SLOTS),
            "checked_in": change,
        },
    )


def count_seat_change(registration_id: int, change: int) -> None:
    """The registration just gained (+1) or lost (-1) its seat: its check-ins start or stop
    counting. The caller has written the new status in the current transaction."""
    connection = db.session.connection()
    sessions = connection.execute(
        select(_checkins.c.session_id).where(_checkins.c.registration_id == registration_id)
    ).scalars()
    for session_id in sessions.all():
        _count(connection, session_id, change)


@dataclass(frozen=True)
class ScanTime:
    when: datetime  # the time the scan counts at
    from_device: bool  # the door's own time: judge the ticket by the state at ``when``
    synced: bool  # an offline scan synced in time: it may move an earlier check-in back


def scan_time(
    scanned_at: datetime | None, now: datetime, closes: datetime, override: bool
) -> ScanTime:
    """Which time a scan counts at. The device's ``scanned_at`` only while the door syncs
    within the grace after the window closes (later only with an organizer's override), and
    never ahead of the server's clock. Check-out (``services.checkouts``) times its scans the
    same way."""
    if scanned_at is None:
        return ScanTime(now, from_device=False, synced=False)
    if scanned_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            {
                "scanned_at": str(
                    _l(
                        "เวลาสแกนเกินเวลาของเซิร์ฟเวอร์ไปมากกว่า %(minutes)d นาที "
                        "กรุณาตั้งนาฬิกาของเครื่องให้ตรง",
                        minutes=CLOCK_SKEW.seconds // 60,
                    )
                )
            }
        )
    when = min(scanned_at, now)
    if now <= closes + sync_grace():
        return ScanTime(when, from_device=True, synced=True)
    if override:
        return ScanTime(when, from_device=True, synced=False)
    raise SyncTooLate(
        str(
            _l(
                "ส่งผลสแกนออฟไลน์ช้าเกิน %(hours)s ชั่วโมงหลังปิดเช็กอินแล้ว ให้ผู้จัดบันทึกการเข้าร่วมแทน (ระบุเหตุผล)",
                hours=current_app.config["CHECKIN_SYNC_HOURS"],
            )
        )
    )


def check_in(
    *,
    session_id: int,
    staff: User,
    ticket: str | None = None,
    registration_id: int | None = None,
    scanned_at: datetime | None = None,
    method: str = CheckInMethod.QR.value,
    override_reason: str = "",
    keep_refusal: bool = True,
) -> CheckInResult:
    """Check the ticket's (or the registration's) holder into a session.

    One rule for the four ways a person reaches the door: a QR scan (camera or USB/Bluetooth
    scanner) and a typed code both bring the signed ``ticket``; a name search brings the
    ``registration_id``; a scan queued offline brings either, with the moment it was made in
    ``scanned_at``. Each comes down to the same holder (``_holder``), then the same checks
    (``_admit``), then the same single row (``_record``).

    Raises ``WorkshopCancelled``, ``InvalidTicket`` (forged, rotated, garbled),
    ``WrongWorkshop``, ``NotConfirmed`` (waitlisted or cancelled), ``SessionNotOpen`` (outside
    the check-in window) or ``SyncTooLate`` (an offline scan synced too long after the window
    closed), the last two unless an organizer gives an override reason. A second check-in
    changes nothing and reports the first. A scan with ``scanned_at`` that is refused is kept
    for the organizer (unless ``keep_refusal`` is false).
    """
    override_reason = _door_request(staff, method, override_reason)
    staff_id = staff.id  # read before begin_write, which may expire loaded objects
    office_id = staff.office_id
    try:
        registration_id, secret = _holder(ticket, registration_id)
        return _check_in(
            session_id=session_id,
            staff=staff,
            staff_id=staff_id,
            office_id=office_id,
            registration_id=registration_id,
            secret=secret,
            scanned_at=scanned_at,
            method=method,
            override_reason=override_reason,
        )
    except DomainError as refusal:
        if keep_refusal:
            keep_for_organizer(
                refusal,
                session_id=session_id,
                registration_id=registration_id,
                staff_id=staff_id,
                method=method,
                scanned_at=scanned_at,
            )
        raise


def _door_request(staff: User, method: str, override_reason: str) -> str:
    """Who may check people in, and how; the override reason as stored."""
    if not staff.has_role(Role.STAFF, Role.ORGANIZER):
        raise NotAllowed(str(_l("เช็กอินได้เฉพาะเจ้าหน้าที่หน้างานและผู้จัด")))
    if method not in _METHODS:
        raise ValidationFailed({"method": str(_l("วิธีเช็กอินไม่ถูกต้อง"))})
    if override_reason:
        try:
            override_reason = clean_text(override_reason, max_length=CheckIn.REASON_MAX)
        except TextRejected as exc:
            raise ValidationFailed({"override_reason": str(exc)}) from exc
        if override_reason and not staff.has_role(Role.ORGANIZER):
            raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่เช็กอินนอกเวลาได้")))
    return override_reason


def _holder(ticket: str | None, registration_id: int | None) -> tuple[int, bytes | None]:
    """The registration the person at the door holds, and the ticket secret to match when they
    came with a ticket (its signature is checked here: forgeries never reach the database)."""
    if ticket is not None:
        return verify_ticket(ticket)
    if registration_id is None:
        raise ValidationFailed({"ticket": str(_l("ต้องระบุบัตรหรือผู้ลงทะเบียน"))})
    return registration_id, None


def _check_in(
    *,
    session_id: int,
    staff: User,
    staff_id: int,
    office_id: int | None,
    registration_id: int,
    secret: bytes | None,
    scanned_at: datetime | None,
    method: str,
    override_reason: str,
) -> CheckInResult:
    """The holder's check-in, in one transaction: the scan's context, the checks, the row."""
    with write_transaction():
        connection = db.session.connection()
        keys = {"registration_id": registration_id, "session_id": session_id}
        scan = _scan_context(connection, keys, secret, office_id)
        now = utcnow()
        closes = scan.ends_at + timedelta(minutes=scan.checkin_closes_minutes)
        timing = scan_time(scanned_at, now, closes, bool(override_reason))
        _admit(connection, keys, scan, secret, timing, override_reason)
        outcome = _record(
            connection,
            keys,
            scan,
            timing,
            now=now,
            staff=staff,
            staff_id=staff_id,
            method=method,
            override_reason=override_reason,
        )
    return outcome


def _scan_context(
    connection: Connection, keys: dict[str, int], secret: bytes | None, office_id: int | None
) -> Any:
    """The session, its workshop and the holder in one row; refused when there is no such
    session (or it is another office's: the door sees only its office's, ``services.offices``)
    or registration, or the workshop was cancelled."""
    params = {**keys, "staff_office_id": office_id}
    scan = connection.execute(_SCAN_CONTEXT, params).one_or_none()
    if scan is not None and not scan.in_scope:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
    if scan is None:
        row = connection.execute(_SESSION_STATUS, params).one_or_none()
        if row is None or not row.in_scope:
            raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
        workshop_status = row.status
        if workshop_status == WorkshopStatus.CANCELLED:
            raise _door_closed()
        if secret is not None:
            raise InvalidTicket()
        raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
    if scan.workshop_status == WorkshopStatus.CANCELLED:
        # Whoever holds the ticket: nobody checks in to a cancelled workshop, not even
        # with an organizer's override.
        raise _door_closed()
    return scan


def _admit(
    connection: Connection,
    keys: dict[str, int],
    scan: Any,
    secret: bytes | None,
    timing: ScanTime,
    override_reason: str,
) -> None:
    """Refuse anyone who may not enter this session at the scan's time: a ticket no longer
    theirs, another workshop's ticket, outside the check-in window, no seat at that moment."""
    opens = scan.starts_at - timedelta(minutes=scan.checkin_opens_minutes)
    closes = scan.ends_at + timedelta(minutes=scan.checkin_closes_minutes)
    when = timing.when
    if secret is not None and not ticket_valid_at_scan(
        connection, keys["registration_id"], scan.ticket_secret, secret, timing
    ):
        raise InvalidTicket()
    if scan.holder_workshop_id != scan.workshop_id:
        raise WrongWorkshop()
    if not opens <= when <= closes and not override_reason:
        raise SessionNotOpen(
            str(
                _l(
                    "ช่วงนี้เช็กอินได้ระหว่าง %(opens)s ถึง %(closes)s",
                    opens=_clock(opens),
                    closes=_clock(closes),
                )
            )
        )
    refuse_unless_seated_at_scan(connection, keys["registration_id"], scan.status, timing)


def _record(
    connection: Connection,
    keys: dict[str, int],
    scan: Any,
    timing: ScanTime,
    *,
    now: datetime,
    staff: User,
    staff_id: int,
    method: str,
    override_reason: str,
) -> CheckInResult:
    """Write the one check-in row, or report the first one (keeping the earliest scan time)."""
    when = timing.when
    counted = scan.status == RegistrationStatus.CONFIRMED  # seated now: on the counter
    new_id = connection.execute(
        _SCAN_STATEMENTS[connection.dialect.name][0],
        {
            **keys,
            "scanned_at": when,
            "recorded_at": now,
            "staff_id": staff_id,
            "method": method,
            "override_reason": override_reason,
        },
    ).scalar_one_or_none()
    checked_in = scan.checked_in  # as of this scan; other doors may add meanwhile
    if new_id is not None:
        result, checkin_id, first_scan, first_method = "checked_in", new_id, when, method
        if override_reason:
            record_event(
                staff,
                "checkin.override",
                db.session.get(CheckIn, new_id),
                {"reason": override_reason},
            )
        if counted:
            checked_in += 1
            _count(connection, keys["session_id"], +1)  # last: its row lock is held the shortest
    else:
        result = "already_checked_in"
        checkin_id, first_scan, first_method = connection.execute(_FIRST_SCAN, keys).one()
        if timing.synced and when < first_scan:
            # Offline scans sync late: the earliest scan of the person is the one that
            # counts (conditional, in case another door's late scan is earlier still).
            connection.execute(_EARLIER_SCAN, {"checkin_id": checkin_id, "when": when})
            first_scan = when
    return CheckInResult(
        result=result,
        checkin_id=checkin_id,
        session_id=keys["session_id"],
        scanned_at=first_scan,
        method=first_method,
        registration_id=keys["registration_id"],
        name=full_name(scan.title_prefix, scan.first_name, scan.last_name),
        position=scan.position,
        agency=scan.agency,
        status=scan.status,
        checked_in=checked_in,
        confirmed=scan.confirmed_count,
    )


_METHODS = frozenset(m.value for m in CheckInMethod)


def ticket_valid_at_scan(
    connection: Connection,
    registration_id: int,
    current_secret: str,
    secret: bytes,
    timing: ScanTime,
) -> bool:
    """The ticket's secret is the registration's own, or was until after the scan (a ticket
    reissued after an offline door scanned it still counts for that scan). Check-in and
    check-out judge a ticket by this one rule."""
    if is_current_secret(current_secret, secret):
        return True
    return timing.from_device and bool(
        connection.execute(
            _RETIRED_LATER,
            {"registration_id": registration_id, "secret": secret.hex(), "when": timing.when},
        ).scalar()
    )


def refuse_unless_seated_at_scan(
    connection: Connection, registration_id: int, current_status: str, timing: ScanTime
) -> None:
    """``NotConfirmed`` unless the registration held a seat when the door scanned: the status
    now for a scan timed by the server, the status at its scan time (from the history) for one
    timed by the device, so a cancellation or a move to the waitlist after an offline scan
    does not undo what the door saw (as an online door would have recorded it)."""
    status = current_status
    if timing.from_device:
        status = connection.execute(
            _STATUS_AT, {"registration_id": registration_id, "when": timing.when}
        ).scalar()
    if status != RegistrationStatus.CONFIRMED:
        raise NotConfirmed(status)


def keep_for_organizer(
    refusal: DomainError,
    *,
    session_id: int,
    registration_id: int | None,
    staff_id: int,
    method: str,
    scanned_at: datetime | None,
    checkout: bool = False,
) -> None:
    """Keep a synced scan's refusal (a scan in, or out with ``checkout``) for the organizer
    when it is one they should see, and mark ``refusal`` so the door is told so."""
    if scanned_at is not None and _organizer_should_see(refusal):
        refusal.kept_for_organizer = _keep_refused_scan(
            session_id=session_id,
            registration_id=registration_id,
            staff_id=staff_id,
            method=method,
            scanned_at=scanned_at,
            code=refusal.code,
            checkout=checkout,
        )


def _organizer_should_see(refusal: DomainError) -> bool:
    """Refusals of a synced scan (in or out) that the organizer should see: about the ticket,
    the person or the time; not a malformed request or a caller without the right."""
    if isinstance(refusal, ValidationFailed):
        return "scanned_at" in refusal.fields
    return not isinstance(refusal, NotAllowed | NotFound)


def _keep_refused_scan(
    *,
    session_id: int,
    registration_id: int | None,
    staff_id: int,
    method: str,
    scanned_at: datetime,
    code: str,
    checkout: bool = False,
) -> bool:
    """Record a synced scan the server refused, once (a door that lost the answer resends);
    ``checkout`` for an exit's scan (``services.checkouts``). False when there is no session
    to keep it under."""
    with write_transaction():
        if db.session.get(WorkshopSession, session_id) is None:
            return False
        if registration_id is not None and db.session.get(Registration, registration_id) is None:
            registration_id = None
        seen = db.session.scalar(
            select(
                exists().where(
                    RefusedScan.session_id == session_id,
                    RefusedScan.registration_id.is_(None)
                    if registration_id is None
                    else RefusedScan.registration_id == registration_id,
                    RefusedScan.scanned_at == scanned_at,
                    RefusedScan.code == code,
                    RefusedScan.checkout == checkout,
                )
            )
        )
        if not seen:
            db.session.add(
                RefusedScan(
                    session_id=session_id,
                    registration_id=registration_id,
                    staff_id=staff_id,
                    method=method,
                    scanned_at=scanned_at,
                    received_at=utcnow(),
                    code=code,
                    checkout=checkout,
                )
            )
    return True


def _door_closed() -> WorkshopCancelled:
    return WorkshopCancelled(str(_l("การอบรมนี้ถูกยกเลิกแล้ว เช็กอินไม่ได้")))


def _clock(moment: datetime) -> str:
    from workshop.thai.dates import format_datetime

    return format_datetime(moment)


@dataclass(frozen=True)
class Undone:
    checkin_id: int
    session_id: int


def undo_check_in(checkin_id: int, staff: User, reason: str = "") -> Undone:
    """Remove a check-in made by mistake; the audit trail keeps who, when and why.

    Only the request that actually deleted the row takes it off the counter and writes the
    audit event; any other (a door pressing undo twice, two doors at once) gets
    ``AlreadyUndone``.
    """
    if not staff.has_role(Role.STAFF, Role.ORGANIZER):
        raise NotAllowed(str(_l("เช็กอินได้เฉพาะเจ้าหน้าที่หน้างานและผู้จัด")))
    try:
        reason = clean_text(reason, max_length=CheckIn.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    with write_transaction():
        checkin = db.session.get(CheckIn, checkin_id)
        if checkin is None:
            raise _gone(checkin_id)
        details = {
            "registration_id": checkin.registration_id,
            "session_id": checkin.session_id,
            "scanned_at": checkin.scanned_at.isoformat(),
            "reason": reason,
        }
        undone = Undone(checkin_id=checkin.id, session_id=checkin.session_id)
        connection = db.session.connection()
        deleted = connection.execute(delete(_checkins).where(_checkins.c.id == checkin_id))
        if deleted.rowcount != 1:
            raise AlreadyUndone()  # another undo deleted it after we read it
        status = connection.execute(
            _HOLDER_STATUS, {"registration_id": checkin.registration_id}
        ).scalar()
        if status == RegistrationStatus.CONFIRMED:
            _count(connection, checkin.session_id, -1)
        record_event(staff, "checkin.undo", checkin, details)
        db.session.expunge(checkin)
    return undone


def _gone(checkin_id: int) -> DomainError:
    """``AlreadyUndone`` for a check-in that existed and was undone, else ``NotFound``."""
    undone = db.session.scalar(
        select(
            exists().where(
                AuditEvent.entity_type == CheckIn.__tablename__,
                AuditEvent.entity_id == checkin_id,
                AuditEvent.action == "checkin.undo",
            )
        )
    )
    if undone:
        return AlreadyUndone()
    return NotFound(str(_l("ไม่พบการเช็กอินนี้")))


@dataclass
class RosterEntry:
    registration_id: int
    fingerprint: str
    name: str
    position: str
    agency: str
    status: str
    checked_in_at: datetime | None


def session_roster(session_id: int) -> tuple[WorkshopSession, list[RosterEntry]]:
    """Everyone registered for the session's workshop, with ticket fingerprints (never tokens),
    so a door device can check tickets while offline. ``WorkshopCancelled`` once the workshop
    is cancelled: a device refreshing its roster learns it and stops taking scans offline."""
    session = _session(session_id)
    if session.workshop.status == WorkshopStatus.CANCELLED:
        raise _door_closed()
    checked = dict(
        db.session.execute(
            select(CheckIn.registration_id, CheckIn.scanned_at).where(
                CheckIn.session_id == session.id
            )
        ).all()
    )
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.workshop_id == session.workshop_id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .options(joinedload(Registration.user))
        .order_by(Registration.id)
    )
    entries = [
        RosterEntry(
            registration_id=r.id,
            fingerprint=ticket_fingerprint(ticket_token(r)),
            name=r.user.full_name,
            position=r.user.position,
            agency=r.user.agency,
            status=r.status,
            checked_in_at=checked.get(r.id),
        )
        for r in registrations
    ]
    return session, entries


def session_counts(session_id: int) -> tuple[int, int]:
    """(checked in, confirmed) for a session: the live counter at the door."""
    session = _session(session_id)
    return checked_in_counts([session.id]).get(session.id, 0), session.workshop.confirmed_count


def checked_in_at(session_id: int, registration_ids: list[int]) -> dict[int, datetime]:
    """When each of these registrations checked in to the session (those that did): name
    search at the door shows who is already in."""
    if not registration_ids:
        return {}
    return dict(
        db.session.execute(
            select(CheckIn.registration_id, CheckIn.scanned_at).where(
                CheckIn.session_id == session_id,
                CheckIn.registration_id.in_(registration_ids),
            )
        ).all()
    )


def search_attendees(workshop: Workshop, query: str, limit: int = 20) -> list[Registration]:
    """Registrations whose officer's name, agency or email contains ``query`` (for people who
    forgot their QR); ``WorkshopCancelled`` for a cancelled workshop."""
    if workshop.status == WorkshopStatus.CANCELLED:
        raise _door_closed()
    workshop_id = workshop.id
    text = " ".join((query or "").split())[:100]
    if len(text) < 2 or "\x00" in text:
        return []  # nothing stored holds NUL (and PostgreSQL refuses it in a query)
    # Typed % and _ are themselves, not wildcards.
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    # As full_name() writes it: against a Thai prefix, after a space for a Latin one (Mr.).
    full = func.lower(User.title_prefix + User.first_name + " " + User.last_name)
    spaced = func.lower(User.title_prefix + " " + User.first_name + " " + User.last_name)
    return list(
        db.session.scalars(
            select(Registration)
            .join(User, Registration.user_id == User.id)
            .where(
                Registration.workshop_id == workshop_id,
                Registration.status != RegistrationStatus.CANCELLED,
                full.like(pattern, escape="\\")
                | spaced.like(pattern, escape="\\")
                | func.lower(User.first_name + " " + User.last_name).like(pattern, escape="\\")
                | func.lower(User.agency).like(pattern, escape="\\")
                | func.lower(User.email).like(pattern, escape="\\"),
            )
            .options(joinedload(Registration.user))
            .order_by(User.first_name)
            .limit(limit)
        )
    )


# ------------------------------------------------------------------ scans refused at sync

# Why a synced scan was refused, for the organizer (by the API error code kept with it).
REFUSAL_LABELS: dict[str, Any] = {
    "invalid_ticket": _l("บัตรไม่ถูกต้อง หรือเป็นบัตรเดิมที่ออกใหม่ไปแล้วก่อนเวลาสแกน"),
    "not_confirmed": _l("ขณะสแกน ผู้ถือบัตรยังไม่ได้ที่นั่ง (รายชื่อสำรองหรือยกเลิกแล้ว)"),
    "wrong_workshop": _l("บัตรของการอบรมอื่น"),
    "session_not_open": _l("สแกนนอกช่วงเวลาเช็กอิน"),
    "sync_too_late": _l("เครื่องส่งผลสแกนช้าเกินกำหนดหลังปิดเช็กอิน"),
    "workshop_cancelled": _l("การอบรมถูกยกเลิกแล้ว"),
    "validation_failed": _l("นาฬิกาของเครื่องสแกนเดินเร็วเกินไป"),
    "not_checked_in": _l("ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้"),
}
# Refusals an organizer may overrule by checking the person in with a reason. Not the
# others: the person had no seat at the time, the ticket is another workshop's, or the
# workshop was cancelled; nor an exit's scan (there is nothing to check in).
_OVERRULABLE = frozenset(
    ("invalid_ticket", "session_not_open", "sync_too_late", "validation_failed")
)


def refusal_label(code: str) -> str:
    label = REFUSAL_LABELS.get(code)
    return str(label) if label is not None else code


def can_overrule(refused: RefusedScan) -> bool:
    return (
        refused.resolved_at is None
        and not refused.checkout
        and refused.registration_id is not None
        and refused.code in _OVERRULABLE
    )


def refused_scans(workshop_id: int) -> list[RefusedScan]:
    """The workshop's scans refused at sync, open ones first, newest scan first."""
    return list(
        db.session.scalars(
            select(RefusedScan)
            .join(WorkshopSession, WorkshopSession.id == RefusedScan.session_id)
            .where(WorkshopSession.workshop_id == workshop_id)
            .options(
                joinedload(RefusedScan.registration).joinedload(Registration.user),
                joinedload(RefusedScan.session),
                joinedload(RefusedScan.staff),
                joinedload(RefusedScan.resolved_by),
            )
            .order_by(
                RefusedScan.resolved_at.is_not(None),
                RefusedScan.scanned_at.desc(),
                RefusedScan.id.desc(),
            )
        ).unique()
    )


def _open_refusal(refused_id: int, organizer: User) -> RefusedScan:
    if not organizer.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่จัดการผลสแกนที่ถูกปฏิเสธได้")))
    refused = db.session.get(RefusedScan, refused_id, populate_existing=True)
    if refused is None:
        raise NotFound(str(_l("ไม่พบผลสแกนนี้")))
    if refused.resolved_at is not None:
        raise NotAllowed(str(_l("ผลสแกนนี้จัดการไปแล้ว")))
    return refused


def overrule_refused_scan(refused_id: int, organizer: User, reason: str) -> CheckInResult:
    """Check in the person of a refused synced scan at its scan time, as the organizer's
    audited override (``checkin.override``), and mark the refusal resolved."""
    refused = _open_refusal(refused_id, organizer)
    if not can_overrule(refused):
        raise NotAllowed(str(_l("ผลสแกนนี้บันทึกเป็นการเข้าร่วมไม่ได้")))
    if not (reason or "").strip():
        raise ValidationFailed({"reason": str(_l("กรุณาระบุเหตุผล"))})
    # A device clock that ran ahead: the scan was made before it reached the server.
    outcome = check_in(
        session_id=refused.session_id,
        staff=organizer,
        registration_id=refused.registration_id,
        scanned_at=min(refused.scanned_at, refused.received_at),
        method=refused.method,
        override_reason=reason,
        keep_refusal=False,
    )
    with write_transaction():
        db.session.execute(
            update(RefusedScan)
            .where(RefusedScan.id == refused_id, RefusedScan.resolved_at.is_(None))
            .values(
                resolved_at=utcnow(), resolved_by_id=organizer.id, checkin_id=outcome.checkin_id
            )
        )
    return outcome


def dismiss_refused_scan(refused_id: int, organizer: User) -> None:
    """The organizer has seen a refused scan and leaves it refused (audited)."""
    refused = _open_refusal(refused_id, organizer)
    organizer_id = organizer.id
    with write_transaction():
        done = db.session.execute(
            update(RefusedScan)
            .where(RefusedScan.id == refused_id, RefusedScan.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by_id=organizer_id)
        )
        if done.rowcount == 1:
            record_event(
                organizer,
                "refused_scan.dismiss",
                refused,
                {
                    "registration_id": refused.registration_id,
                    "session_id": refused.session_id,
                    "scanned_at": refused.scanned_at.isoformat(),
                    "code": refused.code,
                },
            )
