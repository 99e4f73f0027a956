"""Password reset by e-mail: a one-time link, valid for an hour.

Asking for a link answers the same whether or not the address has an account (the page says
"if an account has this address, a link is on its way"); only accounts that can sign in and
have a real mailbox get one. The mail goes through the notice outbox (``services.notifications``)
like every other notice, so a mail server that is down delays it instead of losing it.

The link's token is 256 random bits, never stored: the row keeps its SHA-256 to find it by, and
a salt from which the token is rebuilt for the mail as HMAC(SECRET_KEY, salt); a copy of the
database alone resets nobody's password. Links per account are limited
(``RATELIMIT_PASSWORD_RESET_ACCOUNT``, counted here in the database so every worker agrees);
requests per client IP by ``workshop.ratelimit``. Using a link sets the new password, voids the
account's other links, ends its browser sessions everywhere, revokes its API tokens and is
audited, all in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from workshop.extensions import db
from workshop.models import ApiToken, Notification, PasswordReset, User
from workshop.models.types import utcnow
from workshop.services.accounts import (
    end_browser_sessions,
    find_user_by_email,
    forget_cached_tokens,
    void_reset_links,
)
from workshop.services.audit import record_event
from workshop.services.errors import InvalidResetLink, ValidationFailed
from workshop.services.notifications import INVITATION, PASSWORD_RESET, dispatch_notices
from workshop.services.passwords import hash_password, password_problem
from workshop.services.reset_links import reset_token
from workshop.services.throttle import configured_rule
from workshop.services.transactions import write_transaction

LINK_LIFETIME = timedelta(hours=1)
# An invitation to an account someone else made: time to read the mail and act on it.
INVITATION_LIFETIME = timedelta(days=14)
TOKEN_MAX = 100  # a longer value is no token of ours


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _can_reset(user: User | None) -> bool:
    return user is not None and user.active and not user.deleted and user.mailable


def request_password_reset(email: str) -> bool:
    """Queue a reset link for the account with this address, if there is one that may have it
    and it has not had too many lately. Returns whether a link was queued: for tests and logs
    only, never for the page (which answers the same either way)."""
    user = find_user_by_email(email)
    if not _can_reset(user):
        return False
    now = utcnow()
    rule = configured_rule("RATELIMIT_PASSWORD_RESET_ACCOUNT")
    with write_transaction():
        if rule is not None:
            limit, window = rule
            recent = db.session.scalar(
                select(func.count())
                .select_from(PasswordReset)
                .where(PasswordReset.user_id == user.id, PasswordReset.requested_at > now - window)
            )
            if recent >= limit:
                return False
        reset = PasswordReset(
            user_id=user.id, salt=secrets.token_hex(32), requested_at=now, expires_at=now
        )
        reset.expires_at = now + LINK_LIFETIME
        reset.digest = _digest(reset_token(reset))
        db.session.add(reset)
        db.session.add(Notification(password_reset=reset, event=PASSWORD_RESET))
        record_event(None, "user.password_reset_request", user)
    dispatch_notices()
    return True


def invite_locked(user: User) -> PasswordReset | None:
    """Inside the caller's transaction (``services.imports``): a set-password link for an
    account made for its owner, mailed as an invitation. None for an account without a real
    mailbox. Using it is using a reset link (``reset_password``)."""
    if not user.mailable:
        return None
    now = utcnow()
    reset = PasswordReset(
        user_id=user.id,
        salt=secrets.token_hex(32),
        requested_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    reset.digest = _digest(reset_token(reset))
    db.session.add(reset)
    db.session.add(Notification(password_reset=reset, event=INVITATION))
    return reset


def _valid_reset(token: str, *, lock: bool = False) -> PasswordReset:
    if not token or len(token) > TOKEN_MAX or not token.isascii():
        raise InvalidResetLink()
    query = select(PasswordReset).where(PasswordReset.digest == _digest(token))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    reset = db.session.scalar(query)
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise InvalidResetLink()
    if not _can_reset(reset.user):
        raise InvalidResetLink()
    return reset


def check_reset_link(token: str) -> User:
    """The account a reset link is for; ``InvalidResetLink`` if it cannot be used (any more)."""
    return _valid_reset(token).user


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset link. The link is then used up, with every other of
    the account's; its sessions end everywhere and its API tokens stop working."""
    user = check_reset_link(token)
    problem = password_problem(new, email=user.email, names=(user.first_name, user.last_name))
    if problem:
        raise ValidationFailed({"password": problem})
    password_hash = hash_password(new)
    with write_transaction():
        reset = _valid_reset(token, lock=True)  # again, locked: a link works once
        user = reset.user
        user.password_hash = password_hash
        void_reset_links(user)
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        end_browser_sessions(user)
        record_event(user, "user.password_reset", user)
    forget_cached_tokens()
    return user
