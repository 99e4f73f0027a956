"""Personal data under the PDPA (พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562): export, deletion, retention.

- ``personal_data(user)``: everything the system holds about one person, as JSON-ready data
  (right of access and data portability, sections 30-31). Nothing about anyone else, and no
  secrets (password hash, API token digests, ticket secrets).
- ``delete_account(user, password)``: the person's own request to erase (section 33). The row of
  the account stays but is anonymised by ``anonymise_account``, in one transaction.
- ``purge_expired()``: accounts of officers with no workshop within the retention period
  (``RETENTION_YEARS``) are anonymised the same way (section 37(3): keep no longer than needed).

What anonymising keeps and drops (README, "Personal data (PDPA)"):

* dropped: title prefix, first and last name, position, phone, e-mail (replaced by the reserved,
  never-mailed ``deleted-<id>@deleted.invalid``), consent time, password (an unusable random
  hash), API tokens, unsent notices;
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
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from workshop.extensions import db
from workshop.models import (
    ApiToken,
    AuditEvent,
    Certificate,
    CheckIn,
    Notification,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.models.user import DELETED_EMAIL_DOMAIN
from workshop.services.accounts import forget_cached_tokens
from workshop.services.audit import record_event
from workshop.services.certificates import (
    REVOKED_ACCOUNT_DELETED,
    REVOKED_RETENTION,
    format_code,
    revoke_certificates_locked,
    revoke_reason_text,
    verification_url,
)
from workshop.services.errors import NotAllowed, ValidationFailed
from workshop.services.notifications import dispatch_notices
from workshop.services.officers import PDPA_PURPOSE
from workshop.services.registrations import (
    cancel_locked,
    cancellable_by_owner,
    lock_workshop,
)
from workshop.services.transactions import write_transaction
from workshop.services.waitlist import waitlist_position

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

# Audit details that describe the subject's own records; anything else (ids of the staff who
# acted, free keys added later) stays out of the export.
_EXPORTED_DETAILS = {"status", "was", "reason", "on_behalf", "walk_in", "number", "method"}


class LastOrganizer(NotAllowed):
    code = "last_organizer"

    def default_message(self) -> str:
        return str(_l("ลบบัญชีนี้ไม่ได้ เพราะเป็นผู้จัดคนสุดท้ายของระบบ ให้เพิ่มผู้จัดคนอื่นก่อน"))


class AccountDeleted(NotAllowed):
    code = "account_deleted"

    def default_message(self) -> str:
        return str(_l("บัญชีนี้ถูกลบไปแล้ว"))


# ---------------------------------------------------------------- export


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _actor_label(actor_id: int | None, subject_id: int) -> str:
    if actor_id is None:
        return "system"
    return "self" if actor_id == subject_id else "staff"


def personal_data(user: User) -> dict[str, Any]:
    """Everything held about ``user``, for download as JSON (PDPA right of access/portability).

    Registrations come with their workshop's title and dates, check-ins with their session and
    time, certificates with number, verification code and status, and the audit events about
    the person's own account, registrations and certificates (who acted is given only as
    ``self``, ``staff`` or ``system``). Events in which the person acted on other people's
    records (staff and organizers) are listed by action and time only.
    """
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == user.id)
            .options(joinedload(Registration.workshop).joinedload(Workshop.venue))
            .order_by(Registration.created_at, Registration.id)
        ).unique()
    )
    registration_ids = [r.id for r in registrations]
    check_ins = (
        list(
            db.session.execute(
                select(CheckIn, WorkshopSession)
                .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
                .where(CheckIn.registration_id.in_(registration_ids))
                .order_by(CheckIn.scanned_at, CheckIn.id)
            ).all()
        )
        if registration_ids
        else []
    )
    certificates = (
        list(
            db.session.scalars(
                select(Certificate)
                .where(Certificate.registration_id.in_(registration_ids))
                .order_by(Certificate.issued_at, Certificate.id)
            )
        )
        if registration_ids
        else []
    )
    certificate_ids = [c.id for c in certificates]
    about_me = [(AuditEvent.entity_type == "users") & (AuditEvent.entity_id == user.id)]
    if registration_ids:
        about_me.append(
            (AuditEvent.entity_type == "registrations") & AuditEvent.entity_id.in_(registration_ids)
        )
    if certificate_ids:
        about_me.append(
            (AuditEvent.entity_type == "certificates") & AuditEvent.entity_id.in_(certificate_ids)
        )
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*about_me, AuditEvent.actor_id == user.id))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
    titles = {r.id: r.workshop.title for r in registrations}

    def registration_json(r: Registration) -> dict[str, Any]:
        workshop = r.workshop
        venue = workshop.venue
        return {
            "id": r.id,
            "workshop": {
                "id": workshop.id,
                "title": workshop.title,
                "organizing_agency": workshop.organizing_agency,
                "venue": venue.name if venue is not None else None,
                "starts_at": _iso(workshop.starts_at),
                "ends_at": _iso(workshop.ends_at),
                "status": workshop.status,
            },
            "status": r.status,
            "waitlist_position": waitlist_position(r),
            "registered_at": _iso(r.created_at),
            "registered_by": "self" if r.registered_by_id in (None, user.id) else "staff",
            "confirmed_at": _iso(r.confirmed_at),
            "cancelled_at": _iso(r.cancelled_at),
            "cancel_reason": r.cancel_reason or None,
        }

    def event_json(event: AuditEvent) -> dict[str, Any]:
        own = (
            (event.entity_type == "users" and event.entity_id == user.id)
            or (event.entity_type == "registrations" and event.entity_id in titles)
            or (event.entity_type == "certificates" and event.entity_id in certificate_ids)
        )
        if not own:  # the person acted on someone else's record: no ids, no details
            return {"at": _iso(event.created_at), "action": event.action, "on": event.entity_type}
        return {
            "at": _iso(event.created_at),
            "action": event.action,
            "on": event.entity_type,
            "record_id": event.entity_id,
            "by": _actor_label(event.actor_id, user.id),
            "details": {k: v for k, v in (event.details or {}).items() if k in _EXPORTED_DETAILS},
        }

    return {
        "format": "workshop personal data export, version 1",
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "role": user.role,
            "title_prefix": user.title_prefix,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "full_name": user.full_name,
            "position": user.position,
            "agency": user.agency,
            "district": user.district,
            "province": user.province,
            "phone": user.phone,
            "created_at": _iso(user.created_at),
            "active": user.active,
        },
        "consent": {
            "given_at": _iso(user.pdpa_consent_at),
            "purpose": str(PDPA_PURPOSE),
        },
        "retention": {
            "years": retention_years(),
            "rule": str(
                _l(
                    "บัญชีเจ้าหน้าที่ที่ไม่มีการอบรมภายใน %(years)d ปี จะถูกลบข้อมูลส่วนบุคคลโดยอัตโนมัติ",
                    years=retention_years(),
                )
            ),
        },
        "registrations": [registration_json(r) for r in registrations],
        "check_ins": [
            {
                "registration_id": check_in.registration_id,
                "workshop": titles.get(check_in.registration_id),
                "session": session.title,
                "session_starts_at": _iso(session.starts_at),
                "scanned_at": _iso(check_in.scanned_at),
                "recorded_at": _iso(check_in.recorded_at),
                "method": check_in.method,
            }
            for check_in, session in check_ins
        ],
        "certificates": [
            {
                "registration_id": c.registration_id,
                "workshop": titles.get(c.registration_id),
                "number": c.number_text,
                "code": format_code(c.code),
                "verify_url": verification_url(c),
                "issued_on": c.issued_on.isoformat(),
                "status": "revoked" if c.revoked else "valid",
                "revoked_at": _iso(c.revoked_at),
                "revoked_reason": revoke_reason_text(c.revoke_reason) if c.revoked else None,
            }
            for c in certificates
        ],
        "audit_events": [event_json(e) for e in events],
    }


def export_filename(user: User) -> str:
    return f"workshop-personal-data-{user.id}-{utcnow():%Y%m%d}.json"


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
        to_cancel=[r for r in active if cancellable_by_owner(r.workshop)],
        kept=[r for r in active if not cancellable_by_owner(r.workshop)],
        certificates=certificates,
        last_organizer=user.role == Role.ORGANIZER and not others,
    )


def delete_account(user: User, password: str) -> DeletionSummary:
    """The owner deletes their own account after typing their password again.

    One transaction (``anonymise_account``); the caller signs the browser out. Raises
    ``ValidationFailed`` (field ``password``) for a wrong password, ``LastOrganizer`` for the
    only remaining organizer, ``AccountDeleted`` if it is gone already; then nothing changed.
    """
    if user.deleted or not user.active:
        raise AccountDeleted()
    if not password or not check_password_hash(user.password_hash, password):
        raise ValidationFailed({"password": str(_l("รหัสผ่านไม่ถูกต้อง"))})
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
        organizers = select(User.id).where(
            User.role == Role.ORGANIZER, User.active.is_(True), User.deleted_at.is_(None)
        )
        remaining: set[int] | None = None
        if db.session.scalar(select(User.role).where(User.id == user_id)) == Role.ORGANIZER:
            # Every organizer row first, in id order, so two organizers deleting themselves at
            # once queue instead of each locking their own row and waiting for the other's.
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
        role = user.role
        _scrub(user, now)
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        db.session.flush()  # the address is no longer mailable before anything is cancelled

        actor = db.session.get(User, actor_id) if actor_id is not None else None
        cancelled = promoted = 0
        active = db.session.execute(
            select(Registration.id, Registration.workshop_id)
            .where(
                Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .order_by(Registration.workshop_id)  # one lock order for every writer
        ).all()
        for registration_id, workshop_id in active:
            workshop = lock_workshop(workshop_id)
            registration = db.session.get(Registration, registration_id, populate_existing=True)
            if registration is None or registration.status == RegistrationStatus.CANCELLED:
                continue
            if not cancellable_by_owner(workshop, now):
                continue  # attended history: kept as it is, for the statistics
            promoted += len(cancel_locked(registration, workshop, actor, _CANCEL_REASONS[why]))
            cancelled += 1
        revoked = revoke_certificates_locked(user.id, _REVOKE_REASONS[why], None)
        own_registrations = select(Registration.id).where(Registration.user_id == user.id)
        db.session.execute(
            delete(Notification)
            .where(
                Notification.registration_id.in_(own_registrations),
                Notification.sent_at.is_(None),
            )
            .execution_options(synchronize_session=False)
        )
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
