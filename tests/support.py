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


# The organizer's walk-in form for an officer who came to the door without registering.
WALK_IN_FORM = {
    "title_prefix": "นาย",
    "first_name": "ประเสริฐ",
    "last_name": "ผู้ใหญ่บ้าน",
    "position": "นักวิชาการพัฒนาชุมชนปฏิบัติการ",
    "agency": "สำนักงานพัฒนาชุมชนอำเภอวัดโบสถ์",
    "district": "วัดโบสถ์",
    "province": "พิษณุโลก",
    "phone": "089-123-4567",
    "email": "",
    "consent": "y",
}


TEST_OFFICE = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"


def make_office(name: str = TEST_OFFICE, **fields):
    """The office called ``name``, made on first use (the provincial office by default)."""
    from workshop.services.offices import OfficeInput, create_office, office_by_name

    return office_by_name(name) or create_office(OfficeInput(name=name, **fields), None)


def make_user(role: str = "officer", email: str | None = None, **fields) -> User:
    """An account; organizers and staff work for the test office unless ``office_id`` says."""
    if role in ("organizer", "staff"):
        fields.setdefault("office_id", make_office().id)
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


def my_certificate(client: FlaskClient, registration_id: int, **kw):
    """The way to a certificate on การลงทะเบียนของฉัน: the button (a POST that issues it when
    eligible and none is issued yet), whose redirect leads to the PDF (a GET that only
    downloads). Redirects are followed unless ``follow_redirects=False``."""
    kw.setdefault("follow_redirects", True)
    return submit_form(
        client,
        "/my/registrations",
        {},
        action=f"/my/registrations/{registration_id}/certificate",
        **kw,
    )


def login(client: FlaskClient, user: User, password: str = PASSWORD):
    response = submit_form(client, "/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def open_workshop(venue: Venue, organizer: User, capacity: int = 100, **changes):
    """A published workshop whose registration window is open now and whose sessions are ahead."""
    from datetime import UTC, datetime, timedelta

    from workshop.services.workshops import change_status, create_workshop

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now + timedelta(days=10)
    data = workshop_input(
        venue,
        capacity=capacity,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=9),
        sessions=[
            SessionInput(title="ภาคเช้า", starts_at=start, ends_at=start + timedelta(hours=3)),
            SessionInput(
                title="ภาคบ่าย",
                starts_at=start + timedelta(hours=4),
                ends_at=start + timedelta(hours=7),
            ),
        ],
        **changes,
    )
    workshop = create_workshop(data, organizer)
    return change_status(workshop, "published", organizer)


