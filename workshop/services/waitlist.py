"""A waitlisted registration's place in line, as officers, pages and mail see it.

Places come from ROW_NUMBER() over the waitlist order inside the statement that reads the rows
(``waitlist_ranks``), so a promotion committed while a list loads never shows two people at
one place. A module of its own, below ``registrations`` (which changes the line) and ``mail``
(which tells people their place), so that neither has to import the other.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, func, select

from workshop.extensions import db
from workshop.models import Registration
from workshop.models import RegistrationStatus as Status


def waitlist_ranks(workshops: ColumnElement[bool]) -> Subquery:
    """Place in line (1 = next) of every waitlisted registration of the workshops that
    ``workshops`` selects: ROW_NUMBER() over the waitlist order, computed within the statement
    the subquery is joined into (same snapshot as the rows; SQLite >= 3.25, PostgreSQL)."""
    return (
        select(
            Registration.id.label("registration_id"),
            func.row_number()
            .over(partition_by=Registration.workshop_id, order_by=Registration.waitlist_seq)
            .label("position"),
        )
        .where(Registration.status == Status.WAITLISTED, workshops)
        .subquery("waitlist_ranks")
    )


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting (one statement reads the place)."""
    if registration.status != Status.WAITLISTED or registration.waitlist_seq is None:
        return None
    ranks = waitlist_ranks(Registration.workshop_id == registration.workshop_id)
    return db.session.scalar(
        select(ranks.c.position).where(ranks.c.registration_id == registration.id)
    )
