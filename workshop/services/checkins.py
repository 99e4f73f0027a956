"""Door check-in: one rule for QR scans, typed codes, name search and offline scans.

``check_in`` is idempotent: the database holds one row per (registration, session), inserted with
ON CONFLICT DO NOTHING, so two doors scanning the same ticket at once get one check-in and one
"already checked in", never an error or a second row. A scan queued offline carries the time it
was made; when it reaches the server after another door's scan, the earlier time is kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    CheckInMethod,
    CheckInTally,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.errors import (
    InvalidTicket,
    NotAllowed,
    NotConfirmed,
    NotFound,
    SessionNotOpen,
    ValidationFailed,
    WorkshopCancelled,
    WrongWorkshop,
)
from workshop.services.text import TextRejected, clean_text
from workshop.services.tickets import (
    is_current_secret,
    ticket_fingerprint,
    ticket_token,
    verify_ticket,
)
from workshop.services.transactions import write_transaction
from workshop.thai.names import full_name

# A door device's clock may run a little fast; later than this ahead of the server is not
# believed and the server's time is used instead.
CLOCK_SKEW = timedelta(minutes=5)


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

_CHECKED_IN = (
    select(func.coalesce(func.sum(_tallies.c.checked_in), 0))
    .where(_tallies.c.session_id == _sessions.c.id)
    .scalar_subquery()
)
# The session, its workshop's status, rules and counters, and the ticket holder, in one round
# trip: the holder's columns are NULL when no registration has that id.
_SCAN_CONTEXT = (
    select(
        _sessions.c.workshop_id,
        _workshops.c.status.label("workshop_status"),
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _workshops.c.checkin_opens_minutes,
        _workshops.c.checkin_closes_minutes,
        _workshops.c.confirmed_count,
        _CHECKED_IN.label("checked_in"),
        _registrations.c.workshop_id.label("holder_workshop_id"),
        _registrations.c.status,
        _registrations.c.ticket_secret,
        _users.c.title_prefix,
        _users.c.first_name,
        _users.c.last_name,
        _users.c.position,
        _users.c.agency,
    )
    .select_from(_sessions)
    .join(_workshops, _workshops.c.id == _sessions.c.workshop_id)
    .outerjoin(_registrations, _registrations.c.id == bindparam("registration_id"))
    .outerjoin(_users, _users.c.id == _registrations.c.user_id)
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
_COUNTED = (
    select(_CHECKED_IN).select_from(_sessions).where(_sessions.c.id == bindparam("session_id"))
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


def check_in(
    *,
    session_id: int,
    staff: User,
    ticket: str | None = None,
    registration_id: int | None = None,
    scanned_at: datetime | None = None,
    method: str = CheckInMethod.QR.value,
    override_reason: str = "",
) -> CheckInResult:
    """Check the ticket's (or the registration's) holder into a session.

    Raises ``WorkshopCancelled``, ``InvalidTicket`` (forged, rotated, garbled),
    ``WrongWorkshop``, ``NotConfirmed`` (waitlisted or cancelled) or ``SessionNotOpen`` (outside
    the check-in window, unless an organizer gives an override reason). A second check-in
    changes nothing and reports the first.
    """
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
    staff_id = staff.id  # read before begin_write, which may expire loaded objects
    secret = None
    if ticket is not None:
        registration_id, secret = verify_ticket(ticket)  # forgeries never reach the database
    elif registration_id is None:
        raise ValidationFailed({"ticket": str(_l("ต้องระบุบัตรหรือผู้ลงทะเบียน"))})

    with write_transaction():
        connection = db.session.connection()
        scan = connection.execute(
            _SCAN_CONTEXT, {"session_id": session_id, "registration_id": registration_id}
        ).one_or_none()
        if scan is None:
            raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
        if scan.workshop_status == WorkshopStatus.CANCELLED:
            # Whoever holds the ticket: nobody checks in to a cancelled workshop, not even
            # with an organizer's override.
            raise _door_closed()
        if secret is not None:
            if scan.ticket_secret is None or not is_current_secret(scan.ticket_secret, secret):
                raise InvalidTicket()
        elif scan.holder_workshop_id is None:
            raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
        if scan.holder_workshop_id != scan.workshop_id:
            raise WrongWorkshop()
        if scan.status != RegistrationStatus.CONFIRMED:
            raise NotConfirmed()

        now = utcnow()
        when = scanned_at if scanned_at is not None and scanned_at <= now + CLOCK_SKEW else now
        opens = scan.starts_at - timedelta(minutes=scan.checkin_opens_minutes)
        closes = scan.ends_at + timedelta(minutes=scan.checkin_closes_minutes)
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
        keys = {"registration_id": registration_id, "session_id": session_id}
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
        if new_id is not None:
            result, checkin_id, first_scan, first_method = "checked_in", new_id, when, method
            checked_in = scan.checked_in + 1  # as of this scan; other doors may add meanwhile
            if override_reason:
                record_event(
                    staff,
                    "checkin.override",
                    db.session.get(CheckIn, new_id),
                    {"reason": override_reason},
                )
            _count(connection, session_id, +1)  # last, so its row lock is held the shortest
        else:
            result, checked_in = "already_checked_in", scan.checked_in
            checkin_id, first_scan, first_method = connection.execute(_FIRST_SCAN, keys).one()
            if when < first_scan:
                # Offline scans sync late: the earliest scan of the person is the one that
                # counts (conditional, in case another door's late scan is earlier still).
                connection.execute(_EARLIER_SCAN, {"checkin_id": checkin_id, "when": when})
                first_scan = when
        outcome = CheckInResult(
            result=result,
            checkin_id=checkin_id,
            session_id=session_id,
            scanned_at=first_scan,
            method=first_method,
            registration_id=registration_id,
            name=full_name(scan.title_prefix, scan.first_name, scan.last_name),
            position=scan.position,
            agency=scan.agency,
            status=scan.status,
            checked_in=checked_in,
            confirmed=scan.confirmed_count,
        )
    return outcome


_METHODS = frozenset(m.value for m in CheckInMethod)


def _door_closed() -> WorkshopCancelled:
    return WorkshopCancelled(str(_l("การอบรมนี้ถูกยกเลิกแล้ว เช็กอินไม่ได้")))


def _clock(moment: datetime) -> str:
    from workshop.thai.dates import format_datetime

    return format_datetime(moment)


def undo_check_in(checkin_id: int, staff: User, reason: str = "") -> CheckIn:
    """Remove a check-in made by mistake; the audit trail keeps who, when and why."""
    if not staff.has_role(Role.STAFF, Role.ORGANIZER):
        raise NotAllowed(str(_l("เช็กอินได้เฉพาะเจ้าหน้าที่หน้างานและผู้จัด")))
    try:
        reason = clean_text(reason, max_length=CheckIn.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"reason": str(exc)}) from exc
    with write_transaction():
        checkin = db.session.get(CheckIn, checkin_id)
        if checkin is None:
            raise NotFound(str(_l("ไม่พบการเช็กอินนี้")))
        record_event(
            staff,
            "checkin.undo",
            checkin,
            {
                "registration_id": checkin.registration_id,
                "session_id": checkin.session_id,
                "scanned_at": checkin.scanned_at.isoformat(),
                "reason": reason,
            },
        )
        db.session.execute(delete(CheckIn).where(CheckIn.id == checkin_id))
        _count(db.session.connection(), checkin.session_id, -1)
    return checkin


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
    checked_in = db.session.connection().execute(_COUNTED, {"session_id": session.id}).scalar()
    return int(checked_in or 0), session.workshop.confirmed_count


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
