"""Summary figures: one workshop's report and the fiscal-year report across workshops.

Definitions (shown on the report pages and PDFs, so organizers read the same thing):

- *registered*: every registration record of the workshop, cancelled ones included
  (= confirmed + waitlisted + cancelled).
- *checked in to a session*: confirmed registrations with a check-in for that session.
  Check-ins of registrations that were later cancelled or moved to the waitlist do not count.
  The same figure as the door's counter and the roster (``services.attendance.checked_in_counts``).
- *session attendance rate*: checked in to the session ÷ confirmed.
- *attendance rate* (workshop): all check-ins of confirmed registrations ÷ (confirmed × number of
  sessions), i.e. the share of seat-sessions that were used.
- *fiscal-year attendance rate*: the same share counted over *held* sessions only (those that
  have started): a workshop not yet held has no rate and does not pull the year's rate down.
- *attended*: confirmed registrations checked in to at least one session.
- *excused in a session*: confirmed registrations an organizer excused from it (ลา, ไปราชการ,
  another reason) that have no check-in for it; *absent*: confirmed, neither checked in nor
  excused. The three add up to the confirmed count in every session.
- *no-show*: a confirmed registration with no check-in at all (its excused sessions are shown
  beside it).
- *hours*: the training hours credited to a registration (``services.attendance``).
- *eligible for a certificate*: a confirmed registration that meets the workshop's attendance
  rule (``services.attendance.Rule``: a share of sessions or of hours).
- *certificates issued*: the workshop's certificates issued and not revoked (organizers may
  grant one beyond the rule or revoke one, so it can differ from the eligible count).

Attendance comes from ``services.attendance.attendance_by_registration``, the one attendance rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    ExcusedAbsence,
    Office,
    Registration,
    User,
    Venue,
    Workshop,
    WorkshopStatus,
)
from workshop.models import RegistrationStatus as Status
from workshop.models.types import utcnow
from workshop.services.attendance import (
    ABSENT,
    NO_HOURS,
    Rule,
    attendance_by_registration,
    checked_in_counts,
    sessions_required,
    workshop_rule,
)
from workshop.services.certificates import issued_count
from workshop.services.errors import NotFound, ValidationFailed
from workshop.services.evaluations import FormResults, form_of, form_results
from workshop.services.offices import office_filter
from workshop.thai.dates import be_year, ce_year_of, fiscal_year
from workshop.thai.names import full_name, person_sort_key, thai_sort_key

# Workshops that count in a fiscal year: the ones that were (or are being) held.
COUNTED_STATUSES = (WorkshopStatus.PUBLISHED.value, WorkshopStatus.CLOSED.value)
# Fiscal years an organizer may ask for (BE); outside this is a typing mistake.
EARLIEST_FISCAL_YEAR = 2543
LATEST_FISCAL_YEAR = 2643


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, or None when there is nothing to divide by."""
    return part / whole if whole > 0 else None


def format_rate(value: float | None) -> str:
    """``87.5%`` (one decimal); ``–`` when there is no rate."""
    return "–" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class AttendeeRow:
    """One registration as the report and the exports list it."""

    registration_id: int
    title_prefix: str
    first_name: str
    last_name: str
    position: str
    agency: str
    district: str
    province: str
    phone: str
    status: str
    sessions_attended: int
    eligible: bool  # confirmed and meets the attendance rule
    sessions_excused: int = 0
    hours: Decimal = NO_HOURS  # training hours present

    @property
    def name(self) -> str:
        return full_name(self.title_prefix, self.first_name, self.last_name)


@dataclass(frozen=True, slots=True)
class SessionFigure:
    session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    checked_in: int  # confirmed registrations checked in to this session
    rate: float | None  # checked_in ÷ confirmed
    hours: Decimal = NO_HOURS
    excused: int = 0  # confirmed, excused from it and not checked in
    absent: int = 0  # confirmed, neither checked in nor excused


@dataclass(frozen=True, slots=True)
class GroupFigure:
    """Figures for one agency or district ('' when the officers left it blank)."""

    name: str
    confirmed: int
    attended: int  # confirmed with at least one check-in
    eligible: int
    check_ins: int
    seat_sessions: int  # confirmed × sessions

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.check_ins, self.seat_sessions)


