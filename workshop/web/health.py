"""``GET /healthz`` for load balancers and monitoring: the database answers, or 503."""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from sqlalchemy import text

from workshop.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: the database does not answer")
        with suppress(Exception):
            db.session.rollback()
        response = jsonify(
            {
                "status": "error",
                "error": {"code": "database_unavailable", "message": _("ฐานข้อมูลไม่ตอบสนอง")},
            }
        )
        response.status_code = 503
    else:
        db.session.rollback()  # end the read transaction; nothing was written
        response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
