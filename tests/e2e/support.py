"""Workshops for door check-in tests: sessions placed around the present moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support import workshop_input
from workshop.models import User, Venue, Workshop
from workshop.services.workshops import SessionInput, change_status, create_workshop


def workshop_running_now(
    venue: Venue,
    organizer: User,
    capacity: int = 100,
    *,
    before: int = 0,
    title: str | None = None,
) -> Workshop:
    """A published workshop with ``before`` sessions already over, one running now (check-in
    open) and one tomorrow."""
    now = datetime.now(UTC).replace(microsecond=0)
    sessions = [
        SessionInput(
            title=f"วันที่ผ่านมา {n + 1}",
            starts_at=now - timedelta(days=before - n, hours=1),
            ends_at=now - timedelta(days=before - n) + timedelta(hours=1),
        )
        for n in range(before)
    ]
    sessions += [
        SessionInput(
            title="ภาคเช้า",
            starts_at=now - timedelta(minutes=20),
            ends_at=now + timedelta(hours=3),
        ),
        SessionInput(
            title="วันถัดไป",
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=3),
        ),
    ]
    data = workshop_input(
        venue,
        capacity=capacity,
        registration_opens_at=now - timedelta(days=before + 10),
        registration_closes_at=now - timedelta(days=before, minutes=-30),
        sessions=sessions,
    )
    if title:
        data.title = title
    workshop = create_workshop(data, organizer)
    return change_status(workshop, "published", organizer)
