"""Bearer-token authentication for the API, and the token and profile endpoints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from workshop.api import api_bp
from workshop.api.schemas import TokenRequest, parse_body, user_json
from workshop.error_responses import json_error
from workshop.models import User
from workshop.ratelimit import client_address
from workshop.services.accounts import authenticate, issue_api_token, user_for_api_token
from workshop.services.errors import DomainError
from workshop.services.offices import require_visible


def bearer_user() -> User | None:
    """The user whose token is in ``Authorization: Bearer``.

    Without a token, the signed-in browser user counts only when the request also carries the
    page's CSRF token in ``X-CSRFToken``: the door scanner page calls the API this way. A cookie
    alone never authenticates, so another site cannot make a visitor's browser call the API.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return user_for_api_token(token.strip())
    if header or "X-CSRFToken" not in request.headers:
        return None
    try:
        validate_csrf(request.headers["X-CSRFToken"])
    except ValidationError:
        return None
    return current_user._get_current_object() if current_user.is_authenticated else None


def optional_user() -> User | None:
    """The bearer user, looked up once per request and kept in ``g.api_user``.

    ``g`` belongs to the app context, which can outlive one request (tests push one context
    around many requests), so the cached user is tied to this request's environ.
    """
    if g.get("api_user_environ") is not request.environ:
        g.api_user = bearer_user()
        g.api_user_environ = request.environ
    return g.api_user


class Unauthenticated(DomainError):
    code = "unauthorized"
    http_status = 401

    def default_message(self) -> str:
        return str(_l("ต้องยืนยันตัวตนด้วยโทเค็นที่ยังไม่หมดอายุ"))


def viewer() -> User | None:
    """The caller on endpoints open to anyone: None without a token, 401 for a bad token.

    A token that is sent but unknown or expired is refused rather than ignored, so that an
    organizer whose token ran out learns it instead of silently seeing only public data.
    """
    user = optional_user()
    if user is None and request.headers.get("Authorization"):
        raise Unauthenticated()
    return user


def api_auth(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a valid token (401) and, when roles are given, one of them (403); records the
    URL names must belong to the caller's offices when the office rule applies (404)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = optional_user()
            if user is None:
                raise Unauthenticated()
            if roles and not user.has_role(*roles):
                return json_error(403, "forbidden", str(_l("บทบาทของคุณทำรายการนี้ไม่ได้")))
            # A record of an office the organizer or staff member does not see: 404.
            require_visible(user, **(request.view_args or {}))
            return view(*args, **kwargs)

        return wrapped

    return decorate


@api_bp.post("/auth/token")
def create_token():
    body = parse_body(TokenRequest)
    user = authenticate(body.email, body.password, client=client_address())
    token = issue_api_token(user, current_app.config["API_TOKEN_DAYS"])
    return {"token": token, "role": user.role}, 201


@api_bp.get("/me")
@api_auth()
def me():
    return user_json(g.api_user)
