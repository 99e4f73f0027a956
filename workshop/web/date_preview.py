"""How a typed date is read, for the note beside date fields (static/js/forms.js asks as one
types; the same reading the form applies on submit, so the note never promises another date)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from workshop.web.fields import describe_read_date

bp = Blueprint("forms", __name__)


@bp.get("/forms/date-preview")
def date_preview():
    text = request.args.get("text", "")[:40]
    return jsonify({"text": describe_read_date(text)})