@dataclass(frozen=True)
class WorkshopReport:
    """Everything the workshop's summary report shows, gathered in a few queries."""

    workshop_id: int
    title: str
    organizing_agency: str
    fiscal_year: int
    status: str
    venue_name: str
    venue_district: str
    venue_province: str
    starts_at: datetime | None
    ends_at: datetime | None
    presiding_official: str
    certificate_kind: str  # เกียรติบัตร or วุฒิบัตร
    attendance_threshold: int  # per cent of sessions or hours
    sessions_required: int  # the fewest sessions that meet the rule
    registered: int
    confirmed: int
    waitlisted: int
    cancelled: int
    sessions: tuple[SessionFigure, ...]
    check_ins: int  # of confirmed registrations, all sessions
    attended: int
    certificate_eligible: int
    by_agency: tuple[GroupFigure, ...]
    by_district: tuple[GroupFigure, ...]
    attendees: tuple[AttendeeRow, ...]  # confirmed, in Thai name order
    no_shows: tuple[AttendeeRow, ...]  # confirmed, never checked in
    generated_at: datetime
    certificates_issued: int
    evaluation: FormResults | None = None  # the evaluation form's results, when there is one
    rule: Rule | None = None
    excused: int = 0  # seat-sessions excused (confirmed registrations, no check-in)
    thai_numerals: bool = False  # the workshop prints Thai numerals (names excepted)

    @property
    def rule_text(self) -> str:
        return self.rule.describe() if self.rule is not None else ""

    @property
    def total_hours(self) -> Decimal:
        return self.rule.total_hours if self.rule is not None else NO_HOURS

    @property
    def hours(self) -> Decimal:
        """Training hours present, summed over the confirmed registrations."""
        return sum((r.hours for r in self.attendees), NO_HOURS)

    @property
    def session_count(self) -> int:
        return len(self.sessions)

    @property
    def seat_sessions(self) -> int:
        return self.confirmed * len(self.sessions)

    @property
    def attendance_rate(self) -> float | None:
        """Check-ins ÷ (confirmed × sessions)."""
        return rate(self.check_ins, self.seat_sessions)


def _sorted_people(rows: Iterable[AttendeeRow]) -> list[AttendeeRow]:
    """Thai dictionary order of first name, then surname (the title prefix is not sorted on)."""
    return sorted(
        rows,
        key=lambda r: (*person_sort_key(r.first_name, r.last_name), r.registration_id),
    )


_STATUS_ORDER = {Status.CONFIRMED.value: 0, Status.WAITLISTED.value: 1, Status.CANCELLED.value: 2}


def registration_rows(workshop: Workshop) -> list[AttendeeRow]:
    """Every registration of the workshop with its attendance: confirmed first, then the
    waitlist, then cancelled ones, each in Thai name order (plain column reads, no ORM objects,
    so 10,000 registrations stay cheap)."""
    rule = workshop_rule(workshop)
    attendance = attendance_by_registration(workshop, rule)
    result = db.session.execute(
        select(
            Registration.id,
            Registration.status,
            User.title_prefix,
            User.first_name,
            User.last_name,
            User.position,
            User.agency,
            User.district,
            User.province,
            User.phone,
        )
        .join(User, User.id == Registration.user_id)
        .where(Registration.workshop_id == workshop.id)
    )
    rows = []
    for reg_id, status, prefix, first, last, position, agency, district, province, phone in result:
        counted = attendance.get(reg_id, ABSENT)
        rows.append(
            AttendeeRow(
                registration_id=reg_id,
                title_prefix=prefix,
                first_name=first,
                last_name=last,
                position=position,
                agency=agency,
                district=district,
                province=province,
                phone=phone,
                status=status,
                sessions_attended=counted.present,
                eligible=status == Status.CONFIRMED and rule.met_by(counted),
                sessions_excused=counted.excused,
                hours=counted.hours_present,
            )
        )
    rows = _sorted_people(rows)
    rows.sort(key=lambda r: _STATUS_ORDER.get(r.status, 3))  # stable: name order kept inside
    return rows


