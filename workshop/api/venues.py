"""Venue endpoints of the API (organizers only)."""

from __future__ import annotations

from dataclasses import replace

from flask import g, url_for

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import INT32_MAX, VenueCreate, VenueOut, VenuePatch, parse_body, to_json
from workshop.api.versions import etag, if_match_version
from workshop.models import Role
from workshop.services.venues import (
    VenueInput,
    create_venue,
    get_venue,
    list_venues,
    update_venue,
    venue_input,
)

VENUE_ID = f"<int(max={INT32_MAX}):venue_id>"


@api_bp.post("/venues")
@api_auth(Role.ORGANIZER)
def venue_create():
    body = parse_body(VenueCreate)
    venue = create_venue(VenueInput(**body.model_dump()), g.api_user)
    location = url_for(".venue_get", venue_id=venue.id)
    return to_json(VenueOut, venue), 201, {"Location": location, **etag(venue.version)}


@api_bp.get("/venues")
@api_auth(Role.ORGANIZER)
def venue_list():
    return [to_json(VenueOut, venue) for venue in list_venues()]


@api_bp.get(f"/venues/{VENUE_ID}")
@api_auth(Role.ORGANIZER)
def venue_get(venue_id: int):
    venue = get_venue(venue_id)
    return to_json(VenueOut, venue), 200, etag(venue.version)


@api_bp.patch(f"/venues/{VENUE_ID}")
@api_auth(Role.ORGANIZER)
def venue_patch(venue_id: int):
    venue = get_venue(venue_id)
    data = replace(venue_input(venue), **parse_body(VenuePatch).changes())
    venue = update_venue(venue, data, g.api_user, expected_version=if_match_version())
    return to_json(VenueOut, venue), 200, etag(venue.version)
