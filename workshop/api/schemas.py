"""Request bodies of the API as pydantic models, and JSON shapes of responses.

pydantic parses types only (and documents them in the OpenAPI schema); the rules live in services.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, ValidationError

from workshop.models import User
from workshop.services.errors import DomainError, ValidationFailed

Body = TypeVar("Body", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class TokenRequest(Strict):
    email: str
    password: str


def parse_body(model: type[Body]) -> Body:
    """The JSON body parsed into ``model``; 400 for non-JSON, 422 with field messages otherwise."""
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError(str(_l("เนื้อหาคำขอต้องเป็น JSON")), code="invalid_json")
    if not isinstance(data, dict):
        raise DomainError(str(_l("เนื้อหาคำขอต้องเป็นออบเจกต์ JSON")), code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from exc


def pydantic_fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(key, _message_for(error))
    return fields


def _message_for(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return str(_l("ต้องระบุช่องนี้"))
    if kind == "extra_forbidden":
        return str(_l("ไม่รู้จักช่องนี้"))
    if kind.startswith("int") or kind.startswith("float"):
        return str(_l("ต้องเป็นจำนวนเต็ม"))
    if kind.startswith("datetime") or kind.startswith("date"):
        return str(_l("วันเวลาต้องอยู่ในรูปแบบ ISO 8601 พร้อมเขตเวลา เช่น 2015-10-20T08:30:00+07:00"))
    if kind.startswith("string"):
        return str(_l("ต้องเป็นข้อความ"))
    if kind.startswith("bool"):
        return str(_l("ต้องเป็น true หรือ false"))
    return str(_l("ค่าไม่ถูกต้อง"))


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "title_prefix": user.title_prefix,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "position": user.position,
        "agency": user.agency,
        "district": user.district,
        "province": user.province,
    }