def session_excused(workshop_id: int) -> dict[int, int]:
    """Session id -> confirmed registrations excused from it and not checked in to it."""
    checked_in = (
        select(CheckIn.id)
        .where(
            CheckIn.registration_id == ExcusedAbsence.registration_id,
            CheckIn.session_id == ExcusedAbsence.session_id,
        )
        .exists()
    )
    rows = db.session.execute(
        select(ExcusedAbsence.session_id, func.count(ExcusedAbsence.id))
        .join(Registration, Registration.id == ExcusedAbsence.registration_id)
        .where(
            Registration.workshop_id == workshop_id,
            Registration.status == Status.CONFIRMED,
            ~checked_in,
        )
        .group_by(ExcusedAbsence.session_id)
    )
    return dict(rows.all())


def group_figures(
    rows: Iterable[AttendeeRow], key: str, sessions_of: dict[int, int] | int
) -> tuple[GroupFigure, ...]:
    """Confirmed rows grouped by ``key`` ("agency" or "district"), largest group first.

    ``sessions_of`` is the number of sessions (one workshop) or registration id -> number of
    sessions of its workshop (rows from several workshops).
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        if row.status != Status.CONFIRMED:
            continue
        total = sessions_of if isinstance(sessions_of, int) else sessions_of[row.registration_id]
        figures = counts[getattr(row, key).strip()]
        figures[0] += 1
        figures[1] += row.sessions_attended > 0
        figures[2] += row.eligible
        figures[3] += row.sessions_attended
        figures[4] += total
    groups = [GroupFigure(name, *values) for name, values in counts.items()]
    groups.sort(key=lambda g: (-g.confirmed, g.name == "", thai_sort_key(g.name)))
    return tuple(groups)


def get_report_workshop(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    return workshop


def workshop_report(workshop_id: int) -> WorkshopReport:
    """The summary report of one workshop (any status; an organizer's view)."""
    workshop = get_report_workshop(workshop_id)
    rows = registration_rows(workshop)
    sessions = workshop.sessions
    per_session = checked_in_counts(s.id for s in sessions)
    excused = session_excused(workshop.id)
    rule = workshop_rule(workshop)
    statuses = Counter(r.status for r in rows)
    confirmed = [r for r in rows if r.status == Status.CONFIRMED]
    n_confirmed = len(confirmed)
    venue: Venue = workshop.venue
    return WorkshopReport(
        workshop_id=workshop.id,
        title=workshop.full_title,
        organizing_agency=workshop.organizing_agency,
        fiscal_year=workshop.fiscal_year,
        status=workshop.status,
        venue_name=venue.name,
        venue_district=venue.district,
        venue_province=venue.province,
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        presiding_official=workshop.presiding_official,
        certificate_kind=workshop.certificate_kind,
        attendance_threshold=workshop.attendance_threshold,
        sessions_required=sessions_required(len(sessions), workshop.attendance_threshold),
        registered=len(rows),
        confirmed=n_confirmed,
        waitlisted=statuses[Status.WAITLISTED.value],
        cancelled=statuses[Status.CANCELLED.value],
        sessions=tuple(
            SessionFigure(
                session_id=s.id,
                title=s.title,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                checked_in=per_session.get(s.id, 0),
                rate=rate(per_session.get(s.id, 0), n_confirmed),
                hours=s.hours,
                excused=excused.get(s.id, 0),
                absent=max(0, n_confirmed - per_session.get(s.id, 0) - excused.get(s.id, 0)),
            )
            for s in sessions
        ),
        check_ins=sum(r.sessions_attended for r in confirmed),
        attended=sum(1 for r in confirmed if r.sessions_attended > 0),
        certificate_eligible=sum(1 for r in confirmed if r.eligible),
        by_agency=group_figures(confirmed, "agency", len(sessions)),
        by_district=group_figures(confirmed, "district", len(sessions)),
        attendees=tuple(confirmed),
        no_shows=tuple(r for r in confirmed if r.sessions_attended == 0),
        generated_at=utcnow(),
        certificates_issued=issued_count(workshop.id),
        thai_numerals=bool(workshop.thai_numerals),
        rule=rule,
        excused=sum(excused.values()),
        evaluation=form_results(workshop.id) if form_of(workshop.id) is not None else None,
    )


# ---------------------------------------------------------------- fiscal year


@dataclass(frozen=True, slots=True)
class FiscalYearWorkshop:
    """One workshop's line in the fiscal-year report."""

    workshop_id: int
    title: str
    starts_at: datetime | None
    venue_name: str
    session_count: int
    confirmed: int
    attended: int
    check_ins: int
    certificate_eligible: int
    # Sessions that have started, and the check-ins of confirmed registrations to them: the
    # attendance rate counts only these (a workshop not yet held has no rate, not 0%).
    held_sessions: int = 0
    held_check_ins: int = 0
    # The office that ran it (the province's roll-up groups by it).
    office_id: int = 0
    office_name: str = ""

    @property
    def held(self) -> bool:
        return self.held_sessions > 0

    @property
    def seat_sessions(self) -> int:
        return self.confirmed * self.held_sessions

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.held_check_ins, self.seat_sessions) if self.held else None


