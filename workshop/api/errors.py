"""The API's error format: ``{"error": {"code", "message"[, "fields"]}}`` with a 4xx/5xx status."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from workshop.extensions import db
from workshop.services.errors import DomainError, EditConflict, ValidationFailed

_HTTP_CODES = {
    400: ("bad_request", _l("คำขอไม่ถูกต้อง")),
    401: ("unauthorized", _l("ต้องยืนยันตัวตนด้วยโทเค็น (Authorization: Bearer ...)")),
    403: ("forbidden", _l("ไม่มีสิทธิ์ทำรายการนี้")),
    404: ("not_found", _l("ไม่พบข้อมูลที่ต้องการ")),
    405: ("method_not_allowed", _l("ไม่รองรับวิธีเรียกนี้")),
    413: ("payload_too_large", _l("ข้อมูลใหญ่เกินกำหนด")),
    415: ("unsupported_media_type", _l("ต้องส่งข้อมูลเป็น JSON")),
    429: ("rate_limited", _l("ส่งคำขอถี่เกินไป กรุณารอสักครู่แล้วลองใหม่")),
}


def json_error(status: int, code: str, message: str, **extra: Any):
    body: dict[str, Any] = {"code": code, "message": str(message)}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def http_error_json(error: HTTPException):
    status = error.code or 500
    code, message = _HTTP_CODES.get(status, ("http_error", error.description or ""))
    response = json_error(status, code, str(message))
    if status == 405 and "Allow" in (headers := dict(error.get_headers())):
        response.headers["Allow"] = headers["Allow"]
    return response


def domain_error_json(error: DomainError):
    # Nothing a refused request changed may reach the database with a later commit.
    db.session.rollback()
    extra = {"fields": error.fields} if isinstance(error, ValidationFailed) else {}
    response = json_error(error.http_status, error.code, error.message, **extra)
    if isinstance(error, EditConflict):
        response.headers["ETag"] = f'"{error.current_version}"'  # what If-Match should name
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
