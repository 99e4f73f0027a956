"""Sign-in throttling: after too many failed sign-ins for one account from one client, refuse
further attempts for a while, whether the password is right or not.

Counted per (e-mail, client IP), so that nobody can lock a person out of their account from
elsewhere; the per-IP rate limit on the sign-in endpoints (``workshop.ratelimit``) bounds how
many accounts one client can try. The counters share the rate-limit storage (Redis when
``REDIS_URL`` is set, so all workers see them); ``RATELIMIT_SIGN_IN_FAILURES`` sets the rule
(default ``5 per 5 minutes``: the fifth failure within five minutes locks until the oldest of
them is five minutes old).
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from workshop.services.errors import TooManySignInAttempts

log = logging.getLogger(__name__)
SCOPE = "sign-in-failures"


def _counter() -> tuple[MovingWindowRateLimiter, RateLimitItem] | None:
    limits = current_app.extensions.get("workshop_rate_limits")
    if limits is None or limits.failures is None:
        return None
    return limits.failures, parse(str(current_app.config["RATELIMIT_SIGN_IN_FAILURES"]))


def _key(email: str, client: str) -> tuple[str, ...]:
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "workshop")
    return prefix, SCOPE, (email or "").strip().lower()[:254], client or "unknown"


def _wait(counter: MovingWindowRateLimiter, item: RateLimitItem, key: tuple[str, ...]) -> int:
    if counter.test(item, *key):
        return 0
    reset = counter.get_window_stats(item, *key).reset_time
    return max(1, math.ceil(reset - time.time()))


def ensure_sign_in_allowed(email: str, client: str) -> None:
    """Raise ``TooManySignInAttempts`` while this account is locked for this client."""
    found = _counter()
    if found is None:
        return
    try:
        wait = _wait(*found, _key(email, client))
    except Exception:  # storage unreachable: sign-in keeps working, unthrottled
        log.exception("sign-in throttle storage failed")
        return
    if wait:
        raise TooManySignInAttempts(wait)


def note_failed_sign_in(email: str, client: str) -> None:
    """Count a failure; raise ``TooManySignInAttempts`` if it was the one that locks."""
    found = _counter()
    if found is None:
        return
    counter, item = found
    key = _key(email, client)
    try:
        counter.hit(item, *key)
        wait = _wait(counter, item, key)
    except Exception:
        log.exception("sign-in throttle storage failed")
        return
    if wait:
        raise TooManySignInAttempts(wait)


def forget_failed_sign_ins(email: str, client: str) -> None:
    """A successful sign-in clears the count."""
    found = _counter()
    if found is None:
        return
    try:
        found[0].clear(found[1], *_key(email, client))
    except Exception:
        log.exception("sign-in throttle storage failed")
