"""Bearer-token authentication for the API, and the token and profile endpoints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from workshop.api import api_bp
from workshop.api.errors import json_error
from workshop.api.schemas import TokenRequest, parse_body, user_json
from workshop.models import User
from workshop.services.accounts import authenticate, issue_api_token, user_for_api_token


def bearer_user() -> User | None:
    """The user whose token is in ``Authorization: Bearer``; cookies are never used here."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return user_for_api_token(token.strip())


def optional_user() -> User | None:
    if "api_user" not in g:
        g.api_user = bearer_user()
    return g.api_user


def api_auth(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a valid token (401) and, when roles are given, one of them (403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = optional_user()
            if user is None:
                return json_error(401, "unauthorized", str(_l("ต้องยืนยันตัวตนด้วยโทเค็นที่ยังไม่หมดอายุ")))
            if roles and not user.has_role(*roles):
                return json_error(403, "forbidden", str(_l("บทบาทของคุณทำรายการนี้ไม่ได้")))
            return view(*args, **kwargs)

        return wrapped

    return decorate


@api_bp.post("/auth/token")
def create_token():
    body = parse_body(TokenRequest)
    user = authenticate(body.email, body.password)
    token = issue_api_token(user, current_app.config["API_TOKEN_DAYS"])
    return {"token": token, "role": user.role}, 201


@api_bp.get("/me")
@api_auth()
def me():
    return user_json(g.api_user)
