"""Who may open which page: sign-in required, then the role checked (403 otherwise), then
the office: a record the URL names that belongs to an office the organizer or staff member
does not see answers 404 (``services.offices``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required

from workshop.services.errors import NotFound
from workshop.services.offices import require_visible


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Anonymous visitors go to the sign-in page; signed-in users without the role get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            try:
                require_visible(current_user, **(request.view_args or {}))
            except NotFound:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate
