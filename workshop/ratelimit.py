"""Rate limits (Flask-Limiter) on the endpoints worth attacking or hammering.

Limits are per client IP on sign-in, sign-up, password reset, the API token endpoint and certificate
verification (page and API), and per signed-in user
or bearer token on the door check-in endpoints (a busy door sends hundreds of scans a minute
from one device). Each limit is a ``RATELIMIT_*`` setting (``WORKSHOP_RATELIMIT_CHECKIN=...``),
counted per endpoint. Counters live in memory (per process) unless ``REDIS_URL`` is set; with
several gunicorn workers set it, so that the limits hold across workers: otherwise each worker
counts alone and the limits multiply, which gunicorn's log says at start
(``warn_at_gunicorn_start``, the ``when_ready`` hook of deploy/gunicorn.conf.py and of
gunicorn.conf.py, which a bare ``gunicorn wsgi:app`` reads). The failed sign-ins that
``services.throttle`` counts per account are kept in the database instead, shared whatever the
storage. ``RATELIMIT_ENABLED=false`` turns all of this off (the general test configuration
does).

An exceeded limit is 429 with ``Retry-After``: a Thai page, or ``{"error": {"code":
"rate_limited", ...}}`` on the API.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import MemoryStorage, Storage

from workshop.config import settings_from_environment
from workshop.error_responses import error_response


class SweptMemoryStorage(MemoryStorage):
    """limits' ``memory://`` storage, with expired entries swept by the requests themselves (at
    most every 10 ms) instead of by a timer thread.

    The stock storage starts a new thread whenever its 10 ms timer has run out, that is on
    nearly every request at a busy door: a fifth of a check-in's time went into starting
    threads. Reads check expiry per key anyway, so sweeping only frees memory.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["workshop-memory"]
    SWEEP_SECONDS = 0.01

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private timer
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


SIGN_IN = "RATELIMIT_SIGN_IN"
SIGN_UP = "RATELIMIT_SIGN_UP"
API_TOKEN = "RATELIMIT_API_TOKEN"
CHECKIN = "RATELIMIT_CHECKIN"
VERIFY = "RATELIMIT_VERIFY"
PASSWORD_RESET = "RATELIMIT_PASSWORD_RESET"


def client_address() -> str:
    """The client's IP address (behind a proxy: set ``PROXY_FIX`` so that this is right)."""
    return get_remote_address() or "unknown"


def door_key() -> str:
    """Per bearer token (its digest, no database look-up), else per signed-in user, else IP."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "ip:" + client_address()


# endpoint -> (setting with the limit, key function, methods counted (None: all))
LIMITED: dict[str, tuple[str, Callable[[], str], tuple[str, ...] | None]] = {
    "auth.login": (SIGN_IN, client_address, ("POST",)),
    "auth.signup": (SIGN_UP, client_address, ("POST",)),
    "auth.forgot_password": (PASSWORD_RESET, client_address, ("POST",)),
    "auth.reset": (PASSWORD_RESET, client_address, ("POST",)),
    "api.create_token": (API_TOKEN, client_address, None),
    "api.officer_create": (SIGN_UP, client_address, None),
    "api.checkin_create": (CHECKIN, door_key, None),
    "api.checkout_create": (CHECKIN, door_key, None),
    "api.checkin_undo": (CHECKIN, door_key, None),
    "api.decode_frame": (CHECKIN, door_key, None),
    "api.workshop_roster": (CHECKIN, door_key, None),
    "api.workshop_attendees": (CHECKIN, door_key, None),
    "checkin.scanner": (CHECKIN, door_key, None),
    "checkin.csrf_token": (CHECKIN, door_key, None),
    "organizer.walk_in": (CHECKIN, door_key, ("POST",)),
    "certificates.verify": (VERIFY, client_address, None),
    "certificates.verify_file": (VERIFY, client_address, ("POST",)),  # an upload, checked
    "api.certificate_verify": (VERIFY, client_address, None),
}


@dataclass
class RateLimits:
    """Kept in ``app.extensions["workshop_rate_limits"]``."""

    limiter: Limiter

    @property
    def storage(self) -> Storage | None:
        return self.limiter.storage if self.limiter.enabled else None


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def init_rate_limits(app: Flask) -> RateLimits:
    """Create this app's limiter (one per app, so that test apps do not share state)."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "workshop-memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "workshop")
    limiter = Limiter(
        key_func=client_address,
        headers_enabled=False,  # Retry-After is set on the 429 response below
    )
    limiter.init_app(app)
    if limiter.enabled:
        for endpoint, (setting, key, methods) in LIMITED.items():
            view = app.view_functions[endpoint]
            app.view_functions[endpoint] = limiter.limit(
                _setting(setting), key_func=key, methods=list(methods) if methods else None
            )(view)
    limits = RateLimits(limiter=limiter)
    app.extensions["workshop_rate_limits"] = limits

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        seconds = retry_after_seconds(limiter, error)
        message = str(_l("ส่งคำขอถี่เกินไป กรุณารอ %(seconds)d วินาทีแล้วลองใหม่", seconds=seconds))
        response = error_response(429, "rate_limited", message)
        response.headers["Retry-After"] = str(seconds)
        return response

    return limits


def retry_after_seconds(limiter: Limiter, error: RateLimitExceeded) -> int:
    current = limiter.current_limit
    if current is not None:
        return max(1, math.ceil(current.window[0] - time.time()))
    return max(1, int(error.limit.limit.get_expiry()))


def per_worker_limits_problem(settings: Mapping[str, Any], workers: int) -> str | None:
    """What goes wrong with ``workers`` processes and these settings' rate-limit storage, or
    None when the limits hold (one worker, shared storage, or limits off)."""
    if workers <= 1 or settings.get("REDIS_URL") or not settings.get("RATELIMIT_ENABLED", True):
        return None
    return (
        f"{workers} workers keep the rate limits in memory, each counting alone: every limit "
        f"is {workers} times as loose as set (sign-in, sign-up, API tokens, the door). Set "
        "WORKSHOP_REDIS_URL (e.g. redis://127.0.0.1:6379/0) so that all workers share them. "
        "(Failed sign-ins per account are counted in the database and hold anyway.)"
    )


def warn_at_gunicorn_start(server: Any) -> None:
    """gunicorn's ``when_ready`` hook: an ERROR in gunicorn's log when its workers would each
    keep their own rate limits."""
    problem = per_worker_limits_problem(settings_from_environment(), int(server.cfg.workers))
    if problem:
        server.log.error("rate limits per worker: %s", problem)
