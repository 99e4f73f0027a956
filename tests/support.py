"""Helpers for tests: users, workshop input, forms posted the way a browser posts them."""

from __future__ import annotations

import re
from datetime import date, time

from flask.testing import FlaskClient

from workshop.models import User, Venue
from workshop.services.accounts import create_user
from workshop.services.workshops import SessionInput, WorkshopInput
from workshop.thai.dates import bangkok_to_utc

PASSWORD = "correct-horse-2559"


def make_user(role: str = "officer", email: str | None = None, **fields) -> User:
    fields.setdefault("title_prefix", "นางสาว")
    fields.setdefault("first_name", "กิ่งแก้ว")
    fields.setdefault("last_name", "ปิ่นทอง")
    return create_user(
        email=email or f"{role}{User.query.count() + 1}@example.go.th",
        password=PASSWORD,
        role=role,
        **fields,
    )


def workshop_input(venue: Venue, **changes) -> WorkshopInput:
    day = date(2015, 10, 20)
    data = WorkshopInput(
        title="ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559",
        organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        venue_id=venue.id,
        capacity=100,
        registration_opens_at=bangkok_to_utc(date(2015, 10, 1), time(8, 30)),
        registration_closes_at=bangkok_to_utc(date(2015, 10, 19), time(16, 30)),
        sessions=[
            SessionInput(
                title="พิธีเปิด",
                starts_at=bangkok_to_utc(day, time(8, 30)),
                ends_at=bangkok_to_utc(day, time(12, 0)),
            ),
            SessionInput(
                title="ประชุมเชิงปฏิบัติการ",
                starts_at=bangkok_to_utc(day, time(13, 0)),
                ends_at=bangkok_to_utc(day, time(16, 30)),
            ),
        ],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def submit_form(client: FlaskClient, page: str, data: dict, action: str | None = None, **kw):
    """Open ``page`` as a browser would, then post ``data`` with the page's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    payload = {"csrf_token": csrf_token_from(html), **data}
    return client.post(action or page, data=payload, **kw)


def login(client: FlaskClient, user: User, password: str = PASSWORD):
    response = submit_form(client, "/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
