"""Door check-in: one rule for QR scans, typed codes, name search and offline scans.

``check_in`` is idempotent: the database holds one row per (registration, session), inserted with
ON CONFLICT DO NOTHING, so two doors scanning the same ticket at once get one check-in and one
"already checked in", never an error or a second row. A scan queued offline carries the time it
was made; when it reaches the server after another door's scan, the earlier time is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    CheckInMethod,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.errors import (
    NotAllowed,
    NotConfirmed,
    NotFound,
    SessionNotOpen,
    ValidationFailed,
    WrongWorkshop,
)
from workshop.services.text import TextRejected, clean_text
from workshop.services.tickets import read_ticket, ticket_fingerprint, ticket_token
from workshop.services.transactions import begin_write

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


def _insert_ignoring_duplicate(values: dict) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING; the new id, or None when the row already existed."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(CheckIn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["registration_id", "session_id"])
        .returning(CheckIn.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


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

    Raises ``InvalidTicket`` (forged, rotated, garbled), ``WrongWorkshop``, ``NotConfirmed``
    (waitlisted or cancelled) or ``SessionNotOpen`` (outside the check-in window, unless an
    organizer gives an override reason). A second check-in changes nothing and reports the first.
    """
    if not staff.has_role(Role.STAFF, Role.ORGANIZER):
        raise NotAllowed(str(_l("เช็กอินได้เฉพาะเจ้าหน้าที่หน้างานและผู้จัด")))
    if method not in {m.value for m in CheckInMethod}:
        raise ValidationFailed({"method": str(_l("วิธีเช็กอินไม่ถูกต้อง"))})
    try:
        override_reason = clean_text(override_reason, max_length=CheckIn.REASON_MAX)
    except TextRejected as exc:
        raise ValidationFailed({"override_reason": str(exc)}) from exc
    if override_reason and not staff.has_role(Role.ORGANIZER):
        raise NotAllowed(str(_l("เฉพาะผู้จัดเท่านั้นที่เช็กอินนอกเวลาได้")))

    begin_write()
    try:
        session = db.session.scalar(
            select(WorkshopSession)
            .where(WorkshopSession.id == session_id)
            .options(joinedload(WorkshopSession.workshop))
        )
        if session is None:
            raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้")))
        if ticket is not None:
            registration = read_ticket(ticket)
        elif registration_id is not None:
            registration = db.session.get(Registration, registration_id)
            if registration is None:
                raise NotFound(str(_l("ไม่พบการลงทะเบียนนี้")))
        else:
            raise ValidationFailed({"ticket": str(_l("ต้องระบุบัตรหรือผู้ลงทะเบียน"))})
        if registration.workshop_id != session.workshop_id:
            raise WrongWorkshop()
        if registration.status != RegistrationStatus.CONFIRMED:
            raise NotConfirmed()

        now = utcnow()
        when = scanned_at if scanned_at is not None and scanned_at <= now + CLOCK_SKEW else now
        opens, closes = checkin_window(session)
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
        new_id = _insert_ignoring_duplicate(
            {
                "registration_id": registration.id,
                "session_id": session.id,
                "scanned_at": when,
                "recorded_at": now,
                "staff_id": staff.id,
                "method": method,
                "override_reason": override_reason,
            }
        )
        if new_id is not None:
            checkin_id, first_scan, first_method = new_id, when, method
            if override_reason:
                record_event(
                    staff,
                    "checkin.override",
                    db.session.get(CheckIn, new_id),
                    {"reason": override_reason},
                )
            result = "checked_in"
        else:
            # Offline scans sync late: the earliest scan of the person is the one that counts.
            db.session.execute(
                update(CheckIn)
                .where(
                    CheckIn.registration_id == registration.id,
                    CheckIn.session_id == session.id,
                    CheckIn.scanned_at > when,
                )
                .values(scanned_at=when)
                .execution_options(synchronize_session=False)
            )
            checkin_id, first_scan, first_method = db.session.execute(
                select(CheckIn.id, CheckIn.scanned_at, CheckIn.method).where(
                    CheckIn.registration_id == registration.id, CheckIn.session_id == session.id
                )
            ).one()
            result = "already_checked_in"
        person = registration.user
        outcome = CheckInResult(
            result=result,
            checkin_id=checkin_id,
            session_id=session.id,
            scanned_at=first_scan,
            method=first_method,
            registration_id=registration.id,
            name=person.full_name,
            position=person.position,
            agency=person.agency,
            status=registration.status,
            checked_in=_checked_in_count(session.id),
            confirmed=session.workshop.confirmed_count,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return outcome


def _checked_in_count(session_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.session_id == session_id)
        )
        or 0
    )


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
    begin_write()
    try:
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
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
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
    so a door device can check tickets while offline."""
    session = _session(session_id)
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
    return _checked_in_count(session.id), session.workshop.confirmed_count


def search_attendees(workshop_id: int, query: str, limit: int = 20) -> list[Registration]:
    """Registrations whose officer's name, agency or email contains ``query`` (for people who
    forgot their QR)."""
    text = " ".join((query or "").split())[:100]
    if len(text) < 2:
        return []
    pattern = f"%{text.lower()}%"
    full = func.lower(User.title_prefix + User.first_name + " " + User.last_name)
    return list(
        db.session.scalars(
            select(Registration)
            .join(User, Registration.user_id == User.id)
            .where(
                Registration.workshop_id == workshop_id,
                Registration.status != RegistrationStatus.CANCELLED,
                (full.like(pattern))
                | func.lower(User.first_name + " " + User.last_name).like(pattern)
                | func.lower(User.agency).like(pattern)
                | func.lower(User.email).like(pattern),
            )
            .options(joinedload(Registration.user))
            .order_by(User.first_name)
            .limit(limit)
        )
    )
