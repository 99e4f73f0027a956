"""Transactions that read and then write, while another worker writes in between."""

from __future__ import annotations

import fcntl
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.support import workshop_input
from workshop.extensions import db
from workshop.models import Venue, Workshop
from workshop.services import workshops
from workshop.services.errors import ValidationFailed
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


def _waiting_for_a_lock(engine, worker: threading.Thread, queued: threading.Event) -> bool:
    """Whether ``worker`` is blocked behind this transaction's locks (not merely running)."""
    if engine.dialect.name == "sqlite":
        return queued.is_set()  # it found the write lock taken and waits in the queue
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_a_room_cannot_shrink_below_a_workshop_saved_at_the_same_moment(
    app, organizer, venue, monkeypatch
):
    """Another worker shrinks the room (120 → 50 seats) just after a new 100-seat workshop was
    checked against it and before that workshop is saved: one of the two must see the other,
    so the room is never smaller than a workshop planned in it."""
    venue_id = venue.id
    queued = threading.Event()
    outcome: dict[str, object] = {}
    observer = create_engine(db.engine.url, poolclass=NullPool)
    real_flock = fcntl.flock

    def shrink_the_room() -> None:
        with app.app_context():
            try:
                room = db.session.get(Venue, venue_id)
                update_venue(room, VenueInput(name=room.name, capacity=50), None)
                outcome["refused"] = None
            except ValidationFailed as exc:
                outcome["refused"] = exc
            finally:
                db.session.remove()

    worker = threading.Thread(target=shrink_the_room)

    def flock(descriptor: int, operation: int) -> None:
        if threading.current_thread() is worker and operation == fcntl.LOCK_EX:
            try:
                return real_flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                queued.set()
        return real_flock(descriptor, operation)

    real_validate = workshops.validate_workshop

    def checked_then_the_other_worker_runs(data, *args):
        values = real_validate(data, *args)
        worker.start()
        deadline = time.monotonic() + 30
        while worker.is_alive() and not _waiting_for_a_lock(observer, worker, queued):
            assert time.monotonic() < deadline, "the other worker neither finished nor waited"
            time.sleep(0.01)
        return values

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(workshops, "validate_workshop", checked_then_the_other_worker_runs)

    workshop_id = workshops.create_workshop(workshop_input(venue, capacity=100), organizer).id
    worker.join(timeout=30)
    observer.dispose()

    db.session.remove()
    assert db.session.get(Workshop, workshop_id).capacity == 100
    assert db.session.get(Venue, venue_id).capacity == 120
    assert isinstance(outcome["refused"], ValidationFailed)
    assert "capacity" in outcome["refused"].fields