def make_officers(count: int, prefix: str = "officer") -> list[User]:
    """Many officers at once with one shared password hash (hashing each would take minutes)."""
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db

    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    districts = ("วังทอง", "นครไทย", "บางระกำ", "พรหมพิราม", "ชาติตระการ")
    users = [
        User(
            email=f"{prefix}{n}@example.go.th",
            password_hash=password_hash,
            role="officer",
            title_prefix="นาย",
            first_name=f"ทดสอบ{n}",
            last_name="ใจดี",
            district=districts[n % len(districts)],
            agency=f"สำนักงานพัฒนาชุมชนอำเภอ{districts[n % len(districts)]}",
            province="พิษณุโลก",
        )
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.commit()
    return users


def running_workshop(venue: Venue, organizer: User, capacity: int = 100):
    """A published workshop whose first session is running now (check-in open)."""
    from datetime import UTC, datetime, timedelta

    from workshop.services.workshops import change_status, create_workshop

    now = datetime.now(UTC).replace(microsecond=0)
    data = workshop_input(
        venue,
        capacity=capacity,
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now - timedelta(minutes=30),
        sessions=[
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
        ],
    )
    workshop = create_workshop(data, organizer)
    return change_status(workshop, "published", organizer)


def error_block(html: str, message: str) -> str:
    """The field block (marked has-error) that shows ``message``; fails if there is none.

    The match may not run from one field's block into the next one's, so the block returned is
    the field the message is attached to.
    """
    import re as regex

    found = regex.search(
        r'<(?:div|fieldset) class="[^"]*has-error[^"]*">'
        r'(?:(?!</div>\s*<div class="(?:field|session-row)).)*?<p class="error"[^>]*>[^<]*'
        + regex.escape(message),
        html,
        regex.S,
    )
    assert found, f"no field shows {message!r}:\n{html}"
    return found.group(0)


def finished_workshop(
    venue: Venue, organizer: User, sessions: int = 5, first: date = date(2015, 10, 20), **changes
):
    """A published workshop of ``sessions`` daily sessions from ``first`` (by default
    20 October 2015, FY 2559), long over."""
    from datetime import timedelta

    from workshop.services.workshops import change_status, create_workshop

    data = workshop_input(
        venue,
        sessions=[
            SessionInput(
                title=f"วันที่ {n + 1}",
                starts_at=bangkok_to_utc(first + timedelta(days=n), time(9, 0)),
                ends_at=bangkok_to_utc(first + timedelta(days=n), time(16, 0)),
            )
            for n in range(sessions)
        ],
        **changes,
    )
    return change_status(create_workshop(data, organizer), "published", organizer)


def recount_check_ins() -> None:
    """Set every session's live counter from its check-ins, as the services keep it (the
    check-ins of confirmed registrations), after a test wrote check-ins or statuses directly."""
    from sqlalchemy import text

    from workshop.extensions import db

    db.session.flush()
    db.session.execute(text("DELETE FROM checkin_tallies"))
    db.session.execute(
        text(
            "INSERT INTO checkin_tallies (session_id, slot, checked_in) "
            "SELECT c.session_id, 0, count(*) FROM checkins c "
            "JOIN registrations r ON r.id = c.registration_id "
            "WHERE r.status = 'confirmed' GROUP BY c.session_id"
        )
    )
    db.session.commit()


def seat(workshop, officer: User, organizer: User, attended: int = 0):
    """Register ``officer`` (by the organizer) and check them into the first ``attended``
    sessions directly (no door involved)."""
    from workshop.extensions import db
    from workshop.models import CheckIn
    from workshop.services.registrations import register_officer

    registration = register_officer(workshop.id, officer, actor=organizer)
    for session in workshop.sessions[:attended]:
        db.session.add(
            CheckIn(
                registration_id=registration.id,
                session_id=session.id,
                scanned_at=session.starts_at,
                method="manual",
            )
        )
    db.session.commit()
    recount_check_ins()
    return registration


def form_values(html: str, has_field: str) -> dict[str, str]:
    """What a browser would send from the page's form that has a field named ``has_field``:
    inputs (not buttons, files or unticked boxes), text areas and selected options."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.forms: list[dict[str, str]] = []
            self.textarea: str | None = None
            self.select: str | None = None

        def handle_starttag(self, tag, attrs):
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.forms.append({})
            elif not self.forms or ("name" not in a and tag != "option"):
                return
            elif tag == "input":
                kind = a.get("type", "text")
                if kind in ("submit", "button", "file", "image", "reset"):
                    return
                if kind in ("checkbox", "radio") and "checked" not in a:
                    return
                self.forms[-1][a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
            elif tag == "textarea":
                self.textarea = a["name"]
                self.forms[-1][a["name"]] = ""
            elif tag == "select":
                self.select = a["name"]
            elif tag == "option" and self.select is not None:
                form = self.forms[-1]
                if "selected" in a or self.select not in form:
                    form[self.select] = a.get("value", "")

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None
            elif tag == "select":
                self.select = None

        def handle_data(self, data):
            if self.textarea is not None:
                value = self.forms[-1][self.textarea] + data
                # A browser drops the newline that follows <textarea>.
                self.forms[-1][self.textarea] = value.removeprefix("\r\n").removeprefix("\n")

    parser = Forms()
    parser.feed(html)
    found = [form for form in parser.forms if has_field in form]
    assert found, f"no form with a field {has_field!r}"
    return found[0]


def issue_certificates(client: FlaskClient, workshop_id: int):
    """The organizer's "issue all eligible" button on the workshop's certificate page (a GET of
    the all-in-one PDF only downloads what is issued)."""
    page = f"/organizer/workshops/{workshop_id}/certificates"
    response = submit_form(client, page, {}, action=f"{page}/issue")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
