"""``GET /healthz`` for load balancers and monitoring: the database answers, or 503."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from workshop.services.transactions import database_answers

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    if database_answers():
        response = jsonify({"status": "ok"})
    else:
        response = jsonify(
            {
                "status": "error",
                "error": {"code": "database_unavailable", "message": _("ฐานข้อมูลไม่ตอบสนอง")},
            }
        )
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response
