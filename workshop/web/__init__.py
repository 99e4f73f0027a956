"""HTML blueprints, sign-in wiring and error pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workshop.extensions import db, login_manager
from workshop.models import User

ERROR_TEXT = {
    400: (_l("คำขอไม่ถูกต้อง"), _l("ข้อมูลที่ส่งมาอ่านไม่ได้ กรุณาลองใหม่")),
    403: (_l("ไม่มีสิทธิ์เข้าถึง"), _l("บัญชีของคุณไม่มีสิทธิ์เปิดหน้านี้")),
    404: (_l("ไม่พบหน้านี้"), _l("ไม่พบหน้าหรือข้อมูลที่ต้องการ อาจถูกลบหรือพิมพ์ที่อยู่ผิด")),
    405: (_l("วิธีเรียกไม่ถูกต้อง"), _l("หน้านี้ไม่รับคำขอแบบนี้")),
    413: (_l("ข้อมูลใหญ่เกินไป"), _l("ไฟล์หรือข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด")),
    429: (_l("ส่งคำขอถี่เกินไป"), _l("ส่งคำขอถี่เกินไป กรุณารอสักครู่แล้วลองใหม่")),
    500: (_l("ระบบขัดข้อง"), _l("เกิดข้อผิดพลาดในระบบ ข้อมูลของคุณไม่ถูกบันทึกครึ่งๆ กลางๆ กรุณาลองใหม่")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, detail: str | None = None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[400])
    return render_template("error.html", status=status, title=title, text=detail or text), status


def register_web(app: Flask) -> None:
    from workshop.web import (
        audit,
        auth,
        certificates,
        checkin,
        evaluations,
        health,
        organizer,
        public,
        registration,
        reports,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(organizer.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(evaluations.bp)

    from workshop.services.officers import format_phone
    from workshop.services.registrations import registration_status_label
    from workshop.services.workshops import certificate_kind_label, status_label

    app.jinja_env.globals.update(
        status_label=status_label,
        certificate_kind_label=certificate_kind_label,
        registration_status_label=registration_status_label,
    )
    app.jinja_env.filters["phone"] = format_phone
    from workshop.web.checkin import CACHE_NAME

    app.jinja_env.globals["checkin_cache_name"] = CACHE_NAME  # forgotten on sign-out
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("กรุณาเข้าสู่ระบบก่อน")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # A deactivated or deleted account is signed out everywhere, not only where it was
        # deactivated.
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return error_page(400, str(_l("แบบฟอร์มหมดอายุหรือไม่ได้ส่งจากหน้านี้ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            from workshop.api.errors import http_error_json

            return http_error_json(error)
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            from workshop.api.errors import json_error

            return json_error(500, "internal_error", str(_l("เกิดข้อผิดพลาดในระบบ")))
        return error_page(500)

    from workshop.web.security import register_security_headers

    register_security_headers(app)
