"""A waitlisted registration's place in line, as officers, pages and mail see it.

A query of its own, below ``registrations`` (which changes the line) and ``mail`` (which
tells people their place), so that neither has to import the other.
"""

from __future__ import annotations

from sqlalchemy import func, select

from workshop.extensions import db
from workshop.models import Registration
from workshop.models import RegistrationStatus as Status


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != Status.WAITLISTED or registration.waitlist_seq is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.workshop_id == registration.workshop_id,
            Registration.status == Status.WAITLISTED,
            Registration.waitlist_seq < registration.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1
