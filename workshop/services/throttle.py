"""Sign-in throttling: after too many failed sign-ins for one account from one client, refuse
further attempts for a while, whether the password is right or not.

Counted per (e-mail, client IP), so that nobody can lock a person out of their account from
elsewhere; the per-IP rate limit on the sign-in endpoints (``workshop.ratelimit``) bounds how
many accounts one client can try. ``RATELIMIT_SIGN_IN_FAILURES`` sets the rule (default
``5 per 5 minutes``: the fifth failure within five minutes locks until the oldest of them is
five minutes old); ``RATELIMIT_ENABLED=false`` turns it off with the rate limits.

The failures are rows of ``sign_in_failures`` in the database, not counters in the rate-limit
storage: every gunicorn worker and every host then counts the same attempts, with or without
Redis. An attempt is written down *before* its password is checked and counted after that
write is committed, so attempts racing in several workers see each other: of any number sent
at once, no more than the rule's number get their password checked. Rows hold a keyed hash of
the address and client, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import delete, select

from workshop.extensions import db
from workshop.models import SignInFailure
from workshop.models.types import utcnow
from workshop.services.errors import TooManySignInAttempts
from workshop.services.transactions import write_transaction


@dataclass(frozen=True)
class SignInAttempt:
    """An attempt written down by ``begin_sign_in``, to be settled by ``sign_in_failed`` or
    ``sign_in_succeeded``."""

    key: str
    row_id: int
    # Failures in the window when the attempt began, itself included.
    count: int
    limit: int
    window: timedelta
    oldest: datetime  # the oldest failure in that window


def configured_rule(setting: str) -> tuple[int, timedelta] | None:
    """(how many, within what time) of a ``RATELIMIT_*`` setting counted in the database
    (``5 per 5 minutes``); None when rate limits are off."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    item = parse(str(current_app.config[setting]))
    return item.amount, timedelta(seconds=item.get_expiry())


def _rule() -> tuple[int, timedelta] | None:
    return configured_rule("RATELIMIT_SIGN_IN_FAILURES")


def attempt_key(email: str, client: str) -> str:
    """A keyed hash of the account's address and the client: the table holds no address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    subject = f"{(email or '').strip().lower()[:254]}\n{client or 'unknown'}"
    return hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def begin_sign_in(email: str, client: str) -> SignInAttempt | None:
    """Write the attempt down; raise ``TooManySignInAttempts`` while the account is locked for
    this client (the attempt is then not counted). None when throttling is off."""
    rule = _rule()
    if rule is None:
        return None
    limit, window = rule
    key = attempt_key(email, client)
    now = utcnow()
    with write_transaction():
        # Failures past every window are of no use: cleared here, by the attempts themselves.
        db.session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - window))
        row = SignInFailure(key=key, failed_at=now)
        db.session.add(row)
        db.session.flush()
        row_id = row.id
    # Counted after the commit, so that an attempt racing in another worker is seen by
    # whichever of the two commits last.
    times = db.session.scalars(
        select(SignInFailure.failed_at)
        .where(SignInFailure.key == key, SignInFailure.failed_at > now - window)
        .order_by(SignInFailure.failed_at, SignInFailure.id)
    ).all()
    if len(times) > limit:
        with write_transaction():
            db.session.execute(delete(SignInFailure).where(SignInFailure.id == row_id))
        # Open again when fewer than ``limit`` earlier failures are left in the window.
        raise TooManySignInAttempts(_seconds_until(times[len(times) - 1 - limit] + window))
    return SignInAttempt(key, row_id, len(times), limit, window, times[0])


def sign_in_failed(attempt: SignInAttempt | None) -> None:
    """The password was wrong: the attempt stays a failure. Raise ``TooManySignInAttempts``
    if it was the one that locks."""
    if attempt is not None and attempt.count >= attempt.limit:
        raise TooManySignInAttempts(_seconds_until(attempt.oldest + attempt.window))


def sign_in_succeeded(attempt: SignInAttempt | None) -> None:
    """A successful sign-in clears the account's failures from this client."""
    if attempt is None:
        return
    with write_transaction():
        db.session.execute(delete(SignInFailure).where(SignInFailure.key == attempt.key))
