"""Sign-in sheets (ใบลงลายมือชื่อ): one per session, for the people to sign and for the finance
officer's file.

Rows are the workshop's confirmed registrations in the reports' name order
(``thai.names.person_sort_key``), then as many blank rows as the organizer asks for
(walk-ins write their names in). The after-event variant also prints each person's check-in
time and, in the remarks, the reason of an excused absence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    ExcusedAbsence,
    Registration,
    RegistrationStatus,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.services.errors import NotFound, ValidationFailed
from workshop.services.excuses import excuse_text
from workshop.thai.names import full_name, person_sort_key

MAX_BLANK_ROWS = 200


@dataclass(frozen=True, slots=True)
class SignInRow:
    name: str
    position: str
    agency: str
    checked_in_at: datetime | None
    note: str  # an excused absence (after the event)


@dataclass(frozen=True)
class SignInSheet:
    workshop_id: int
    session_id: int
    title: str
    organizing_agency: str
    session_title: str
    session_number: int  # 1-based, of session_count
    session_count: int
    starts_at: datetime
    ends_at: datetime
    hours: Decimal
    venue_name: str
    venue_district: str
    venue_province: str
    rows: tuple[SignInRow, ...]
    blank_rows: int
    with_times: bool  # the after-event variant


def parse_blank_rows(value: str | int | None) -> int:
    """The number of blank rows asked for (``?blank=10``); empty is none."""
    if value is None or value == "":
        return 0
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_BLANK_ROWS:
        raise _bad_blank_rows()
    return int(text)


def _bad_blank_rows() -> ValidationFailed:
    message = str(_l("จำนวนแถวว่างต้องเป็นจำนวนเต็ม 0 ถึง %(n)d", n=MAX_BLANK_ROWS))
    return ValidationFailed({"blank": message}, message)


def signin_sheet(
    workshop_id: int, session_id: int, *, blank_rows: int = 0, with_times: bool = False
) -> SignInSheet:
    """The sheet of one session; ``NotFound`` unless the session belongs to the workshop."""
    workshop = db.session.get(Workshop, workshop_id)
    session = db.session.get(WorkshopSession, session_id)
    if workshop is None or session is None or session.workshop_id != workshop.id:
        raise NotFound(str(_l("ไม่พบช่วงการอบรมนี้ในการอบรมนี้")))
    if not 0 <= blank_rows <= MAX_BLANK_ROWS:
        raise _bad_blank_rows()
    # Plain columns, no ORM objects: a sheet of thousands stays cheap.
    query = (
        select(
            Registration.id,
            User.title_prefix,
            User.first_name,
            User.last_name,
            User.position,
            User.agency,
            CheckIn.scanned_at,
            ExcusedAbsence.kind,
            ExcusedAbsence.reason,
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(
            CheckIn,
            and_(CheckIn.registration_id == Registration.id, CheckIn.session_id == session.id),
        )
        .outerjoin(
            ExcusedAbsence,
            and_(
                ExcusedAbsence.registration_id == Registration.id,
                ExcusedAbsence.session_id == session.id,
            ),
        )
        .where(
            Registration.workshop_id == workshop.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    # The reports' order of people: Thai dictionary order of first name, then surname.
    people = sorted(
        db.session.execute(query).all(), key=lambda r: (*person_sort_key(r[2], r[3]), r[0])
    )
    rows = tuple(
        SignInRow(
            name=full_name(prefix, first, last),
            position=position,
            agency=agency,
            checked_in_at=scanned_at if with_times else None,
            note=excuse_text(kind, reason) if with_times and kind and scanned_at is None else "",
        )
        for _id, prefix, first, last, position, agency, scanned_at, kind, reason in people
    )
    sessions = workshop.sessions
    venue = workshop.venue
    return SignInSheet(
        workshop_id=workshop.id,
        session_id=session.id,
        title=workshop.full_title,
        organizing_agency=workshop.organizing_agency,
        session_title=session.title,
        session_number=sessions.index(session) + 1,
        session_count=len(sessions),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        hours=session.hours,
        venue_name=venue.name,
        venue_district=venue.district,
        venue_province=venue.province,
        rows=rows,
        blank_rows=blank_rows,
        with_times=with_times,
    )
