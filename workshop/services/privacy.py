"""Personal data under the PDPA (พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562): deletion and retention.
(The export of everything held about one person, sections 30-31: ``services.personal_data``.)

- ``delete_account(user, password)``: the person's own request to erase (section 33). The row of
  the account stays but is anonymised by ``anonymise_account``, in one transaction.
- ``purge_expired()``: accounts of officers with no workshop within the retention period
  (``RETENTION_YEARS``) are anonymised the same way (section 37(3): keep no longer than needed).

What anonymising keeps and drops (README, "Personal data (PDPA)"):

* dropped: title prefix, first and last name, position, phone, e-mail (replaced by the reserved,
  never-mailed ``deleted-<id>@deleted.invalid``), consent time, password (an unusable random
  hash), the linked LINE user id, API tokens, unsent notices;
* kept, because workshop statistics and reports are made of them and none identifies a person on
  its own: the agency (an office, not a person), district and province, the account's role and
  creation time, registrations (status and times) and check-ins. Certificates keep their numbers
  (a number series has no gaps) but are revoked, and the public verification no longer shows
  the name;
* the audit trail keeps its events (the organizers' accountability); they refer to the account
  by id only, and the deletion itself is recorded without any personal data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from workshop.extensions import db
from workshop.models import (
    ApiToken,
    Certificate,
    ExcusedAbsence,
    Notification,
    Registration,
    RegistrationStatus,
    Role,
    User,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.models.user import DELETED_EMAIL_DOMAIN
from workshop.services.accounts import forget_cached_tokens
from workshop.services.audit import record_event
from workshop.services.certificates import (
    REVOKED_ACCOUNT_DELETED,
    REVOKED_RETENTION,
    revoke_certificates_locked,
)
from workshop.services.errors import NotAllowed, ValidationFailed
from workshop.services.line_accounts import forget_line_account
from workshop.services.notifications import dispatch_notices
from workshop.services.registrations import (
    cancel_locked,
    lock_workshop,
    seats_can_change,
)
from workshop.services.transactions import write_transaction

DELETED_NAME = "ผู้ใช้ที่ถูกลบ"  # stored as data (not translated), like every other name
DEFAULT_RETENTION_YEARS = 5

# Why an account was anonymised: on the audit event, and the cancellation reason stored on the
# registrations it still had (organizers read these; stored in Thai like typed reasons).
BY_REQUEST = "request"
BY_RETENTION = "retention"
_CANCEL_REASONS = {
    BY_REQUEST: "ผู้เข้าอบรมลบบัญชีของตนเอง",
    BY_RETENTION: "ลบข้อมูลเมื่อพ้นระยะเวลาเก็บรักษา",
}
_REVOKE_REASONS = {BY_REQUEST: REVOKED_ACCOUNT_DELETED, BY_RETENTION: REVOKED_RETENTION}


class LastOrganizer(NotAllowed):
    code = "last_organizer"

    def default_message(self) -> str:
        return str(_l("ลบบัญชีนี้ไม่ได้ เพราะเป็นผู้จัดคนสุดท้ายของระบบ ให้เพิ่มผู้จัดคนอื่นก่อน"))


class AccountDeleted(NotAllowed):
    code = "account_deleted"

    def default_message(self) -> str:
        return str(_l("บัญชีนี้ถูกลบไปแล้ว"))


# ---------------------------------------------------------------- deletion


@dataclass(frozen=True)
class DeletionSummary:
    """What deleting (anonymising) an account did; no personal data."""

    user_id: int
    registrations_cancelled: int
    promoted: int
    certificates_revoked: int


@dataclass(frozen=True)
class DeletionPreview:
    """What deleting the account would do, for the confirmation page."""

    to_cancel: list[Registration]  # workshops not over yet: seats go to the waitlist
    kept: list[Registration]  # workshops already over: kept, anonymised, for the statistics
    certificates: list[Certificate]  # valid certificates that will be revoked
    last_organizer: bool


def deletion_preview(user: User) -> DeletionPreview:
    active = [
        r
        for r in db.session.scalars(
            select(Registration)
            .where(
                Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .options(joinedload(Registration.workshop))
            .order_by(Registration.created_at)
        ).unique()
    ]
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .join(Registration, Registration.id == Certificate.registration_id)
            .where(Registration.user_id == user.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_at)
        )
    )
    others = db.session.scalar(
        select(
            exists().where(
                User.role == Role.ORGANIZER,
                User.active.is_(True),
                User.deleted_at.is_(None),
                User.id != user.id,
            )
        )
    )
    return DeletionPreview(
        to_cancel=[r for r in active if seats_can_change(r.workshop)],
        kept=[r for r in active if not seats_can_change(r.workshop)],
        certificates=certificates,
        last_organizer=user.role == Role.ORGANIZER and not others,
    )


def deletion_problems(user: User, password: str) -> dict[str, str]:
    """What stops the owner deleting the account with this password, by field (for a page that
    reports every problem at once)."""
    if not password or not check_password_hash(user.password_hash, password):
        return {"password": str(_l("รหัสผ่านไม่ถูกต้อง"))}
    return {}


def delete_account(user: User, password: str) -> DeletionSummary:
    """The owner deletes their own account after typing their password again.

    One transaction (``anonymise_account``); the caller signs the browser out. Raises
    ``ValidationFailed`` (field ``password``) for a wrong password, ``LastOrganizer`` for the
    only remaining organizer, ``AccountDeleted`` if it is gone already; then nothing changed.
    """
    if user.deleted or not user.active:
        raise AccountDeleted()
    problems = deletion_problems(user, password)
    if problems:
        raise ValidationFailed(problems)
    return anonymise_account(
        user.id, BY_REQUEST, actor_id=user.id, password_hash=user.password_hash
    )


def anonymise_account(
    user_id: int,
    why: str,
    *,
    actor_id: int | None = None,
    password_hash: str | None = None,
    now: datetime | None = None,
) -> DeletionSummary:
    """Remove a person's personal data and keep the statistics, in ONE transaction.

    In order: lock the account (and, for an organizer, every organizer: the last one may not
    go); anonymise the row and deactivate it; delete its API tokens; cancel its registrations
    for workshops not yet over through the registration rules (freed seats go to the waitlist,
    whose people are told); revoke its certificates (numbers stay taken; verification shows
    the reason and no name); drop notices still queued for it; record the deletion. Any failure
    rolls everything back. ``password_hash``: the hash the password was checked against (a
    password changed meanwhile makes the request fail instead of deleting).
    """
    with write_transaction():
        user = _lock_account(user_id, password_hash)
        role = user.role
        _scrub(user, now)
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        db.session.flush()  # the address is no longer mailable before anything is cancelled

        actor = db.session.get(User, actor_id) if actor_id is not None else None
        cancelled, promoted = _cancel_open_registrations(user.id, actor, why, now)
        revoked = revoke_certificates_locked(user.id, _REVOKE_REASONS[why], None)
        # An excuse's reason is typed by an organizer and may say why someone was away (an
        # illness): removed; the kind (leave, official duty) stays for the statistics.
        db.session.execute(
            update(ExcusedAbsence)
            .where(
                ExcusedAbsence.registration_id.in_(
                    select(Registration.id).where(Registration.user_id == user.id)
                )
            )
            .values(reason="")
            .execution_options(synchronize_session=False)
        )
        _drop_unsent_notices(user.id)
        summary = DeletionSummary(user.id, cancelled, promoted, revoked)
        record_event(
            actor,
            "user.delete",
            user,
            {
                "why": why,
                "role": role,
                "registrations_cancelled": cancelled,
                "promoted": promoted,
                "certificates_revoked": revoked,
            },
        )
    forget_cached_tokens()
    dispatch_notices()  # the promoted officers' notices
    return summary


def _lock_account(user_id: int, password_hash: str | None) -> User:
    """The account row locked for update, once it may go: not deleted already, the password
    unchanged since it was checked, not the last active organizer."""
    remaining: set[int] | None = None
    if db.session.scalar(select(User.role).where(User.id == user_id)) == Role.ORGANIZER:
        # Every organizer row first, in id order, so two organizers deleting themselves at
        # once queue instead of each locking their own row and waiting for the other's.
        organizers = select(User.id).where(
            User.role == Role.ORGANIZER, User.active.is_(True), User.deleted_at.is_(None)
        )
        remaining = set(db.session.scalars(organizers.order_by(User.id).with_for_update()))
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None or user.deleted:
        raise AccountDeleted()
    if password_hash is not None and user.password_hash != password_hash:
        raise ValidationFailed({"password": str(_l("รหัสผ่านไม่ถูกต้อง"))})
    if user.role == Role.ORGANIZER and not (remaining or set()) - {user.id}:
        raise LastOrganizer()
    return user


def _cancel_open_registrations(
    user_id: int, actor: User | None, why: str, now: datetime | None
) -> tuple[int, int]:
    """Cancel the account's registrations for workshops not yet over, through the
    registration rules; (registrations cancelled, people promoted into the freed seats)."""
    cancelled = promoted = 0
    active = db.session.execute(
        select(Registration.id, Registration.workshop_id)
        .where(
            Registration.user_id == user_id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(Registration.workshop_id)  # one lock order for every writer
    ).all()
    for registration_id, workshop_id in active:
        workshop = lock_workshop(workshop_id)
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if registration is None or registration.status == RegistrationStatus.CANCELLED:
            continue
        if not seats_can_change(workshop, now):
            continue  # attended history: kept as it is, for the statistics
        promoted += len(cancel_locked(registration, workshop, actor, _CANCEL_REASONS[why]))
        cancelled += 1
    return cancelled, promoted


def _drop_unsent_notices(user_id: int) -> None:
    own_registrations = select(Registration.id).where(Registration.user_id == user_id)
    db.session.execute(
        delete(Notification)
        .where(
            Notification.registration_id.in_(own_registrations),
            Notification.sent_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    )


def _scrub(user: User, now: datetime | None) -> None:
    """Replace the direct identifiers on the account row; keep agency, district, province."""
    user.email = f"deleted-{user.id}@{DELETED_EMAIL_DOMAIN}"
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.title_prefix = ""
    user.first_name = DELETED_NAME
    user.last_name = ""
    user.position = ""
    user.phone = ""
    user.pdpa_consent_at = None
    forget_line_account(user)
    user.active = False
    user.deleted_at = now or utcnow()


# ---------------------------------------------------------------- retention


def retention_years() -> int:
    """``WORKSHOP_RETENTION_YEARS`` (default 5; the app refuses to start unless it is >= 1)."""
    return int(current_app.config.get("RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def retention_cutoff(now: datetime | None = None, years: int | None = None) -> datetime:
    """Activity before this moment is past the retention period."""
    years = years if years is not None else retention_years()
    return (now or utcnow()) - timedelta(days=round(365.25 * years))


def expired_accounts(now: datetime | None = None, years: int | None = None) -> list[int]:
    """Officer accounts (not yet deleted) created before the cutoff with no registration for a
    workshop that ends after it (or has no sessions yet, or is still ahead)."""
    cutoff = retention_cutoff(now, years)
    recent = (
        select(Registration.id)
        .join(WorkshopSession, WorkshopSession.workshop_id == Registration.workshop_id)
        .where(Registration.user_id == User.id, WorkshopSession.ends_at >= cutoff)
    )
    return list(
        db.session.scalars(
            select(User.id)
            .where(
                User.role == Role.OFFICER,
                User.deleted_at.is_(None),
                User.created_at < cutoff,
                ~exists(recent),
            )
            .order_by(User.id)
        )
    )


def purge_expired(
    now: datetime | None = None, years: int | None = None, dry_run: bool = False
) -> list[int]:
    """Anonymise every expired officer account (one transaction each); the ids handled."""
    ids = expired_accounts(now, years)
    if dry_run:
        return ids
    for user_id in ids:
        anonymise_account(user_id, BY_RETENTION, now=now)
    return ids
