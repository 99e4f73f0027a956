"""Attendance: how many of a workshop's sessions each registration was checked in for, and
how many people are checked in to a session.

Certificates (eligibility) and reports (attendance rate, eligible count) both read attendance
through this module, so "attended enough" means the same thing everywhere. Likewise "checked in
to a session" (``checked_in_counts``) is one figure for the door's counter, the roster and the
report: the check-ins of registrations that are confirmed now.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from workshop.extensions import db
from workshop.models import CheckIn, CheckInTally, WorkshopSession

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


def meets_attendance_rule(attended: int, total_sessions: int, threshold_percent: int) -> bool:
    """True when ``attended`` of ``total_sessions`` reaches ``threshold_percent`` per cent.

    Compared in integers (attended / total ≥ threshold / 100), so 80 % of 2 sessions needs both
    and 80 % of 5 needs 4. A workshop without sessions has nothing to attend: never met.
    """
    if total_sessions <= 0:
        return False
    return attended * 100 >= threshold_percent * total_sessions


def sessions_required(total_sessions: int, threshold_percent: int) -> int:
    """The fewest sessions that meet the rule (for telling an officer what is missing)."""
    if total_sessions <= 0:
        return 0
    return -(-threshold_percent * total_sessions // 100)  # ceiling division


def sessions_attended(workshop_id: int) -> dict[int, int]:
    """Registration id -> number of this workshop's sessions it was checked in for.

    Registrations with no check-in are absent (read them as 0).
    """
    rows = db.session.execute(
        select(CheckIn.registration_id, func.count(CheckIn.id))
        .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
        .where(WorkshopSession.workshop_id == workshop_id)
        .group_by(CheckIn.registration_id)
    )
    return {registration_id: count for registration_id, count in rows}


def sessions_attended_by(registration_id: int) -> int:
    """How many sessions one registration was checked in for."""
    return (
        db.session.scalar(
            select(func.count(CheckIn.id)).where(CheckIn.registration_id == registration_id)
        )
        or 0
    )
