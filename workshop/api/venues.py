"""Venue endpoints of the API (organizers only)."""

from __future__ import annotations

from dataclasses import asdict

from flask import g, url_for

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import INT32_MAX, VenueCreate, VenueOut, VenuePatch, parse_body, to_json
from workshop.models import Role
from workshop.services.venues import (
    VenueInput,
    create_venue,
    get_venue,
    list_venues,
    update_venue,
)

VENUE_ID = f"<int(max={INT32_MAX}):venue_id>"


@api_bp.post("/venues")
@api_auth(Role.ORGANIZER)
def venue_create():
    body = parse_body(VenueCreate)
    venue = create_venue(VenueInput(**body.model_dump()), g.api_user)
    location = url_for(".venue_get", venue_id=venue.id)
    return to_json(VenueOut, venue), 201, {"Location": location}


@api_bp.get("/venues")
@api_auth(Role.ORGANIZER)
def venue_list():
    return [to_json(VenueOut, venue) for venue in list_venues()]


@api_bp.get(f"/venues/{VENUE_ID}")
@api_auth(Role.ORGANIZER)
def venue_get(venue_id: int):
    return to_json(VenueOut, get_venue(venue_id))


@api_bp.patch(f"/venues/{VENUE_ID}")
@api_auth(Role.ORGANIZER)
def venue_patch(venue_id: int):
    venue = get_venue(venue_id)
    body = parse_body(VenuePatch)
    current = VenueInput(
        name=venue.name,
        capacity=venue.capacity,
        address=venue.address,
        district=venue.district,
        province=venue.province,
    )
    data = VenueInput(**{**asdict(current), **body.changes()})
    return to_json(VenueOut, update_venue(venue, data, g.api_user))
