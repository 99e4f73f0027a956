"""Accounts: creating users, checking passwords, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from workshop.extensions import db
from workshop.models import ApiToken, Role, User
from workshop.models.types import utcnow
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
from workshop.services.throttle import (
    ensure_sign_in_allowed,
    forget_failed_sign_ins,
    note_failed_sign_in,
)

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
) -> User:
    """Create an account (organizer, staff or officer) with a hashed password."""
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
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DuplicateEmail()
    user = User(email=email, password_hash=hash_password(password), role=role, **values)
    db.session.add(user)
    db.session.commit()
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
    if client is not None:
        ensure_sign_in_allowed(email, client)
    user = find_user_by_email(email)
    matches = check_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        if client is not None:
            note_failed_sign_in(email, client)
        raise AuthenticationFailed()
    if client is not None:
        forget_failed_sign_ins(email, client)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, days: int) -> str:
    """A new bearer token for ``user``; only its digest is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user=user, digest=_digest(token), expires_at=utcnow() + timedelta(days=days))
    )
    db.session.commit()
    return token


def user_for_api_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None if unknown or expired."""
    if not token or len(token) > 200:
        return None
    user = db.session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.digest == _digest(token), ApiToken.expires_at > utcnow())
    )
    return user if user is not None and user.active else None


def change_password(user: User, current: str, new: str) -> None:
    """Replace the user's password after checking the current one."""
    errors: dict[str, str] = {}
    if not check_password(user.password_hash, current):
        errors["current"] = str(_l("รหัสผ่านปัจจุบันไม่ถูกต้อง"))
    problem = password_problem(new, email=user.email, names=(user.first_name, user.last_name))
    if problem:
        errors["new"] = problem
    elif new == current:
        errors["new"] = str(_l("รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม"))
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new)
    # Signing in with the old password's API tokens should not outlive the change.
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    record_event(user, "user.password", user)
    db.session.commit()