@dataclass(frozen=True, slots=True)
class OfficeFigure:
    """One office's workshops in the fiscal year, summed (the province's roll-up)."""

    office_id: int
    name: str
    district: str  # the office's district; '' for a provincial office
    workshops: int
    confirmed: int
    attended: int
    check_ins: int
    seat_sessions: int
    certificate_eligible: int

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.check_ins, self.seat_sessions)


@dataclass(frozen=True)
class FiscalYearReport:
    """Workshops held in one Thai fiscal year (1 October to 30 September, named by the BE year
    in which it ends), placed by the Bangkok date of their first session."""

    fiscal_year: int
    workshops: tuple[FiscalYearWorkshop, ...]
    officers: int  # distinct officers with a confirmed seat in any of the workshops
    by_district: tuple[GroupFigure, ...]
    generated_at: datetime
    # Per office the viewer sees, workshops or not: the provincial office, then its district
    # offices by district. ``rolls_up``: more than one office (a provincial office's view),
    # when the report groups by office and district.
    by_office: tuple[OfficeFigure, ...] = ()

    @property
    def rolls_up(self) -> bool:
        return len(self.by_office) > 1

    @property
    def workshop_count(self) -> int:
        return len(self.workshops)

    @property
    def participants(self) -> int:
        """Confirmed seats, summed over workshops (one officer in two workshops counts twice)."""
        return sum(w.confirmed for w in self.workshops)

    @property
    def attended(self) -> int:
        return sum(w.attended for w in self.workshops)

    @property
    def check_ins(self) -> int:
        return sum(w.check_ins for w in self.workshops)

    @property
    def seat_sessions(self) -> int:
        """Confirmed × sessions held so far, summed over workshops."""
        return sum(w.seat_sessions for w in self.workshops)

    @property
    def attendance_rate(self) -> float | None:
        """Check-ins to held sessions ÷ seat-sessions held (workshops not yet held left out)."""
        return rate(sum(w.held_check_ins for w in self.workshops), self.seat_sessions)

    @property
    def certificate_eligible(self) -> int:
        return sum(w.certificate_eligible for w in self.workshops)


def current_fiscal_year(now: datetime | None = None) -> int:
    return fiscal_year(now or utcnow())


def parse_fiscal_year(value: str | None, default: int | None = None) -> int:
    """A BE fiscal year typed by an organizer (``2559``); CE years (``2016``) are read as the
    fiscal year that ends in them. Empty means ``default`` (the current fiscal year)."""
    text = (value or "").strip()
    if not text:
        return default if default is not None else current_fiscal_year()
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        raise ValidationFailed(
            {"fy": str(_l("ปีงบประมาณต้องเป็นปี พ.ศ. 4 หลัก เช่น 2559"))},
            str(_l("ปีงบประมาณไม่ถูกต้อง")),
        )
    year = be_year(ce_year_of(int(text)))
    if not EARLIEST_FISCAL_YEAR <= year <= LATEST_FISCAL_YEAR:
        raise ValidationFailed(
            {"fy": str(_l("ปีงบประมาณต้องอยู่ระหว่าง พ.ศ. 2543 ถึง 2643"))},
            str(_l("ปีงบประมาณไม่ถูกต้อง")),
        )
    return year


def fiscal_years_with_workshops(viewer: User | None) -> list[int]:
    """Fiscal years (BE) in which some workshop of the viewer's offices counts, latest first."""
    return list(
        db.session.scalars(
            select(Workshop.fiscal_year)
            .where(Workshop.status.in_(COUNTED_STATUSES), office_filter(Workshop.office_id, viewer))
            .distinct()
            .order_by(Workshop.fiscal_year.desc())
        )
    )


