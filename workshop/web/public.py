"""Pages anyone can open: the list of published workshops and their details."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import current_user

from workshop.services.errors import NotFound
from workshop.services.line import line_settings, share_url
from workshop.services.registrations import (
    my_place,
    registration_open,
)
from workshop.services.workshops import get_workshop, public_listing, public_state

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    listing = public_listing(current_user)
    return render_template(
        "public/index.html",
        workshops=listing.current,
        past_count=len(listing.past),
        state=public_state,
    )


@bp.get("/workshops/past")
def past():
    listing = public_listing(current_user)
    return render_template("public/past.html", workshops=listing.past, state=public_state)


@bp.get("/workshops/<int:workshop_id>")
def workshop_detail(workshop_id: int):
    try:
        workshop = get_workshop(workshop_id, current_user)
    except NotFound:
        abort(404)
    place = my_place(workshop.id, current_user.id) if current_user.is_authenticated else None
    return render_template(
        "public/workshop.html",
        workshop=workshop,
        mine=place.registration if place else None,
        position=place.waitlist_position if place else None,
        is_open=registration_open(workshop),
        state=public_state(workshop),
        line_share=_line_share(workshop.id),
    )


def _line_share(workshop_id: int) -> str | None:
    """LINE's share link for the workshop's public address, when the office uses LINE."""
    if line_settings() is None:
        return None
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return share_url(base + url_for(".workshop_detail", workshop_id=workshop_id))
