"""Attendance and the certificate rule: the one place that says who attended enough.

A workshop's rule (``Workshop.attendance_rule``) is a share of its sessions or of its training
hours; the threshold is a percentage. Per registration this module counts, over the workshop's
sessions:

- *present*: sessions with a check-in. Hours present are the session's hours, or, when the
  workshop scans people out too (``checkout_enabled``), the time between the check-in and the
  last check-out within the session, less the lunch break, capped at the session's hours; a
  session without a check-out scan then gives no hours.
- *excused*: sessions an organizer marked excused (ลา, ไปราชการ, another reason) and that have
  no check-in. They count toward the rule only where the workshop says so (``excused_count``).
- *absent*: the rest.

Certificates (eligibility and its explanation), reports, exports, the officer's page and the
API all read attendance through :func:`workshop_rule` and :func:`attendance_by_registration`
(or :func:`attendance_of`), so "attended enough" means the same thing everywhere.

A session's default hours are its length less the part of it that falls in the lunch break
(``WORKSHOP_LUNCH_BREAK``, Bangkok wall clock, 12:00–13:00 by default): 08.30–16.30 is 7 hours,
08.30–12.00 is 3.5.

The door's counter, the roster and the report share one figure for "checked in to a session"
(``checked_in_counts``): the check-ins of registrations that are confirmed now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select

from workshop.extensions import db
from workshop.models import (
    AttendanceRule,
    CheckIn,
    CheckInTally,
    ExcusedAbsence,
    Registration,
    Workshop,
    WorkshopSession,
)
from workshop.thai.dates import bangkok_to_utc, to_bangkok

HOURS_STEP = Decimal("0.01")
NO_HOURS = Decimal("0.00")
LunchBreak = tuple[time, time] | None

_sessions = WorkshopSession.__table__
_tallies = CheckInTally.__table__

# People checked in to the session (correlated to ``workshop_sessions``): the sum of its tally
# slots. ``services.checkins`` keeps the slots equal to the check-ins of registrations that are
# confirmed now: a check-in or an undo of a seated person moves them by one, and a registration
# gaining or losing its seat by its check-ins. So no scan at the door counts rows, and a
# cancelled registration's earlier check-in stops counting without being deleted.
CHECKED_IN = (
    select(func.coalesce(func.sum(_tallies.c.checked_in), 0))
    .where(_tallies.c.session_id == _sessions.c.id)
    .scalar_subquery()
)


def checked_in_counts(session_ids: Iterable[int]) -> dict[int, int]:
    """Session id -> people checked in to it (see ``CHECKED_IN``)."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(_sessions.c.id, CHECKED_IN).where(_sessions.c.id.in_(ids)))
    return {session_id: int(count) for session_id, count in rows}


# ---------------------------------------------------------------- hours of a session


def configured_lunch_break() -> LunchBreak:
    """The lunch break of ``WORKSHOP_LUNCH_BREAK`` (parsed by ``config.load_config``)."""
    if not has_app_context():
        return None
    return current_app.config.get("LUNCH_BREAK")


