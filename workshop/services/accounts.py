"""Accounts: creating users, checking passwords, API tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import make_transient_to_detached

from workshop.extensions import db
from workshop.models import ApiToken, Office, PasswordReset, Role, User
from workshop.models.types import INT32_MAX, utcnow
from workshop.services.audit import record_event
from workshop.services.errors import AuthenticationFailed, DuplicateEmail, ValidationFailed
from workshop.services.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    check_password,
    hash_password,
    password_problem,
)
from workshop.services.text import TextRejected, clean_text
from workshop.services.throttle import begin_sign_in, sign_in_failed, sign_in_succeeded
from workshop.services.transactions import write_transaction

__all__ = ["PASSWORD_MAX", "PASSWORD_MIN", "password_problem"]  # re-exported for callers


def normalise_email(raw: str) -> str:
    """Lower-cased, syntax-checked email; raises ``ValueError`` with a Thai/English message."""
    raw = (raw or "").strip()
    if len(raw) > User.EMAIL_MAX:
        raise ValueError(str(_l("อีเมลยาวเกินไป")))
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(_l("รูปแบบอีเมลไม่ถูกต้อง"))) from exc


def create_user(
    *,
    email: str,
    password: str,
    role: str,
    first_name: str,
    last_name: str = "",
    title_prefix: str = "",
    position: str = "",
    agency: str = "",
    district: str = "",
    province: str = "",
    office_id: int | None = None,
    actor: User | None = None,
) -> User:
    """Create an account (admin, organizer, staff or officer) with a hashed password; with
    ``actor`` (an admin creating it), the audit log says who."""
    errors: dict[str, str] = {}
    try:
        email = normalise_email(email)
    except ValueError as exc:
        errors["email"] = str(exc)
    if role not in {r.value for r in Role}:
        errors["role"] = str(_l("บทบาทไม่ถูกต้อง"))
    problem = password_problem(password, email=email, names=(first_name, last_name))
    if problem:
        errors["password"] = problem
    values: dict[str, str] = {}
    for field, text, limit, required in (
        ("title_prefix", title_prefix, 50, False),
        ("first_name", first_name, User.NAME_MAX, True),
        ("last_name", last_name, User.NAME_MAX, False),
        ("position", position, User.TEXT_MAX, False),
        ("agency", agency, User.TEXT_MAX, False),
        ("district", district, 100, False),
        ("province", province, 100, False),
    ):
        try:
            values[field] = clean_text(text, max_length=limit, required=required)
        except TextRejected as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)
    with write_transaction():
        if office_id is not None and (
            not 0 < office_id <= INT32_MAX or db.session.get(Office, office_id) is None
        ):
            raise ValidationFailed({"office_id": str(_l("ไม่พบหน่วยงานนี้"))})
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise DuplicateEmail()
        user = User(
            email=email, password_hash=password_hash, role=role, office_id=office_id, **values
        )
        db.session.add(user)
        if actor is not None:
            db.session.flush()
            record_event(actor, "user.create", user, {"role": role})
    return user


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    if len(email) > User.EMAIL_MAX or "\x00" in email:
        return None  # no stored address looks like this (and PostgreSQL refuses NUL in text)
    return db.session.scalar(select(User).where(User.email == email))


def authenticate(email: str, password: str, client: str | None = None) -> User:
    """The active user with this email and password, else ``AuthenticationFailed``.

    With ``client`` (the caller's IP address: sign-in page, token endpoint), failures are
    counted per account and client, and too many refuse even the right password for a while
    (``TooManySignInAttempts``; see ``services.throttle``).
    """
    attempt = begin_sign_in(email, client) if client is not None else None
    user = find_user_by_email(email)
    matches = check_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        sign_in_failed(attempt)
        raise AuthenticationFailed()
    sign_in_succeeded(attempt)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, days: int) -> str:
    """A new bearer token for ``user``; only its digest is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        db.session.add(
            ApiToken(
                user_id=user.id, digest=_digest(token), expires_at=utcnow() + timedelta(days=days)
            )
        )
    return token


# Every API request runs this lookup, so it is one prebuilt Core statement (no per-request
# statement building, no ORM row loading); the row then becomes a User already in the session.
_users = User.__table__
_tokens = ApiToken.__table__
_CACHED_COLUMNS = [c for c in _users.c if c.name != "password_hash"]
_TOKEN_USER = (
    select(*_CACHED_COLUMNS, _tokens.c.expires_at.label("token_expires_at"))
    .join_from(_users, _tokens, _tokens.c.user_id == _users.c.id)
    .where(_tokens.c.digest == bindparam("digest"), _tokens.c.expires_at > bindparam("now"))
)

# A door phone sends the same token with every scan, several a second: each process remembers
# a token's user for API_TOKEN_CACHE_SECONDS. Revoking tokens clears this process's memory at
# once; other processes follow within that many seconds.
_token_users: dict[str, tuple[float, dict[str, Any]]] = {}
_TOKEN_CACHE_MAX = 4096


def forget_cached_tokens() -> None:
    """Drop this process's remembered token lookups (after tokens are revoked)."""
    _token_users.clear()


def _token_row(digest: str) -> dict[str, Any] | None:
    now = utcnow()
    cached = _token_users.get(digest)
    if cached is not None and cached[0] > time.monotonic() and cached[1]["token_expires_at"] > now:
        return cached[1]
    row = (
        db.session.connection()
        .execute(_TOKEN_USER, {"digest": digest, "now": now})
        .mappings()
        .one_or_none()
    )
    if row is None:
        _token_users.pop(digest, None)
        return None
    seconds = current_app.config.get("API_TOKEN_CACHE_SECONDS", 0)
    if seconds > 0:
        if len(_token_users) >= _TOKEN_CACHE_MAX:
            _token_users.clear()
        _token_users[digest] = (time.monotonic() + seconds, dict(row))
    return dict(row)


def user_for_api_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None if unknown or expired."""
    if not token or len(token) > 200:
        return None
    row = _token_row(_digest(token))
    if row is None or not row["active"]:
        return None
    existing = db.session.identity_map.get(db.session.identity_key(User, row["id"]))
    if existing is not None:
        return existing
    user = User(**{c.name: row[c.name] for c in _CACHED_COLUMNS})
    # As if loaded by a query: persistent, in this session, with no pending changes; the
    # password hash, left out of the lookup, loads if something reads it.
    make_transient_to_detached(user)
    db.session.add(user)
    return user


def end_browser_sessions(user: User) -> None:
    """End every browser sign-in of ``user``: session cookies and remember cookies, on every
    device, however they were copied. Each carries the account's session generation
    (``User.sign_in_id``) and ``user_for_sign_in_id`` refuses any other than the current one.

    Call inside the caller's write transaction (sign-out, password change, a password reset).
    The increment happens in the database, so two at once both count.
    """
    user.session_generation = User.session_generation + 1


def user_for_sign_in_id(value: str, max_age: timedelta) -> User | None:
    """The account a browser's session or remember cookie signs in as, or None if the account
    is deactivated, its sessions were ended since (``end_browser_sessions``), or the sign-in is
    older than ``max_age``."""
    parsed = User.parse_sign_in_id(value)
    if parsed is None:
        return None
    user_id, generation, signed_in = parsed
    # Only an upper bound: the cookie is signed, and another host's clock may run a little ahead.
    if time.time() - signed_in > max_age.total_seconds():
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


def sign_out(user: User) -> None:
    """Signing out on one device ends the account's browser sessions everywhere: the session
    cookie is not kept on the server, so a copy of it could not be told from the original."""
    with write_transaction():
        end_browser_sessions(user)


def sign_out_everywhere(user: User) -> None:
    """End every browser session and revoke every API token of ``user`` (a lost phone, a
    shared computer left signed in)."""
    with write_transaction():
        end_browser_sessions(user)
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        record_event(user, "user.sign_out_everywhere", user)
    forget_cached_tokens()


def void_reset_links(user: User) -> None:
    """Make the account's unused password reset links useless (inside the caller's write
    transaction): after a reset, and after a password change (``services.password_resets``)."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def password_change_problems(user: User, current: str, new: str) -> dict[str, str]:
    """What is wrong with a password change, field by field (all at once)."""
    errors: dict[str, str] = {}
    if not check_password(user.password_hash, current):
        errors["current"] = str(_l("รหัสผ่านปัจจุบันไม่ถูกต้อง"))
    problem = password_problem(new, email=user.email, names=(user.first_name, user.last_name))
    if problem:
        errors["new"] = problem
    elif new == current:
        errors["new"] = str(_l("รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม"))
    return errors


def change_password(user: User, current: str, new: str) -> None:
    """Replace the user's password after checking the current one."""
    errors = password_change_problems(user, current, new)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(new)
    with write_transaction():
        user.password_hash = password_hash
        # Nothing signed in with the old password outlives the change: API tokens, and browser
        # sessions on other devices (the web page signs this one in again).
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        end_browser_sessions(user)
        void_reset_links(user)
        record_event(user, "user.password", user)
    forget_cached_tokens()
