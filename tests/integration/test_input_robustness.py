"""Hostile and broken input on every form and every API body field.

Each form and each API operation is described once (its valid input and the kind of each
field); every field is then tried with the values in ``STRINGS`` (empty, 1 MB, control
characters, NUL, right-to-left override, zero-width characters, SQL, HTML/script, spreadsheet
formulas) and, on the API, with JSON values of the wrong type. ``verdict(kind, value)`` says
what must happen:

* refused: a 4xx (the API's ``{"error": {"code", "message"}}`` shape; on pages the form comes
  back with a Thai message at the field) and not one row written anywhere;
* accepted: stored as given (zero-width characters dropped), and shown escaped.

Free text (titles, agencies, addresses, reasons) may legitimately contain ``' OR 1=1 --``,
``<script>`` or ``=HYPERLINK(...)``: it is stored verbatim, escaped by the templates, and left to
the exports to neutralise formulas. Person names hold letters and `` -'.`` only. Nothing anywhere
accepts control characters, NUL or bidirectional overrides; zero-width characters are dropped.
Never a 500.

Ids, numbers, dates and choices get the shorter ``STRICT_STRINGS``; a second form or PATCH body
over the same fields gets ``PATCH_STRINGS``. A new form is one entry in ``FORMS``, a new API
body one entry in ``API_OPS``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from tests.conftest import FreshGlobalsClient
from tests.support import (
    PASSWORD,
    TEST_OFFICE,
    csrf_token_from,
    login,
    make_office,
    running_workshop,
    seat,
    workshop_input,
)
from workshop.extensions import db
from workshop.models import User, Venue, Workshop
from workshop.services.accounts import issue_api_token
from workshop.services.passwords import password_problem
from workshop.services.venues import VenueInput, create_venue
from workshop.services.workshops import create_workshop

MB = 1024 * 1024
STRINGS: dict[str, str] = {
    "empty": "",
    "huge": "x" * MB,
    "control": "ab\x01cd",
    "nul": "ab\x00cd",
    "rtl_override": "abc\u202edef",
    "zero_width": "ab\u200bcd\ufeff",
    "sql": "' OR 1=1 --",
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "hyperlink": '=HYPERLINK("http://evil.example","x")',
    "cmd": "+cmd|' /C calc'!A0",
    "sum": "@SUM(1+1)",
}
# Enough to show that ids, numbers, dates and choices take no text at all.
STRICT_STRINGS = ("empty", "huge", "nul", "sql")
# PATCH bodies share their types with POST bodies: fewer strings, every wrong type.
PATCH_STRINGS = ("empty", "huge", "control", "zero_width", "script")
VERBATIM = {"sql", "script", "img", "hyperlink", "cmd", "sum"}  # harmless as text
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
WRONG_FOR_TEXT: dict[str, Any] = {
    "number": 12,
    "bool": True,
    "object": {"a": 1},
    "array": ["a"],
    "null": None,
}
WRONG_FOR_INT: dict[str, Any] = {
    "string": "12",
    "float": 1.5,
    "bool": True,
    "object": {},
    "array": [1],
    "null": None,
    "negative": -1,
    "int32_overflow": 2**31,
    "huge_int": 10**40,
}
WRONG_FOR_BOOL: dict[str, Any] = {"string": "true", "number": 1, "null": None, "array": [True]}
WRONG_TYPES = {
    "strict": WRONG_FOR_INT,
    "bool": WRONG_FOR_BOOL,
    **dict.fromkeys(("text", "text!", "agency", "name", "password", "secret"), WRONG_FOR_TEXT),
}

ACCEPT, REFUSE = "accept", "refuse"


def verdict(kind: str, name: str, value: Any) -> tuple[str, Any]:
    """(ACCEPT, what is stored) or (REFUSE, None) for a value of a field of ``kind``.

    Kinds: ``text`` (optional free text), ``text!`` (required), ``name`` (a person's name),
    ``password`` (whatever the password policy accepts), ``secret`` (a credential to check:
    any string is merely wrong), ``strict`` (email, phone, number, date, time, id, choice: only a
    well-formed value passes, and none of the values tried here is one), ``strict?`` (the same,
    but may be left empty: forms only), ``bool`` (JSON true/false only) and ``agency`` (free
    text whose empty value stores the office's name).
    """
    if kind == "agency":
        if name == "empty" and isinstance(value, str):
            return ACCEPT, TEST_OFFICE
        kind = "text"
    if not isinstance(value, str):
        return REFUSE, None
    if kind == "password":
        return (ACCEPT, None) if password_problem(value) is None else (REFUSE, None)
    if kind in ("text", "text!", "name"):
        if name == "empty":
            return (ACCEPT, "") if kind == "text" else (REFUSE, None)
        if name == "zero_width":
            return ACCEPT, "abcd"
        if name in VERBATIM and kind != "name":
            return ACCEPT, value
    return REFUSE, None


def total_rows() -> int:
    """Rows in every table at once: a refused request must leave this unchanged."""
    tables = " + ".join(f"(SELECT count(*) FROM {name})" for name in db.metadata.tables)
    return db.session.execute(text(f"SELECT {tables}")).scalar_one()


def make_people() -> dict[str, User]:
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    people = {
        role: User(
            email=f"{role}@example.go.th",
            password_hash=password_hash,
            role=role,
            title_prefix="นาย",
            first_name="ทดสอบ",
            last_name="ระบบ",
            position="นักวิชาการ",
            agency="สำนักงาน",
            district="วังทอง",
            province="พิษณุโลก",
            phone="+66812345678",
            office_id=None if role == "officer" else make_office().id,
        )
        for role in ("officer", "staff", "organizer")
    }
    db.session.add_all(people.values())
    db.session.commit()
    return people


def get_path(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def set_path(data: dict, path: str, value: Any) -> dict:
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


# ================================================================ the JSON API


@dataclass
class ApiOp:
    method: str
    path: str  # may hold {workshop_id}, {venue_id}
    caller: str | None  # role whose token is sent, None for anonymous
    body: Callable[[dict], dict]  # valid body, given the world (a fresh dict each call)
    fields: dict[str, str]
    # For kinds accepted by the service: where the stored value shows in the response.
    echo: bool = True
    strings: tuple[str, ...] = tuple(STRINGS)


_emails = itertools.count()


def officer_body(world: dict) -> dict:
    return {
        "email": f"new{next(_emails)}@example.go.th",
        "password": "ลำดวนยามเช้า-42",
        "title_prefix": "นางสาว",
        "first_name": "กิ่งแก้ว",
        "last_name": "ปิ่นทอง",
        "position": "นักวิชาการพัฒนาชุมชน",
        "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        "district": "วังทอง",
        "province": "พิษณุโลก",
        "phone": "0812345678",
        "consent": True,
    }


def workshop_body(world: dict) -> dict:
    return {
        "title": "อบรมการใช้ข้อมูล จปฐ.",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "venue_id": world["venue_id"],
        "capacity": 60,
        "registration_opens_at": "2015-11-01T08:30:00+07:00",
        "registration_closes_at": "2015-11-15T16:30:00+07:00",
        "sessions": [
            {
                "title": "ภาคเช้า",
                "starts_at": "2015-11-19T08:30:00+07:00",
                "ends_at": "2015-11-19T12:00:00+07:00",
            }
        ],
        "objectives": "",
        "topics": "",
        "attendance_threshold": 80,
        "certificate_kind": "เกียรติบัตร",
        "presiding_official": "",
        "signatory_name": "",
        "signatory_position": "",
    }


VENUE_FIELDS = {
    "name": "text!",
    "capacity": "strict",
    "address": "text",
    "district": "text",
    "province": "text",
}
WORKSHOP_FIELDS = {
    "title": "text!",
    "organizing_agency": "agency",
    "venue_id": "strict",
    "capacity": "strict",
    "registration_opens_at": "strict",
    "registration_closes_at": "strict",
    "sessions": "strict",
    "sessions.0": "strict",
    "sessions.0.title": "text",
    "sessions.0.starts_at": "strict",
    "sessions.0.ends_at": "strict",
    "objectives": "text",
    "topics": "text",
    "attendance_threshold": "strict",
    "certificate_kind": "strict",
    "presiding_official": "text",
    "signatory_name": "text",
    "signatory_position": "text",
}

API_OPS: dict[str, ApiOp] = {
    "officer_create": ApiOp(
        "POST",
        "/api/v1/officers",
        None,
        officer_body,
        {
            "email": "strict",
            "password": "password",
            "title_prefix": "name",
            "first_name": "name",
            "last_name": "name",
            "position": "text!",
            "agency": "text!",
            "district": "text!",
            "province": "text!",
            "phone": "strict",
            "consent": "bool",
        },
    ),
    "create_token": ApiOp(
        "POST",
        "/api/v1/auth/token",
        None,
        lambda w: {"email": "officer@example.go.th", "password": PASSWORD},
        {"email": "secret", "password": "secret"},
        echo=False,
    ),
    "venue_create": ApiOp(
        "POST",
        "/api/v1/venues",
        "organizer",
        lambda w: {"name": "ห้อง", "capacity": 50},
        VENUE_FIELDS,
    ),
    "venue_patch": ApiOp(
        "PATCH",
        "/api/v1/venues/{venue_id}",
        "organizer",
        lambda w: {},
        VENUE_FIELDS,
        strings=PATCH_STRINGS,
    ),
    "workshop_create": ApiOp(
        "POST", "/api/v1/workshops", "organizer", workshop_body, WORKSHOP_FIELDS
    ),
    "workshop_patch": ApiOp(
        "PATCH",
        "/api/v1/workshops/{workshop_id}",
        "organizer",
        lambda w: {},
        {
            **{k: v for k, v in WORKSHOP_FIELDS.items() if not k.startswith("sessions.")},
            "status": "strict",
        },
        strings=PATCH_STRINGS,
    ),
    "workshop_cancel": ApiOp(
        "PATCH",
        "/api/v1/workshops/{workshop_id}",
        "organizer",
        lambda w: {"status": "cancelled", "reason": "ห้องประชุมไม่ว่าง"},
        {"reason": "text!"},
        echo=False,  # the first accepted reason cancels; later ones find it cancelled already
        strings=PATCH_STRINGS,
    ),
    "registration_create": ApiOp(
        "POST",
        "/api/v1/workshops/{workshop_id}/registrations",
        "organizer",
        lambda w: {"user_id": w["officer_id"]},
        {"user_id": "strict"},
    ),
    "checkin_create": ApiOp(
        "POST",
        "/api/v1/checkins",
        "staff",
        lambda w: {"session_id": w["session_id"], "ticket": w["ticket"]},
        {
            "session_id": "strict",
            "ticket": "secret",
            "registration_id": "strict",
            "scanned_at": "strict",
            "method": "strict",
        },
        echo=False,
    ),
}


def api_world() -> dict:
    people = make_people()
    organizer = people["organizer"]
    venue = create_venue(
        VenueInput(name="ห้องประชุม", address="", district="", province="", capacity=200),
        organizer,
    )
    workshop = running_workshop(venue, organizer)
    # Checked in by the valid body already, so a valid scan would only repeat (and write nothing).
    registration = seat(workshop, people["officer"], organizer, attended=1)
    from workshop.services.tickets import ticket_token

    return {
        "venue_id": venue.id,
        "workshop_id": workshop.id,
        "session_id": workshop.sessions[0].id,
        "officer_id": people["officer"].id,
        "ticket": ticket_token(registration),
        "tokens": {role: issue_api_token(user, 1) for role, user in people.items()},
    }


def api_cases(op: ApiOp):
    for path, kind in op.fields.items():
        names = STRICT_STRINGS if kind in ("strict", "bool") else op.strings
        values = {name: STRINGS[name] for name in names if name in op.strings}
        values.update(WRONG_TYPES[kind])
        for name, value in values.items():
            yield path, kind, name, value


def is_error_shape(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("error"), dict)
        and isinstance(body["error"].get("code"), str)
        and isinstance(body["error"].get("message"), str)
        and bool(body["error"]["message"])
    )


@pytest.mark.parametrize("op_name", API_OPS)
def test_api_body_fields(app, op_name):
    op = API_OPS[op_name]
    world = api_world()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['tokens'][op.caller]}"} if op.caller else {}
    url = op.path.format(**world)
    problems = []
    for path, kind, name, value in api_cases(op):
        body = set_path(op.body(world), path, value)
        expected, stored = verdict(kind, name, value)
        before = total_rows() if expected == REFUSE else None
        response = client.open(url, method=op.method, json=body, headers=headers)
        where = f"{op.method} {op.path} {path}={name}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
            continue
        if expected == REFUSE:
            if not 400 <= response.status_code < 500 or not is_error_shape(response.json):
                problems.append(f"{where}: expected refusal, got {response.status_code}")
            elif response.status_code == 422 and not any(
                key.split(".")[0] == path.split(".")[0] for key in response.json["error"]["fields"]
            ):
                problems.append(f"{where}: 422 names {response.json['error']['fields']}")
            if total_rows() != before:
                problems.append(f"{where}: refused, yet rows were written")
        else:
            if response.status_code not in (200, 201):
                problems.append(
                    f"{where}: expected acceptance, got {response.status_code} "
                    f"{response.get_data(as_text=True)[:300]}"
                )
            elif op.echo and stored is not None and get_path(response.json, path) != stored:
                problems.append(f"{where}: stored {get_path(response.json, path)!r}")
    assert not problems, "\n".join(problems)


# ================================================================ pages (forms)


@dataclass
class FormCase:
    page: str  # the form's URL (GET shows it, POST sends it); may hold {workshop_id}, ...
    caller: str | None
    data: Callable[[dict], dict]  # a valid submission
    fields: dict[str, str]
    stored: Callable[[dict, str], Any] | None = None  # a field's stored value after success
    strings: tuple[str, ...] = tuple(STRINGS)
    shows: tuple[str, ...] = ()  # pages that show what was stored (escaping is checked there)
    after_accept: Callable[[dict], None] | None = None  # put the world back after a success


PROFILE_FIELDS = {
    "title_prefix": "name",
    "first_name": "name",
    "last_name": "name",
    "position": "text!",
    "agency": "text!",
    "district": "text!",
    "province": "text!",
    "phone": "strict",
}


def profile_data(world: dict) -> dict:
    return {
        "title_prefix": "นางสาว",
        "first_name": "กิ่งแก้ว",
        "last_name": "ปิ่นทอง",
        "position": "นักวิชาการพัฒนาชุมชน",
        "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        "district": "วังทอง",
        "province": "พิษณุโลก",
        "phone": "081-234-5678",
    }


def signup_data(world: dict) -> dict:
    return {
        **profile_data(world),
        "email": f"new{next(_emails)}@example.go.th",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "consent": "y",
    }


def newest(model):
    return lambda world, name: getattr(
        db.session.scalars(select(model).order_by(model.id.desc())).first(), name
    )


def user_field(world: dict, name: str) -> Any:
    db.session.expire_all()
    return getattr(db.session.get(User, world["officer_id"]), name)


def reset_password(world: dict) -> None:
    """Put the password back, and the session generation the change moved on (which ended the
    session cookie the next case signs in with)."""
    user = db.session.get(User, world["officer_id"])
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    user.session_generation = 0
    db.session.commit()


def workshop_data(world: dict) -> dict:
    return {
        "title": "อบรมการใช้ข้อมูล จปฐ.",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "objectives": "",
        "topics": "",
        "venue_id": str(world["venue_id"]),
        "capacity": "60",
        "opens_day": "01/11/2558",
        "opens_time": "08:30",
        "closes_day": "15/11/2558",
        "closes_time": "16:30",
        "attendance_threshold": "80",
        "certificate_kind": "เกียรติบัตร",
        "presiding_official": "",
        "signatory_name": "",
        "signatory_position": "",
        "sessions-0-day": "19/11/2558",
        "sessions-0-starts": "08:30",
        "sessions-0-ends": "12:00",
        "sessions-0-title": "ภาคเช้า",
    }


def workshop_field(world: dict, name: str, workshop_id: int | None = None) -> Any:
    db.session.expire_all()
    if workshop_id is None:
        workshop = db.session.scalars(select(Workshop).order_by(Workshop.id.desc())).first()
    else:
        workshop = db.session.get(Workshop, workshop_id)
    if name.startswith("sessions-0-"):
        return workshop.sessions[0].title
    return getattr(workshop, name)


VENUE_FORM = {
    "name": "text!",
    "address": "text",
    "district": "text",
    "province": "text",
    "capacity": "strict",
}

WORKSHOP_FORM = {
    "title": "text!",
    "organizing_agency": "agency",
    "objectives": "text",
    "topics": "text",
    "venue_id": "strict",
    "capacity": "strict",
    "opens_day": "strict",
    "opens_time": "strict?",
    "closes_day": "strict",
    "closes_time": "strict?",
    "attendance_threshold": "strict",
    "certificate_kind": "strict",
    "presiding_official": "text",
    "signatory_name": "text",
    "signatory_position": "text",
    "sessions-0-title": "text",
    "sessions-0-day": "strict",
    "sessions-0-starts": "strict",
    "sessions-0-ends": "strict",
}

FORMS: dict[str, FormCase] = {
    "signup": FormCase(
        "/auth/signup",
        None,
        signup_data,
        {**PROFILE_FIELDS, "email": "strict", "password": "password"},
        stored=newest(User),
    ),
    "login": FormCase(
        "/auth/login",
        None,
        lambda w: {"email": "officer@example.go.th", "password": PASSWORD},
        {"email": "secret", "password": "secret"},
    ),
    "profile": FormCase(
        "/auth/profile",
        "officer",
        lambda w: {**profile_data(w), "email": "officer@example.go.th"},
        {**PROFILE_FIELDS, "email": "strict"},
        stored=user_field,
        strings=PATCH_STRINGS,  # the same fields as sign-up, tried with every string
    ),
    "password": FormCase(
        "/auth/password",
        "officer",
        lambda w: {"current": PASSWORD, "new": "ใหม่-2559-ยาวพอ", "again": "ใหม่-2559-ยาวพอ"},
        {"current": "secret", "new": "password"},
        after_accept=reset_password,
    ),
    "venue_new": FormCase(
        "/organizer/venues/new",
        "organizer",
        lambda w: {"name": "ห้องประชุม", "capacity": "50"},
        VENUE_FORM,
        stored=newest(Venue),
        shows=("/organizer/venues",),
    ),
    "venue_edit": FormCase(
        "/organizer/venues/{venue_id}/edit",
        "organizer",
        lambda w: {"name": "ห้องประชุมใหญ่", "capacity": "300"},
        VENUE_FORM,
        stored=lambda w, name: getattr(db.session.get(Venue, w["venue_id"]), name),
        strings=PATCH_STRINGS,
    ),
    "workshop_new": FormCase(
        "/organizer/workshops/new",
        "organizer",
        workshop_data,
        WORKSHOP_FORM,
        stored=workshop_field,
        shows=("/organizer/workshops",),  # a new workshop is a draft: not on public pages
    ),
    "workshop_edit": FormCase(
        "/organizer/workshops/{draft_id}/edit",
        "organizer",
        lambda w: {**workshop_data(w), "sessions-0-id": str(w["draft_session_id"])},
        {
            name: kind
            for name, kind in WORKSHOP_FORM.items()
            if kind != "strict" or name in ("capacity", "opens_day", "sessions-0-day")
        },
        stored=lambda w, name: workshop_field(w, name, w["draft_id"]),
        strings=PATCH_STRINGS,
        shows=("/organizer/workshops/{draft_id}",),
    ),
    "walk_in": FormCase(
        "/organizer/workshops/{workshop_id}/walk-in",
        "organizer",
        lambda w: {**profile_data(w), "email": "", "consent": "y"},
        {**PROFILE_FIELDS, "email": "strict?"},
        stored=newest(User),
        strings=(*PATCH_STRINGS, "img"),  # sign-up's fields; markup is shown in the list
        shows=("/organizer/workshops/{workshop_id}/registrations",),
    ),
    "workshop_cancel": FormCase(
        "/organizer/workshops/{workshop_id}/cancel",
        "organizer",
        lambda w: {"reason": "ห้องประชุมไม่ว่าง"},
        {"reason": "text!"},
        stored=lambda w, name: workshop_field(w, "cancel_reason", w["workshop_id"]),
        after_accept=lambda w: uncancel(w["workshop_id"]),
    ),
}


def uncancel(workshop_id: int) -> None:
    """Put a cancelled workshop back (only a test may), so the next reason can be tried."""
    workshop = db.session.get(Workshop, workshop_id)
    workshop.status, workshop.cancelled_at, workshop.cancel_reason = "published", None, ""
    db.session.commit()


def form_cases(case: FormCase):
    for path, kind in case.fields.items():
        strict = kind.startswith("strict")
        names = [n for n in (STRICT_STRINGS if strict else case.strings) if n in case.strings]
        for name in names:
            yield path, kind, name, STRINGS[name]


def form_verdict(kind: str, name: str, value: str) -> tuple[str, Any]:
    if kind == "strict?":
        return (ACCEPT, None) if name == "empty" else (REFUSE, None)
    return verdict(kind, name, value)


FIELD_ERROR = (
    r'<div class="field[^"]*has-error[^"]*">(?:(?!<div class="field).)*?name="{name}"'
    r'(?:(?!<div class="field).)*?<p class="error"[^>]*>[^<]*[\u0e00-\u0e7f]'
)


def shows_thai_error(html: str, name: str, kind: str) -> bool:
    """A Thai message at the field (credentials: at either field, so as not to say which; a
    session row: at the row, whose day field says what is missing)."""
    html = re.sub(r'value="[^"]{200,}"', 'value=""', html)  # a 1 MB value would slow the search
    if kind == "secret":
        pattern = '[^"]+'
    elif name.startswith("sessions-"):
        pattern = re.escape(name.rsplit("-", 1)[0]) + '-[^"]+'
    else:
        pattern = re.escape(name)
    return re.search(FIELD_ERROR.format(name=pattern), html, re.S) is not None


def form_world() -> dict:
    people = make_people()
    organizer = people["organizer"]
    venue = create_venue(
        VenueInput(name="ห้องประชุม", address="", district="", province="", capacity=200),
        organizer,
    )
    workshop = running_workshop(venue, organizer)
    draft = create_workshop(workshop_input(venue), organizer)
    return {
        "venue_id": venue.id,
        "workshop_id": workshop.id,
        "draft_id": draft.id,
        "draft_session_id": draft.sessions[0].id,
        "officer_id": people["officer"].id,
        "people": people,
    }


@pytest.mark.parametrize("form_name", FORMS)
def test_form_fields(app, form_name):
    case = FORMS[form_name]
    world = form_world()
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    if case.caller:
        login(client, world["people"][case.caller])
    url = case.page.format(**world)
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    cookie = client.get_cookie("session").value
    problems = []
    for path, kind, name, value in form_cases(case):
        client.set_cookie("session", cookie)  # as signed in, whatever the last case did
        data = {**case.data(world), path: value, "csrf_token": token}
        if kind == "password":
            data[{"password": "password_again", "new": "again"}[path]] = value
        expected, stored = form_verdict(kind, name, value)
        before = total_rows() if expected == REFUSE else None
        response = client.post(url, data=data)
        html = response.get_data(as_text=True)
        where = f"POST {case.page} {path}={name}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
            continue
        if any(markup in html for markup in RAW_MARKUP):
            problems.append(f"{where}: markup echoed unescaped")
        if expected == REFUSE:
            if response.status_code != 422:
                problems.append(f"{where}: expected the form (422), got {response.status_code}")
            elif not shows_thai_error(html, path, kind):
                problems.append(f"{where}: no Thai message at the field")
            if total_rows() != before:
                problems.append(f"{where}: refused, yet rows were written")
        else:
            if response.status_code != 302:
                problems.append(f"{where}: expected acceptance (302), got {response.status_code}")
            elif case.stored and stored is not None and case.stored(world, path) != stored:
                problems.append(f"{where}: stored {case.stored(world, path)!r}")
            if case.after_accept:
                case.after_accept(world)
    client.set_cookie("session", cookie)
    for page in case.shows:
        html = client.get(page.format(**world)).get_data(as_text=True)
        if any(markup in html for markup in RAW_MARKUP):
            problems.append(f"GET {page}: stored markup shown unescaped")
        if "&lt;script&gt;alert(1)&lt;/script&gt;" not in html:
            problems.append(f"GET {page}: the stored text is not shown (escaped)")
    assert not problems, "\n".join(problems)


# ================================================================ one-off inputs


def test_bodies_over_the_size_limit_are_refused_with_413(app):
    world = form_world()
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    token = issue_api_token(world["people"]["organizer"], 1)
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before = total_rows()

    api = client.post(
        "/api/v1/venues",
        data='{"name": "' + too_big + '", "capacity": 5}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert api.status_code == 413
    assert api.json["error"]["code"] == "payload_too_large"

    login(client, world["people"]["organizer"])
    token = csrf_token_from(client.get("/organizer/venues/new").get_data(as_text=True))
    page = client.post(
        "/organizer/venues/new", data={"csrf_token": token, "name": too_big, "capacity": "5"}
    )
    assert page.status_code == 413
    assert "ข้อมูลใหญ่เกินไป" in page.get_data(as_text=True)
    assert total_rows() == before


QUERIES = [
    # (URL with {value}, caller, statuses allowed)
    ("/api/v1/workshops?status={value}", None, {422}),
    ("/api/v1/workshops/{workshop_id}/attendees?q={value}", "staff", {200}),
    ("/api/v1/workshops/{workshop_id}/roster?session_id={value}", "staff", {422}),
    ("/api/v1/workshops/{workshop_id}/registrations?status={value}", "organizer", {200, 422}),
    ("/api/v1/certificates/{value}", None, {404}),
]
PAGES = [
    ("/organizer/workshops/{workshop_id}/registrations?agency={value}&district={value}", {200}),
    ("/organizer/workshops?status={value}", {200}),
    ("/checkin?workshop_id={value}", {404}),  # no workshop can have such an id
    ("/verify?code={value}", {404}),
    ("/verify/{value}", {404}),
]


def nul_allowed(url: str, allowed: set[int]) -> set[int]:
    """A NUL is refused before any view (web.request_input): in a path segment as not found,
    in a query string as 400 on pages and 422 on the API."""
    if "{value}" in url.split("?")[0]:
        return {404}
    return {422} if url.startswith("/api/") else {400}


def test_query_strings_never_break_a_page(app):
    from urllib.parse import quote

    world = form_world()
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    login(client, world["people"]["organizer"])
    tokens = {r: issue_api_token(u, 1) for r, u in world["people"].items()}
    problems = []
    for name in (*STRICT_STRINGS[1:], "control", "rtl_override", "zero_width", "script", "img"):
        value = quote(STRINGS[name][:5000], safe="")  # URLs stop short of a megabyte
        for url, caller, allowed in QUERIES:
            allowed = nul_allowed(url, allowed) if name == "nul" else allowed
            headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller else {}
            response = client.get(url.format(value=value, **world), headers=headers)
            if response.status_code not in allowed or (
                response.status_code >= 400 and not is_error_shape(response.json)
            ):
                problems.append(f"{url} {name}: {response.status_code}")
        for url, allowed in PAGES:
            allowed = nul_allowed(url, allowed) if name == "nul" else allowed
            response = client.get(url.format(value=value, **world))
            html = response.get_data(as_text=True)
            if response.status_code not in allowed or any(m in html for m in RAW_MARKUP):
                problems.append(f"{url} {name}: {response.status_code}")
    assert not problems, "\n".join(problems)

    # Search takes % and _ as typed, not as wildcards that match everybody.
    workshop = db.session.get(Workshop, world["workshop_id"])
    seat(workshop, world["people"]["officer"], world["people"]["organizer"])
    search = f"/api/v1/workshops/{workshop.id}/attendees?q="
    headers = {"Authorization": f"Bearer {tokens['staff']}"}
    assert len(client.get(search + quote("ทดสอบ"), headers=headers).json) == 1
    assert client.get(search + "%25%25", headers=headers).json == []
    assert client.get(search + "__", headers=headers).json == []


def test_reasons_and_email_of_registration_and_certificate_actions(app):
    """Revoke/grant reasons, the organizer's cancel reason and register-on-behalf e-mail: bad
    ones are refused with a Thai message and nothing changes; a harmless reason with markup is
    kept verbatim and shown escaped on the public verification page."""
    from tests.support import finished_workshop
    from workshop.models import Certificate, Registration
    from workshop.services.certificates import format_code, issue_certificate

    world = form_world()
    people = world["people"]
    organizer = people["organizer"]
    venue = db.session.get(Venue, world["venue_id"])
    workshop = finished_workshop(venue, organizer, sessions=1)
    registration = seat(workshop, people["officer"], organizer, attended=1)
    certificate = issue_certificate(registration.id, actor=organizer)
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    login(client, organizer)
    token = csrf_token_from(client.get("/organizer/venues/new").get_data(as_text=True))
    revoke = f"/organizer/registrations/{registration.id}/certificate/revoke"
    grant = f"/organizer/registrations/{registration.id}/certificate/grant"
    cancel = f"/organizer/registrations/{registration.id}/cancel"
    on_behalf = f"/organizer/workshops/{workshop.id}/registrations"
    problems = []
    refused = ("empty", "huge", "control", "nul", "rtl_override")
    for url, field_name, names in (
        (revoke, "reason", refused),
        (cancel, "reason", refused[1:]),  # an empty reason is fine for a cancellation
        (on_behalf, "email", STRICT_STRINGS),
    ):
        for name in names:
            before = total_rows()
            response = client.post(
                url, data={"csrf_token": token, field_name: STRINGS[name]}, follow_redirects=True
            )
            html = response.get_data(as_text=True)
            flashed = re.search(r'class="flash flash-error"[^>]*>[^<]*[\u0e00-\u0e7f]', html)
            if response.status_code != 200 or not flashed:
                problems.append(f"{url} {field_name}={name}: {response.status_code}, no message")
            if total_rows() != before:
                problems.append(f"{url} {field_name}={name}: rows were written")
            if any(m in html for m in RAW_MARKUP):
                problems.append(f"{url} {field_name}={name}: markup echoed unescaped")
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    assert not db.session.get(Certificate, certificate.id).revoked
    assert not problems, "\n".join(problems)

    markup = STRINGS["script"] + STRINGS["img"]
    client.post(revoke, data={"csrf_token": token, "reason": "ab\u200bc " + markup})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoke_reason == "abc " + markup
    page = client.get(f"/verify/{format_code(certificate.code)}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(m in page for m in RAW_MARKUP)
    client.post(grant, data={"csrf_token": token, "reason": STRINGS["hyperlink"]})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).grant_reason == STRINGS["hyperlink"]


def png_bytes(width: int = 64, height: int = 32) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 40, 120)).save(buffer, "PNG")
    return buffer.getvalue()


UPLOADS = {
    # name: (kind field, file bytes or None for no file, file name)
    "no file": ("logo", None, None),
    "empty file": ("logo", b"", "logo.png"),
    "text named png": ("logo", b"' OR 1=1 --", "logo.png"),
    "svg with script": (
        "logo",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "x.svg",
    ),
    "over 2 MB": ("logo", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * MB), "big.png"),
    "truncated png": ("logo", png_bytes()[:40], "cut.png"),
    "tiny png": ("logo", png_bytes(4, 4), "tiny.png"),
    "kind empty": ("", png_bytes(), "logo.png"),
    "kind sql": (STRINGS["sql"], png_bytes(), "logo.png"),
    "kind nul": (STRINGS["nul"], png_bytes(), "logo.png"),
    "kind script": (STRINGS["script"], png_bytes(), "logo.png"),
}


def test_certificate_image_uploads(app):
    import io

    world = form_world()
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    login(client, world["people"]["organizer"])
    url = f"/organizer/workshops/{world['workshop_id']}/certificate-images"
    token = csrf_token_from(client.get("/organizer/venues/new").get_data(as_text=True))
    problems = []
    for name, (kind, data, filename) in UPLOADS.items():
        form: dict[str, Any] = {"csrf_token": token, "kind": kind}
        if data is not None:
            form["file"] = (io.BytesIO(data), filename)
        before = total_rows()
        response = client.post(url, data=form, follow_redirects=True)
        html = response.get_data(as_text=True)
        if response.status_code != 200 or not re.search(
            r'class="flash flash-error"[^>]*>[^<]*[\u0e00-\u0e7f]', html
        ):
            problems.append(f"{name}: {response.status_code}, no Thai message")
        if total_rows() != before:
            problems.append(f"{name}: rows were written")
        if any(m in html for m in RAW_MARKUP):
            problems.append(f"{name}: markup echoed unescaped")
    form = {"csrf_token": token, "kind": "logo", "file": (io.BytesIO(png_bytes()), "ok.png")}
    assert client.post(url, data=form).status_code == 302
    assert client.get(f"{url}/logo").data == png_bytes()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_walk_in_refused_by_the_workshop_leaves_no_account_behind(app, status):
    from workshop.services.workshops import change_status

    world = form_world()
    organizer = world["people"]["organizer"]
    workshop = db.session.get(Workshop, world["workshop_id"])
    if status == "cancelled":
        change_status(workshop, status, organizer, reason="ทดสอบ")
    else:
        workshop.status = status  # a published workshop cannot go back to draft by the rules
        db.session.commit()
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    login(client, organizer)
    url = f"/organizer/workshops/{workshop.id}/walk-in"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    before = total_rows()

    response = client.post(url, data={**profile_data(world), "consent": "y", "csrf_token": token})

    assert response.status_code == 422
    assert "การอบรมนี้ยังไม่เผยแพร่หรือถูกยกเลิกแล้ว" in response.get_data(as_text=True)
    assert total_rows() == before
