"""Offices, and the one rule of who sees what of which office.

The scope rule: an organizer or a door staff member sees the records of their own office and,
when it is a provincial office, of the district offices under it (``parent_id``). Everything
else does not exist for them (404). Officers are not scoped by office (they see what is theirs,
``services.registrations.get_registration``), and admins manage offices and accounts only.

Every list and lookup applies the rule through ``office_filter`` (a SQL condition with the
offices in a subquery, so a list page pays no extra statement, let alone one per row) or
``require_visible`` (one lookup for the record named in a URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, func, or_, select

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    Office,
    RefusedScan,
    Registration,
    Role,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.models.types import INT32_MAX
from workshop.services.audit import record_event
from workshop.services.errors import NotFound, ValidationFailed
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction
from workshop.thai.districts import find_district, province_codes
from workshop.thai.names import thai_sort_key

SCOPED_ROLES = (Role.ORGANIZER.value, Role.STAFF.value)
# What an officer picks when their office is not in the list; they then type its name.
OTHER_OFFICE = "other"
# For callers that looked the typed name up already (imports): the text stands as typed.
TYPED_AS_IS = "typed"


# ---------------------------------------------------------------- the scope rule


def _office_ids_query(office_id: Any):
    return select(Office.id).where(or_(Office.id == office_id, Office.parent_id == office_id))


def office_condition(column: Any, office_id: Any) -> ColumnElement[bool]:
    """The rule as SQL: ``column`` (an office id) is ``office_id`` or one of its district
    offices. ``office_id`` may be a bind parameter (prebuilt statements at the door)."""
    return column.in_(_office_ids_query(office_id))


def office_filter(column: Any, user: User | None) -> ColumnElement[bool]:
    """The SQL condition "``column`` (an office id) is one the user may see"."""
    if not is_scoped(user) or user.office_id is None:  # type: ignore[union-attr]
        return false()
    return office_condition(column, user.office_id)  # type: ignore[union-attr]


def is_scoped(user: User | None) -> bool:
    """Whether the office rule decides what this user sees (organizers and door staff)."""
    return user is not None and getattr(user, "role", None) in SCOPED_ROLES


def visible_office_ids(user: User | None) -> frozenset[int]:
    """The offices whose records the user sees: their own and, for a provincial office, its
    district offices. Empty for anyone else, and for an organizer without an office."""
    if not is_scoped(user) or user.office_id is None:  # type: ignore[union-attr]
        return frozenset()
    return frozenset(db.session.scalars(_office_ids_query(user.office_id)))  # type: ignore[union-attr]


def sees_office(user: User | None, office_id: int | None) -> bool:
    return office_id is not None and office_id in visible_office_ids(user)


def _not_found() -> NotFound:
    return NotFound(str(_l("ไม่พบข้อมูลที่ต้องการ")))


# URL variables that name a record of an office, and how to reach its workshop from it.
_WAY_TO_WORKSHOP = {
    "workshop_id": lambda q, i: q.where(Workshop.id == i),
    "registration_id": lambda q, i: q.join(
        Registration, Registration.workshop_id == Workshop.id
    ).where(Registration.id == i),
    "session_id": lambda q, i: q.join(
        WorkshopSession, WorkshopSession.workshop_id == Workshop.id
    ).where(WorkshopSession.id == i),
    "checkin_id": lambda q, i: (
        q.join(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
        .join(CheckIn, CheckIn.session_id == WorkshopSession.id)
        .where(CheckIn.id == i)
    ),
    "refused_id": lambda q, i: (
        q.join(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
        .join(RefusedScan, RefusedScan.session_id == WorkshopSession.id)
        .where(RefusedScan.id == i)
    ),
}
SCOPED_URL_VARIABLES = frozenset(_WAY_TO_WORKSHOP)


def require_visible(user: User | None, **ids: object) -> None:
    """Raise ``NotFound`` unless every record named (``workshop_id=``, ``registration_id=``,
    ``session_id=``, ``checkin_id=``, ``refused_id=``) belongs to an office the user sees.

    Only for scoped users (organizers, staff); for others this checks nothing (their own
    rules apply). A record that does not exist passes: the view's own lookup answers 404.
    One statement per record named.
    """
    if not is_scoped(user):
        return
    visible = office_filter(Workshop.office_id, user)
    for name, value in ids.items():
        if value is None or name not in _WAY_TO_WORKSHOP:
            continue
        query = _WAY_TO_WORKSHOP[name](select(visible).select_from(Workshop), value)
        if db.session.scalar(query) is False:
            raise _not_found()


def managed_workshop(workshop_id: int, user: User | None) -> Workshop:
    """A workshop of an office the organizer or staff member sees, whatever its status."""
    workshop = db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id, office_filter(Workshop.office_id, user))
    )
    if workshop is None:
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    return workshop


# ---------------------------------------------------------------- offices


@dataclass
class OfficeInput:
    name: str
    short_name: str = ""
    parent_id: int | None = None
    province: str = ""
    district: str = ""


def normalise_name(text: str | None) -> str:
    """An office name as compared and stored: whitespace runs as one space, ends trimmed."""
    return re.sub(r"\s+", " ", text or "").strip()


def list_offices() -> list[Office]:
    """Every office, provincial offices first, each followed by its district offices."""
    offices = sorted(db.session.scalars(select(Office)), key=lambda o: thai_sort_key(o.name))
    children: dict[int | None, list[Office]] = {}
    for office in offices:
        children.setdefault(office.parent_id, []).append(office)
    ordered: list[Office] = []

    def visit(parent: int | None) -> None:
        for office in children.get(parent, []):
            ordered.append(office)
            visit(office.id)

    visit(None)
    known = {o.id for o in ordered}
    return ordered + [o for o in offices if o.id not in known]


def offices_for(user: User) -> list[Office]:
    """The offices an organizer may put a workshop under (their own and its district offices)."""
    return list(
        db.session.scalars(
            select(Office)
            .where(office_filter(Office.id, user))
            .order_by(Office.parent_id.is_not(None), Office.name)
        )
    )


def _spaceless(value):
    return re.sub(r"\s+", "", value) if isinstance(value, str) else func.replace(value, " ", "")


def office_by_name(name: str | None) -> Office | None:
    """The office with this name, whatever the spaces (Thai writes none between words, so
    "สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก" is the same office)."""
    name = _spaceless(normalise_name(name))
    if not name or len(name) > Office.NAME_MAX or "\x00" in name:
        return None  # no office is called this (and PostgreSQL refuses NUL in text)
    return db.session.scalar(select(Office).where(_spaceless(Office.name) == name).limit(1))


def _validate(data: OfficeInput, office: Office | None) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, limit, required in (
        ("name", Office.NAME_MAX, True),
        ("short_name", Office.SHORT_NAME_MAX, False),
    ):
        try:
            values[name] = normalise_name(
                clean_text(getattr(data, name), max_length=limit, required=required)
            )
        except TextRejected as exc:
            errors[name] = str(exc)
    same = office_by_name(str(values.get("name", "")))
    taken = same.id if same is not None else None
    if "name" in values and taken is not None and (office is None or taken != office.id):
        errors["name"] = str(_l("มีหน่วยงานชื่อนี้แล้ว"))
    parent = _office(data.parent_id)
    if data.parent_id and parent is None:
        errors["parent_id"] = str(_l("ไม่พบหน่วยงานต้นสังกัดนี้"))
    elif parent is not None and (
        parent.parent_id is not None or (office is not None and parent.id == office.id)
    ):
        # Two levels only: a province's office and its district offices.
        errors["parent_id"] = str(_l("หน่วยงานต้นสังกัดต้องเป็นสำนักงานระดับจังหวัด"))
    values["parent_id"] = parent.id if parent is not None else None
    province = normalise_name(data.province)
    district = normalise_name(data.district)
    values.update(province="", province_code="", district="", district_code="")
    if province:
        code = province_codes().get(province)
        if code is None:
            errors["province"] = str(_l("ไม่พบจังหวัดนี้"))
        else:
            values.update(province=province, province_code=code)
    if district:
        found = find_district(province, district) if province else None
        if found is None:
            errors["district"] = str(_l("ไม่พบอำเภอนี้ในจังหวัดที่เลือก"))
        else:
            values.update(district=found.name, district_code=found.code)
    if errors:
        raise ValidationFailed(errors)
    return values


def _office(office_id: int | None) -> Office | None:
    """The office with this id; None for no id, or one no database integer holds."""
    if not isinstance(office_id, int) or not 0 < office_id <= INT32_MAX:
        return None
    return db.session.get(Office, office_id)


def create_office(data: OfficeInput, actor: User | None) -> Office:
    with write_transaction():
        office = Office(**_validate(data, None))
        db.session.add(office)
        db.session.flush()
        record_event(actor, "office.create", office, {"name": office.name})
    return office


def update_office(office_id: int, data: OfficeInput, actor: User | None) -> Office:
    with write_transaction():
        office = db.session.get(Office, office_id)
        if office is None:
            raise NotFound(str(_l("ไม่พบหน่วยงานนี้")))
        values = _validate(data, office)
        if values["parent_id"] is not None and db.session.scalar(
            select(Office.id).where(Office.parent_id == office.id).limit(1)
        ):
            raise ValidationFailed(
                {"parent_id": str(_l("หน่วยงานนี้มีหน่วยงานในสังกัด จึงสังกัดหน่วยงานอื่นไม่ได้"))}
            )
        for key, value in values.items():
            setattr(office, key, value)
        record_event(actor, "office.update", office, {"name": office.name})
    return office


def get_office(office_id: int) -> Office:
    office = db.session.get(Office, office_id)
    if office is None:
        raise NotFound(str(_l("ไม่พบหน่วยงานนี้")))
    return office


def resolve_officer_office(choice: str | None, typed: str | None) -> tuple[int | None, str]:
    """An officer's office from the pick list: (office id, agency text to store).

    ``choice`` is an office id, ``OTHER_OFFICE`` ("อื่น ๆ") or empty; with "อื่น ๆ" or nothing
    picked the typed name counts, and names an office when it is one (whitespace aside)."""
    if choice == TYPED_AS_IS:
        return None, typed or ""
    if choice and choice != OTHER_OFFICE:
        # Only what a database integer holds is looked up (a bigger number is no office).
        known = choice.isascii() and choice.isdigit() and int(choice) <= INT32_MAX
        office = db.session.get(Office, int(choice)) if known else None
        if office is None:
            raise ValidationFailed({"office_choice": str(_l("กรุณาเลือกหน่วยงานจากรายการ"))})
        return office.id, office.name
    office = office_by_name(typed)
    if office is not None:
        return office.id, office.name
    return None, typed or ""


# ---------------------------------------------------------------- accounts of an office

STAFF_ROLES = (Role.ADMIN.value, Role.ORGANIZER.value, Role.STAFF.value)


def list_staff_accounts() -> list[User]:
    """Admins, organizers and door staff, by office then name (the admin's accounts page)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(STAFF_ROLES), User.deleted_at.is_(None))
            .order_by(User.office_id, User.role, User.first_name)
        )
    )


def set_account_office(user_id: int, office_id: int | None, active: bool, actor: User) -> User:
    """Move an organizer's or staff member's account to another office, or (de)activate it."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None or user.role not in STAFF_ROLES or user.deleted_at is not None:
            raise NotFound(str(_l("ไม่พบบัญชีนี้")))
        if office_id is not None and _office(office_id) is None:
            raise ValidationFailed({"office_id": str(_l("ไม่พบหน่วยงานนี้"))})
        if user.role in SCOPED_ROLES and office_id is None:
            raise ValidationFailed({"office_id": str(_l("ผู้จัดและเจ้าหน้าที่ต้องสังกัดหน่วยงาน"))})
        if user.id == actor.id and not active:
            raise ValidationFailed({"active": str(_l("ปิดบัญชีของตนเองไม่ได้"))})
        before = (user.office_id, user.active)
        user.office_id = office_id
        user.active = active
        if before != (office_id, active):
            record_event(
                actor,
                "user.office",
                user,
                {"from": before[0], "to": office_id, "active": active},
            )
    return user
