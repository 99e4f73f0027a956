"""Pages anyone can open: the list of published workshops and their details."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from workshop.services.errors import NotFound
from workshop.services.registrations import (
    active_registration,
    registration_open,
)
from workshop.services.waitlist import waitlist_position
from workshop.services.workshops import get_workshop, list_workshops

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", workshops=list_workshops(current_user))


@bp.get("/workshops/<int:workshop_id>")
def workshop_detail(workshop_id: int):
    try:
        workshop = get_workshop(workshop_id, current_user)
    except NotFound:
        abort(404)
    mine = (
        active_registration(workshop.id, current_user.id) if current_user.is_authenticated else None
    )
    return render_template(
        "public/workshop.html",
        workshop=workshop,
        mine=mine,
        position=waitlist_position(mine) if mine else None,
        is_open=registration_open(workshop),
    )
