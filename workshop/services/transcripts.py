"""An officer's training record (ประวัติการอบรม): every workshop attended, with the hours
trained, per Thai fiscal year and in total; the HR export of hours across officers.

Hours are the hours present as ``services.attendance`` counts them (check-ins, or check-in to
check-out where the workshop scans out), so a transcript, a report and a certificate never
disagree. A workshop counts as attended once the officer was checked in to one of its sessions;
cancelled workshops and registrations no longer confirmed are left out.

Who may read whose transcript is decided here only: the officer their own; an organizer those
of :func:`officers_in_scope` (people of the offices they see, and anyone who registered for
those offices' workshops), as a SQL condition for lists and :func:`may_view_transcript` for one.

A printed transcript carries a verification code (:class:`~workshop.models.Transcript`, same
form as a certificate's) that the public /verify page shows with the figures printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    Certificate,
    CheckIn,
    Registration,
    RegistrationStatus,
    Role,
    Transcript,
    User,
    Workshop,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.attendance import NO_HOURS, attendance_of_registrations
from workshop.services.certificates import new_code, normalise_code
from workshop.services.errors import NotFound
from workshop.services.offices import office_filter
from workshop.services.transactions import write_transaction
from workshop.thai.names import person_sort_key


@dataclass(frozen=True)
class TranscriptLine:
    """One workshop attended."""

    workshop_id: int
    title: str
    organizing_agency: str
    starts_at: datetime
    ends_at: datetime
    fiscal_year: int
    hours: Decimal  # hours present
    workshop_hours: Decimal  # the workshop's training hours
    certificate: str  # its number (``12/2559``), or "" without a valid one


@dataclass(frozen=True)
class FiscalYearHours:
    year: int  # BE
    lines: tuple[TranscriptLine, ...]  # in date order

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), NO_HOURS)


@dataclass(frozen=True)
class OfficerTranscript:
    officer: User
    years: tuple[FiscalYearHours, ...]  # newest first

    @property
    def lines(self) -> list[TranscriptLine]:
        return [line for year in self.years for line in year.lines]

    @property
    def workshop_count(self) -> int:
        return sum(len(year.lines) for year in self.years)

    @property
    def total_hours(self) -> Decimal:
        return sum((year.hours for year in self.years), NO_HOURS)


# ---------------------------------------------------------------- access


def officers_in_scope(viewer: User) -> ColumnElement[bool]:
    """The organizer's part of the rule as SQL over ``User``: officers of the offices the
    organizer sees, and anyone registered for a workshop of those offices (outsiders who
    came to one of their trainings)."""
    if not viewer.has_role(Role.ORGANIZER):
        return false()
    registered_here = (
        select(Registration.id)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(Registration.user_id == User.id, office_filter(Workshop.office_id, viewer))
        .exists()
    )
    return or_(office_filter(User.office_id, viewer), registered_here)


def may_view_transcript(viewer: User, officer: User) -> bool:
    """The one access rule for transcripts: one's own, or, for an organizer, an officer in
    their scope (:func:`officers_in_scope`)."""
    if viewer.id == officer.id:
        return True
    if not viewer.has_role(Role.ORGANIZER):
        return False
    return bool(
        db.session.scalar(select(User.id).where(User.id == officer.id, officers_in_scope(viewer)))
    )


def find_officers(viewer: User, text: str, limit: int = 50) -> list[User]:
    """Officers whose name, e-mail or agency contains ``text``, whose transcript ``viewer``
    may open (for the organizer's search)."""
    text = " ".join(text.split())[:100]
    if not text:
        return []
    like = f"%{text}%"
    found = db.session.scalars(
        select(User)
        .where(
            User.role == Role.OFFICER,
            User.deleted_at.is_(None),
            or_(
                User.first_name.ilike(like),
                User.last_name.ilike(like),
                User.email.ilike(like),
                User.agency.ilike(like),
            ),
            officers_in_scope(viewer),
        )
        .order_by(User.first_name, User.last_name)
        .limit(limit)
    )
    return list(found)


def officer_for_transcript(viewer: User, officer_id: int) -> User:
    """The officer whose transcript ``viewer`` asks for; NotFound when there is none or the
    viewer may not see it (so its existence does not leak)."""
    officer = db.session.get(User, officer_id)
    if officer is None or officer.role != Role.OFFICER or not may_view_transcript(viewer, officer):
        raise NotFound(str(_l("ไม่พบประวัติการอบรมของผู้นี้")))
    return officer


# ---------------------------------------------------------------- the record


def _attended_registrations(user_ids: list[int] | None, fiscal_year: int | None):
    """Confirmed registrations with at least one check-in, in workshops not cancelled (the
    check-ins that count everywhere else: reports, the door's counter)."""
    attended = select(CheckIn.id).where(CheckIn.registration_id == Registration.id).exists()
    query = (
        select(Registration)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(
            attended,
            Registration.status == RegistrationStatus.CONFIRMED,
            Workshop.status != WorkshopStatus.CANCELLED,
        )
        .options(
            joinedload(Registration.workshop).selectinload(Workshop.sessions),
        )
    )
    if user_ids is not None:
        query = query.where(Registration.user_id.in_(user_ids))
    if fiscal_year is not None:
        query = query.where(Workshop.fiscal_year == fiscal_year)
    return list(db.session.scalars(query))


def _certificate_numbers(registration_ids: list[int]) -> dict[int, str]:
    if not registration_ids:
        return {}
    rows = db.session.execute(
        select(Certificate.registration_id, Certificate.number, Certificate.fiscal_year).where(
            Certificate.registration_id.in_(registration_ids), Certificate.revoked_at.is_(None)
        )
    )
    return {holder: f"{number}/{year}" for holder, number, year in rows}


def _lines(registrations: list[Registration]) -> dict[int, TranscriptLine]:
    """Registration id -> its line (registrations without hours credited still listed)."""
    ids = [r.id for r in registrations]
    attendance = attendance_of_registrations(ids)
    numbers = _certificate_numbers(ids)
    lines = {}
    for registration in registrations:
        workshop = registration.workshop
        counted = attendance.get(registration.id)
        lines[registration.id] = TranscriptLine(
            workshop_id=workshop.id,
            title=workshop.full_title,
            organizing_agency=workshop.organizing_agency,
            starts_at=workshop.starts_at,
            ends_at=workshop.ends_at,
            fiscal_year=workshop.fiscal_year,
            hours=counted.hours_present if counted else NO_HOURS,
            workshop_hours=workshop.total_hours,
            certificate=numbers.get(registration.id, ""),
        )
    return lines


def officer_transcript(officer: User) -> OfficerTranscript:
    """Every workshop the officer attended, grouped by fiscal year (newest first)."""
    lines = _lines(_attended_registrations([officer.id], None)).values()
    by_year: dict[int, list[TranscriptLine]] = {}
    for line in lines:
        by_year.setdefault(line.fiscal_year, []).append(line)
    years = tuple(
        FiscalYearHours(year, tuple(sorted(by_year[year], key=lambda x: (x.starts_at, x.title))))
        for year in sorted(by_year, reverse=True)
    )
    return OfficerTranscript(officer, years)


# ---------------------------------------------------------------- verification


def issue_transcript(transcript: OfficerTranscript) -> Transcript:
    """The verification record for a printed transcript: the officer's latest one when its
    figures are still those printed, else a new one with a new code."""
    officer = transcript.officer
    years = [year.year for year in transcript.years]
    figures = {
        "workshop_count": transcript.workshop_count,
        "total_hours": transcript.total_hours,
        "first_fiscal_year": min(years) if years else None,
        "last_fiscal_year": max(years) if years else None,
    }
    latest = db.session.scalar(
        select(Transcript)
        .where(Transcript.user_id == officer.id)
        .order_by(Transcript.id.desc())
        .limit(1)
    )
    if latest is not None and all(getattr(latest, k) == v for k, v in figures.items()):
        return latest
    with write_transaction():
        issued = Transcript(user_id=officer.id, code=new_code(), issued_at=utcnow(), **figures)
        db.session.add(issued)
    return issued


def transcript_by_code(text: str | None) -> Transcript:
    """The transcript with this verification code; ``NotFound`` for anything else."""
    code = normalise_code(text)
    found = (
        db.session.scalar(
            select(Transcript).where(Transcript.code == code).options(joinedload(Transcript.user))
        )
        if code
        else None
    )
    if found is None:
        raise NotFound(str(_l("ไม่พบเอกสารที่ใช้รหัสนี้ กรุณาตรวจสอบรหัสอีกครั้ง")))
    return found


def transcript_holder_name(transcript: Transcript) -> str:
    """The name the public verification shows: none once the account is deleted."""
    if transcript.user.deleted:
        return str(_l("ไม่แสดงชื่อ: ข้อมูลของผู้รับถูกลบแล้ว"))
    return transcript.user.full_name


# ---------------------------------------------------------------- HR export


@dataclass(frozen=True)
class HoursRow:
    officer: User
    line: TranscriptLine


def fiscal_year_hours(year: int, viewer: User) -> list[HoursRow]:
    """Officer × workshop × hours for workshops of one fiscal year, by officer name (Thai
    order), then workshop date; only officers whose transcript ``viewer`` may open."""
    registrations = _attended_registrations(None, year)
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_({r.user_id for r in registrations}), officers_in_scope(viewer)
            )
        )
    }
    lines = _lines(registrations)
    rows = [HoursRow(users[r.user_id], lines[r.id]) for r in registrations if r.user_id in users]
    rows.sort(
        key=lambda row: (
            *person_sort_key(row.officer.first_name, row.officer.last_name),
            row.officer.id,
            row.line.starts_at,
        )
    )
    return rows