def _overlap(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> float:
    """Seconds that [start, end] and [other_start, other_end] have in common."""
    return max(0.0, (min(end, other_end) - max(start, other_start)).total_seconds())


def _lunch_seconds(start: datetime, end: datetime, lunch: LunchBreak) -> float:
    """Seconds of [start, end] inside the lunch break of any Bangkok day it touches."""
    if lunch is None or end <= start:
        return 0.0
    day, last = to_bangkok(start).date(), to_bangkok(end).date()
    seconds = 0.0
    while day <= last:
        lunch_start, lunch_end = bangkok_to_utc(day, lunch[0]), bangkok_to_utc(day, lunch[1])
        seconds += _overlap(start, end, lunch_start, lunch_end)
        day += timedelta(days=1)
    return seconds


def _as_hours(seconds: float) -> Decimal:
    minutes = round(seconds / 60)
    return (Decimal(minutes) / 60).quantize(HOURS_STEP, ROUND_HALF_UP)


def default_hours(
    starts_at: datetime, ends_at: datetime, lunch: LunchBreak | bool = True
) -> Decimal:
    """A session's training hours by default: its length less the lunch break it spans.

    ``lunch`` is the break to take off (``True``: the configured one, ``None``: none).
    """
    if lunch is True:
        lunch = configured_lunch_break()
    elif lunch is False:
        lunch = None
    seconds = (ends_at - starts_at).total_seconds() - _lunch_seconds(starts_at, ends_at, lunch)
    return _as_hours(max(0.0, seconds))


def present_hours(
    session: SessionHours, checked_in: datetime, checked_out: datetime | None, lunch: LunchBreak
) -> Decimal:
    """Hours credited for a session from its check-in and check-out scans: the time between
    them within the session, less the lunch break, capped at the session's hours."""
    if checked_out is None:
        return NO_HOURS
    start, end = max(checked_in, session.starts_at), min(checked_out, session.ends_at)
    if end <= start:
        return NO_HOURS
    seconds = (end - start).total_seconds() - _lunch_seconds(start, end, lunch)
    return min(session.hours, _as_hours(max(0.0, seconds)))


def format_hours(value: Decimal | int | float | None) -> str:
    """``3.5``, ``7``, ``12.25``: hours without trailing zeros (``–`` for none)."""
    if value is None:
        return "–"
    text = f"{Decimal(value).quantize(HOURS_STEP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------- the rule


@dataclass(frozen=True, slots=True)
class SessionHours:
    """What the rule needs to know of a session."""

    id: int
    starts_at: datetime
    ends_at: datetime
    hours: Decimal


@dataclass(frozen=True, slots=True)
class Attendance:
    """One registration's attendance over its workshop's sessions."""

    present: int = 0  # sessions checked in to
    excused: int = 0  # sessions excused, without a check-in
    hours_present: Decimal = NO_HOURS
    hours_excused: Decimal = NO_HOURS
    without_checkout: int = 0  # checked in but never scanned out (check-out workshops only)


ABSENT = Attendance()


@dataclass(frozen=True)
class Rule:
    """A workshop's certificate rule and the sessions it is applied to."""

    kind: str  # an AttendanceRule value
    threshold: int  # per cent
    sessions: tuple[SessionHours, ...]
    checkout: bool  # hours present come from check-in and check-out times
    excused_count: bool  # excused sessions count toward the rule

    @property
    def by_hours(self) -> bool:
        return self.kind == AttendanceRule.HOURS

    @property
    def total_sessions(self) -> int:
        return len(self.sessions)

    @property
    def total_hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), NO_HOURS)

    @property
    def total(self) -> int | Decimal:
        """What the threshold is a share of: sessions or hours."""
        return self.total_hours if self.by_hours else self.total_sessions

    @property
    def required(self) -> int | Decimal:
        """The least that meets the rule, in sessions or in hours."""
        if self.by_hours:
            return hours_required(self.total_hours, self.threshold)
        return sessions_required(self.total_sessions, self.threshold)

    def credited(self, attendance: Attendance) -> int | Decimal:
        """What counts toward the rule: sessions or hours present, plus excused ones where
        the workshop counts them."""
        if self.by_hours:
            excused = attendance.hours_excused if self.excused_count else NO_HOURS
            return attendance.hours_present + excused
        return attendance.present + (attendance.excused if self.excused_count else 0)

    def met_by(self, attendance: Attendance) -> bool:
        return meets_attendance_rule(self.credited(attendance), self.total, self.threshold)

    def describe(self) -> str:
        """The rule in words, e.g. ``อย่างน้อย 80% ของเวลาอบรม (10 จาก 12.5 ชั่วโมง)``."""
        if self.by_hours:
            text = _l(
                "อย่างน้อย %(pct)d%% ของเวลาอบรม (%(need)s จาก %(total)s ชั่วโมง)",
                pct=self.threshold,
                need=format_hours(self.required),
                total=format_hours(self.total_hours),
            )
        else:
            text = _l(
                "อย่างน้อย %(pct)d%% ของจำนวนช่วง (%(need)d จาก %(total)d ช่วง)",
                pct=self.threshold,
                need=self.required,
                total=self.total_sessions,
            )
        notes = [str(text)]
        if self.excused_count:
            notes.append(str(_l("นับช่วงที่ลาหรือไปราชการด้วย")))
        if self.checkout and self.by_hours:
            notes.append(str(_l("ชั่วโมงนับจากเวลาเช็กอินถึงเวลาสแกนออก")))
        return "; ".join(notes)


