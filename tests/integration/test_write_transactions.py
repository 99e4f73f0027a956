"""Transactions that read and then write, while another worker writes in between."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from workshop.extensions import db
from workshop.models import Venue
from workshop.services.venues import VenueInput, update_venue


def _another_worker_writes(user_id: int) -> None:
    other = create_engine(db.engine.url, poolclass=NullPool)
    with other.begin() as conn:
        conn.execute(
            text("UPDATE users SET phone = :phone WHERE id = :id"),
            {"phone": "+66812345678", "id": user_id},
        )
    other.dispose()


def test_a_change_saved_after_another_worker_wrote_is_not_refused(organizer, venue):
    """A page loads a venue, another worker commits something, then the change is saved: on
    SQLite the request's read transaction cannot simply turn into a write any more ("database
    is locked" at once); it must be switched to a writer and succeed, as on PostgreSQL."""
    venue_id, organizer_id = venue.id, organizer.id
    db.session.remove()
    loaded = db.session.get(Venue, venue_id)  # the request's read transaction begins here
    _another_worker_writes(organizer_id)
    update_venue(loaded, VenueInput(name="หอประชุมใหม่", capacity=loaded.capacity), None)
    db.session.remove()
    assert db.session.get(Venue, venue_id).name == "หอประชุมใหม่"
    assert db.session.scalar(text("SELECT phone FROM users WHERE id = :id"), {"id": organizer_id})
