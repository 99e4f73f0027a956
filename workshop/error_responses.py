"""How a request that went wrong is answered, for pages and the API alike.

One decision (``wants_json``: is this an API request?) picks between a Thai error page for the
browser and ``{"error": {"code", "message"[, "fields"]}}`` for the API. The app's error
handlers, the API blueprint's domain-error handler and the rate limiter's 429 all answer
through here, so that nothing below the views has to reach up into ``web`` or ``api`` to say
no. A failed request's unsaved changes are discarded here too (``end_transaction``), never by
the views.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workshop.services.errors import DomainError, EditConflict, ValidationFailed
from workshop.services.transactions import end_transaction

API_PATH = "/api/"

# Page title and text per status (HTML).
PAGE_TEXT = {
    400: (_l("คำขอไม่ถูกต้อง"), _l("ข้อมูลที่ส่งมาอ่านไม่ได้ กรุณาลองใหม่")),
    403: (_l("ไม่มีสิทธิ์เข้าถึง"), _l("บัญชีของคุณไม่มีสิทธิ์เปิดหน้านี้")),
    404: (_l("ไม่พบหน้านี้"), _l("ไม่พบหน้าหรือข้อมูลที่ต้องการ อาจถูกลบหรือพิมพ์ที่อยู่ผิด")),
    405: (_l("วิธีเรียกไม่ถูกต้อง"), _l("หน้านี้ไม่รับคำขอแบบนี้")),
    413: (_l("ข้อมูลใหญ่เกินไป"), _l("ไฟล์หรือข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด")),
    429: (_l("ส่งคำขอถี่เกินไป"), _l("ส่งคำขอถี่เกินไป กรุณารอสักครู่แล้วลองใหม่")),
    500: (_l("ระบบขัดข้อง"), _l("เกิดข้อผิดพลาดในระบบ ข้อมูลของคุณไม่ถูกบันทึกครึ่งๆ กลางๆ กรุณาลองใหม่")),
}

# Error code and message per status (JSON), for HTTP errors that no service raised.
JSON_CODES = {
    400: ("bad_request", _l("คำขอไม่ถูกต้อง")),
    401: ("unauthorized", _l("ต้องยืนยันตัวตนด้วยโทเค็น (Authorization: Bearer ...)")),
    403: ("forbidden", _l("ไม่มีสิทธิ์ทำรายการนี้")),
    404: ("not_found", _l("ไม่พบข้อมูลที่ต้องการ")),
    405: ("method_not_allowed", _l("ไม่รองรับวิธีเรียกนี้")),
    413: ("payload_too_large", _l("ข้อมูลใหญ่เกินกำหนด")),
    415: ("unsupported_media_type", _l("ต้องส่งข้อมูลเป็น JSON")),
    429: ("rate_limited", _l("ส่งคำขอถี่เกินไป กรุณารอสักครู่แล้วลองใหม่")),
}


def wants_json() -> bool:
    """An API request: answered in JSON (and in the language of ``Accept-Language``)."""
    return request.path.startswith(API_PATH)


def error_page(status: int, detail: str | None = None) -> tuple[str, int]:
    """The HTML error page: a title for the status and ``detail`` (or the status's text)."""
    title, text = PAGE_TEXT.get(status, PAGE_TEXT[400])
    return render_template("error.html", status=status, title=title, text=detail or text), status


def json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    """``{"error": {"code", "message", **extra}}`` with ``status`` (401 asks for a token)."""
    body: dict[str, Any] = {"code": code, "message": str(message)}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def error_response(status: int, code: str, message: str) -> Response:
    """JSON for the API, the error page with ``message`` for a browser."""
    if wants_json():
        return json_error(status, code, message)
    return make_response(error_page(status, message))


def http_error_json(error: HTTPException) -> Response:
    status = error.code or 500
    code, message = JSON_CODES.get(status, ("http_error", error.description or ""))
    response = json_error(status, code, str(message))
    if status == 405 and "Allow" in (headers := dict(error.get_headers())):
        response.headers["Allow"] = headers["Allow"]
    return response


def domain_error_json(error: DomainError) -> Response:
    """A rule said no: its code, message and status (and ``fields``, ``Retry-After``)."""
    end_transaction()  # nothing a refused request changed may reach a later commit
    extra: dict[str, Any] = {"fields": error.fields} if isinstance(error, ValidationFailed) else {}
    if error.kept_for_organizer:
        extra["kept_for_organizer"] = True
    response = json_error(error.http_status, error.code, error.message, **extra)
    if isinstance(error, EditConflict):
        response.headers["ETag"] = f'"{error.current_version}"'  # what If-Match should name
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors, CSRF failures and anything unexpected, as a page or as JSON."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return error_page(400, str(_l("แบบฟอร์มหมดอายุหรือไม่ได้ส่งจากหน้านี้ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            return http_error_json(error)
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # The failed transaction must end before the page below reads anything (PostgreSQL
        # refuses every statement in an aborted transaction).
        end_transaction()
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "internal_error", str(_l("เกิดข้อผิดพลาดในระบบ")))
        return error_page(500)