def meets_attendance_rule(
    attended: int | Decimal, total: int | Decimal, threshold_percent: int
) -> bool:
    """True when ``attended`` of ``total`` (sessions or hours) reaches ``threshold_percent``.

    Compared exactly (attended × 100 ≥ threshold × total, in integers or decimals), so 80 % of
    2 sessions needs both and 80 % of 5 needs 4. Nothing to attend: never met.
    """
    if total <= 0:
        return False
    return attended * 100 >= threshold_percent * total


def sessions_required(total_sessions: int, threshold_percent: int) -> int:
    """The fewest sessions that meet the rule (for telling an officer what is missing)."""
    if total_sessions <= 0:
        return 0
    return -(-threshold_percent * total_sessions // 100)  # ceiling division


def hours_required(total_hours: Decimal, threshold_percent: int) -> Decimal:
    """The fewest hours (to the hundredth, rounded up) that meet the rule."""
    if total_hours <= 0:
        return NO_HOURS
    return (total_hours * threshold_percent / 100).quantize(HOURS_STEP, ROUND_CEILING)


def session_hours(sessions: Iterable[WorkshopSession]) -> tuple[SessionHours, ...]:
    return tuple(SessionHours(s.id, s.starts_at, s.ends_at, s.hours) for s in sessions)


def workshop_rule(workshop: Workshop) -> Rule:
    return Rule(
        kind=workshop.attendance_rule,
        threshold=workshop.attendance_threshold,
        sessions=session_hours(workshop.sessions),
        checkout=workshop.checkout_enabled,
        excused_count=workshop.excused_count,
    )


# ---------------------------------------------------------------- counting


class _Tally:
    __slots__ = ("excused", "hours_excused", "hours_present", "present", "without_checkout")

    def __init__(self) -> None:
        self.present = self.excused = self.without_checkout = 0
        self.hours_present = self.hours_excused = NO_HOURS

    def frozen(self) -> Attendance:
        return Attendance(
            self.present,
            self.excused,
            self.hours_present,
            self.hours_excused,
            self.without_checkout,
        )


def _counted(rule: Rule, registration_id: int | None = None) -> dict[int, Attendance]:
    """Attendance per registration over the rule's sessions (of one registration only, if
    ``registration_id`` is given).

    Without check-out, the database counts and sums per registration (a report of 10,000
    people reads 10,000 rows, not one per check-in); with it, each check-in's times are read
    and turned into hours here.
    """
    session_ids = [s.id for s in rule.sessions]
    tallies: defaultdict[int, _Tally] = defaultdict(_Tally)

    checkin_filter = [CheckIn.session_id.in_(session_ids)]
    excuse_filter = [ExcusedAbsence.session_id.in_(session_ids)]
    if registration_id is not None:
        checkin_filter.append(CheckIn.registration_id == registration_id)
        excuse_filter.append(ExcusedAbsence.registration_id == registration_id)
    if rule.checkout:
        sessions = {s.id: s for s in rule.sessions}
        lunch = configured_lunch_break()
        rows = db.session.execute(
            select(
                CheckIn.registration_id,
                CheckIn.session_id,
                CheckIn.scanned_at,
                CheckIn.checked_out_at,
            ).where(*checkin_filter)
        )
        for holder, session_id, scanned_at, checked_out_at in rows:
            counted = tallies[holder]
            counted.present += 1
            counted.hours_present += present_hours(
                sessions[session_id], scanned_at, checked_out_at, lunch
            )
            counted.without_checkout += checked_out_at is None
    else:
        rows = db.session.execute(
            select(CheckIn.registration_id, func.count(CheckIn.id), func.sum(WorkshopSession.hours))
            .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
            .where(*checkin_filter)
            .group_by(CheckIn.registration_id)
        )
        for holder, count, hours in rows:
            counted = tallies[holder]
            counted.present, counted.hours_present = count, hours or NO_HOURS
    _count_excused(tallies, *excuse_filter)
    return {holder: t.frozen() for holder, t in tallies.items()}


def attendance_by_registration(
    workshop: Workshop, rule: Rule | None = None
) -> dict[int, Attendance]:
    """Registration id -> its attendance, for every registration of the workshop that was
    checked in or excused at least once (read the others as :data:`ABSENT`)."""
    return _counted(rule or workshop_rule(workshop))


def attendance_of(registration: Registration, rule: Rule | None = None) -> Attendance:
    """One registration's attendance."""
    rule = rule or workshop_rule(registration.workshop)
    return _counted(rule, registration.id).get(registration.id, ABSENT)


def attendance_of_registrations(registration_ids: Iterable[int]) -> dict[int, Attendance]:
    """Attendance of registrations in any number of workshops (an officer's transcript, the HR
    export), counted as :func:`attendance_of` counts it, in two queries whatever the number of
    workshops. Registrations with no check-in and no excuse are left out (read :data:`ABSENT`)."""
    ids = list(registration_ids)
    if not ids:
        return {}
    tallies: defaultdict[int, _Tally] = defaultdict(_Tally)
    lunch = configured_lunch_break()
    rows = db.session.execute(
        select(
            CheckIn.registration_id,
            CheckIn.scanned_at,
            CheckIn.checked_out_at,
            WorkshopSession.id,
            WorkshopSession.starts_at,
            WorkshopSession.ends_at,
            WorkshopSession.hours,
            Workshop.checkout_enabled,
        )
        .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .where(CheckIn.registration_id.in_(ids))
    )
    for holder, scanned_at, checked_out_at, session_id, starts, ends, hours, checkout in rows:
        counted = tallies[holder]
        counted.present += 1
        if checkout:
            session = SessionHours(session_id, starts, ends, hours)
            counted.hours_present += present_hours(session, scanned_at, checked_out_at, lunch)
            counted.without_checkout += checked_out_at is None
        else:
            counted.hours_present += hours
    _count_excused(tallies, ExcusedAbsence.registration_id.in_(ids))
    return {holder: t.frozen() for holder, t in tallies.items()}


def _count_excused(tallies: defaultdict[int, _Tally], *where: ColumnElement[bool]) -> None:
    """Add the excused sessions (and their hours) of the excuses ``where`` selects to
    ``tallies``, per registration, in one query. A check-in outranks an excuse recorded before
    it, so an excused session the person attended after all is not counted."""
    checked_in = (
        select(CheckIn.id)
        .where(
            CheckIn.registration_id == ExcusedAbsence.registration_id,
            CheckIn.session_id == ExcusedAbsence.session_id,
        )
        .exists()
    )
    excused = db.session.execute(
        select(
            ExcusedAbsence.registration_id,
            func.count(ExcusedAbsence.id),
            func.sum(WorkshopSession.hours),
        )
        .join(WorkshopSession, WorkshopSession.id == ExcusedAbsence.session_id)
        .where(~checked_in, *where)
        .group_by(ExcusedAbsence.registration_id)
    )
    for holder, count, hours in excused:
        counted = tallies[holder]
        counted.excused, counted.hours_excused = count, hours or NO_HOURS