def _held_check_ins(held_session_ids: list[int]) -> Counter[int]:
    """Session id -> check-ins of confirmed registrations, for the given sessions."""
    if not held_session_ids:
        return Counter()
    rows = db.session.execute(
        select(CheckIn.session_id, func.count())
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(
            CheckIn.session_id.in_(held_session_ids),
            Registration.status == Status.CONFIRMED,
        )
        .group_by(CheckIn.session_id)
    )
    return Counter({session_id: count for session_id, count in rows})


def fiscal_year_report(
    year: int, viewer: User | None, now: datetime | None = None
) -> FiscalYearReport:
    """Published and closed workshops of fiscal year ``year`` run by the viewer's offices
    (drafts and cancelled workshops are left out), with participants, attendance and the
    district breakdown across them. Attendance rates count the sessions held by ``now`` only."""
    now = now or utcnow()
    in_scope = office_filter(Workshop.office_id, viewer)
    workshops = list(
        db.session.scalars(
            select(Workshop)
            .where(Workshop.fiscal_year == year, Workshop.status.in_(COUNTED_STATUSES), in_scope)
            .order_by(Workshop.id)
        )
    )
    lines: list[FiscalYearWorkshop] = []
    all_confirmed: list[AttendeeRow] = []
    sessions_of: dict[int, int] = {}
    held_of = {w.id: [s.id for s in w.sessions if s.starts_at <= now] for w in workshops}
    held_counts = _held_check_ins([i for ids in held_of.values() for i in ids])
    for workshop in workshops:
        rows = [r for r in registration_rows(workshop) if r.status == Status.CONFIRMED]
        count = len(workshop.sessions)
        held = held_of[workshop.id]
        for row in rows:
            sessions_of[row.registration_id] = len(held)
        all_confirmed += rows
        lines.append(
            FiscalYearWorkshop(
                workshop_id=workshop.id,
                title=workshop.full_title,
                office_id=workshop.office_id,
                office_name=workshop.office.name,
                starts_at=workshop.starts_at,
                venue_name=workshop.venue.name,
                session_count=count,
                confirmed=len(rows),
                attended=sum(1 for r in rows if r.sessions_attended > 0),
                check_ins=sum(r.sessions_attended for r in rows),
                certificate_eligible=sum(1 for r in rows if r.eligible),
                held_sessions=len(held),
                held_check_ins=sum(held_counts[i] for i in held),
            )
        )
    if workshops:
        officers_query = (
            select(func.count(func.distinct(Registration.user_id)))
            .join(Workshop, Workshop.id == Registration.workshop_id)
            .where(
                Workshop.fiscal_year == year,
                Workshop.status.in_(COUNTED_STATUSES),
                in_scope,
                Registration.status == Status.CONFIRMED,
            )
        )
        officer_count = db.session.scalar(officers_query) or 0
    else:
        officer_count = 0
    lines.sort(key=lambda w: (w.starts_at is None, w.starts_at or utcnow(), w.workshop_id))
    return FiscalYearReport(
        fiscal_year=year,
        workshops=tuple(lines),
        officers=officer_count,
        by_district=group_figures(all_confirmed, "district", sessions_of),
        generated_at=utcnow(),
        by_office=_office_figures(lines, viewer),
    )


def _office_figures(
    lines: Iterable[FiscalYearWorkshop], viewer: User | None
) -> tuple[OfficeFigure, ...]:
    """The workshops' figures summed per office, for every office the viewer sees."""
    offices = db.session.scalars(select(Office).where(office_filter(Office.id, viewer))).all()
    sums: dict[int, list[int]] = {o.id: [0] * 6 for o in offices}
    for line in lines:
        figures = sums.setdefault(line.office_id, [0] * 6)
        for i, value in enumerate(
            (
                1,
                line.confirmed,
                line.attended,
                line.held_check_ins,  # rates count held sessions only, as each workshop's
                line.seat_sessions,
                line.certificate_eligible,
            )
        ):
            figures[i] += value
    ordered = sorted(
        offices,
        key=lambda o: (o.parent_id is not None, thai_sort_key(o.district), thai_sort_key(o.name)),
    )
    return tuple(OfficeFigure(o.id, o.name, o.district, *sums[o.id]) for o in ordered)
