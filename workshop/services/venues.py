"""Venues: where workshops are held."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workshop.extensions import db
from workshop.models import User, Venue, Workshop
from workshop.services.audit import record_event
from workshop.services.errors import NotFound, ValidationFailed, check_version
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction


@dataclass
class VenueInput:
    name: str
    capacity: int
    address: str = ""
    district: str = ""
    province: str = ""


def _validated(data: VenueInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for field, limit, required in (
        ("name", Venue.NAME_MAX, True),
        ("address", Venue.ADDRESS_MAX, False),
        ("district", Venue.AREA_MAX, False),
        ("province", Venue.AREA_MAX, False),
    ):
        try:
            values[field] = clean_text(getattr(data, field), max_length=limit, required=required)
        except TextRejected as exc:
            errors[field] = str(exc)
    capacity = data.capacity
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        errors["capacity"] = str(_l("ความจุต้องเป็นจำนวนเต็ม"))
    elif not 1 <= capacity <= Venue.CAPACITY_MAX:
        errors["capacity"] = str(_l("ความจุต้องอยู่ระหว่าง 1 ถึง %(max)d คน", max=Venue.CAPACITY_MAX))
    values["capacity"] = capacity
    if errors:
        raise ValidationFailed(errors)
    return values


def venue_problems(data: VenueInput) -> dict[str, str]:
    """Every rule ``data`` breaks (without saving), for a form showing all problems at once."""
    try:
        _validated(data)
    except ValidationFailed as exc:
        return exc.fields
    return {}


def get_venue(venue_id: int) -> Venue:
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(str(_l("ไม่พบสถานที่นี้")))
    return venue


def lock_venue(venue_id: int, *, shared: bool = False) -> Venue | None:
    """The venue, reloaded with its row locked until commit: for update to change the room,
    ``shared`` to plan a workshop in it. The two wait for each other on PostgreSQL, so a room
    never shrinks below a workshop being saved at the same moment (on SQLite the database's
    write lock that ``write_transaction`` takes orders them already)."""
    return db.session.scalar(
        select(Venue)
        .where(Venue.id == venue_id)
        .with_for_update(read=shared)
        .execution_options(populate_existing=True)
    )


def list_venues() -> list[Venue]:
    return list(db.session.scalars(select(Venue).order_by(Venue.province, Venue.name)))


def create_venue(data: VenueInput, actor: User | None) -> Venue:
    """Create a venue after checking its text and room capacity."""
    values = _validated(data)
    with write_transaction():
        venue = Venue(**values)
        db.session.add(venue)
        db.session.flush()
        record_event(actor, "venue.create", venue, {"name": venue.name})
    return venue


def venue_input(venue: Venue) -> VenueInput:
    """The venue as it is stored, as input: the starting point of a partial change."""
    return VenueInput(
        name=venue.name,
        capacity=venue.capacity,
        address=venue.address,
        district=venue.district,
        province=venue.province,
    )


def update_venue(
    venue: Venue, data: VenueInput, actor: User | None, *, expected_version: int | None = None
) -> Venue:
    """Change a venue; the room cannot shrink below a workshop already planned in it.

    ``expected_version``: the version the editor loaded (edit form, API If-Match); if the
    venue changed since, ``EditConflict`` says how and nothing is saved.
    """
    with write_transaction():
        locked = lock_venue(venue.id)
        if locked is None:
            raise NotFound(str(_l("ไม่พบสถานที่นี้")))
        venue = locked
        check_version(venue.version, expected_version, asdict(data), asdict(venue_input(venue)))
        values = _validated(data)
        largest = db.session.scalar(
            select(func.max(Workshop.capacity)).where(Workshop.venue_id == venue.id)
        )
        if largest is not None and values["capacity"] < largest:
            raise ValidationFailed(
                {
                    "capacity": str(
                        _l(
                            "มีการอบรมที่รับ %(n)d คนใช้ห้องนี้อยู่ ความจุห้องต้องไม่น้อยกว่านั้น",
                            n=largest,
                        )
                    )
                }
            )
        for key, value in values.items():
            setattr(venue, key, value)
        record_event(actor, "venue.update", venue, {"name": venue.name})
    return venue
