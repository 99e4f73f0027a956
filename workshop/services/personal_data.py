"""Everything held about one person, for them to download (PDPA right of access, sections 30-31).

The export's shape is declared once, here, as the models below: ``/auth/my-data.json`` writes
it as a file, ``GET /api/v1/me/data`` returns it and the OpenAPI document describes it from the
same models. Nothing about anyone else, and no secrets (password hash, API token digests,
ticket secrets). Times are UTC, ISO 8601 with ``Z``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    Certificate,
    CheckIn,
    ExcusedAbsence,
    RefusedScan,
    Registration,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.services.certificates import format_code, revoke_reason_text, verification_url
from workshop.services.checkins import refusal_label
from workshop.services.officers import PDPA_PURPOSE
from workshop.services.privacy import retention_years
from workshop.services.waitlist import waitlist_position

FORMAT = "workshop personal data export, version 1"

# Audit details that describe the subject's own records; anything else (ids of the staff who
# acted, free keys added later) stays out of the export.
EXPORTED_DETAILS = {
    "status",
    "was",
    "reason",
    "on_behalf",
    "walk_in",
    "number",
    "method",
    "channel",
}


# ---------------------------------------------------------------- the shape


class AccountProfile(BaseModel):
    """An account as its owner sees it (also the API's ``UserOut``)."""

    id: int
    email: str
    role: str
    title_prefix: str
    first_name: str
    last_name: str
    full_name: str
    position: str
    agency: str
    district: str
    province: str


class ExportAccount(AccountProfile):
    phone: str = Field(description="E.164, e.g. `+66812345678`; empty if none.")
    created_at: str
    active: bool


class ExportConsent(BaseModel):
    given_at: str | None = Field(description="When PDPA consent was given (UTC); null if never.")
    purpose: str = Field(description="The purpose consented to, as shown at sign-up.")


class ExportLine(BaseModel):
    user_id: str | None = Field(description="LINE user id linked via LINE Login, or null.")
    linked_at: str | None
    blocked_at: str | None = Field(
        description="Since when LINE says the officer cannot be reached there (blocked the "
        "office's Official Account); null otherwise."
    )
    notices_by: Literal["email", "line", "both"]


class ExportRetention(BaseModel):
    years: int
    rule: str


class ExportWorkshop(BaseModel):
    id: int
    title: str
    organizing_agency: str
    venue: str | None
    starts_at: str | None
    ends_at: str | None
    status: str


class ExportRegistration(BaseModel):
    id: int
    workshop: ExportWorkshop
    status: str
    waitlist_position: int | None
    registered_at: str
    registered_by: Literal["self", "staff"]
    confirmed_at: str | None
    cancelled_at: str | None
    cancel_reason: str | None


class ExportCheckIn(BaseModel):
    registration_id: int
    workshop: str | None
    session: str
    session_starts_at: str
    scanned_at: str
    recorded_at: str
    checked_out_at: str | None = Field(description="The last scan out; null if none.")
    method: str


class ExportExcuse(BaseModel):
    """A session the person was excused from (leave, official duty, another reason)."""

    registration_id: int
    workshop: str | None
    session: str
    session_starts_at: str
    kind: Literal["leave", "official_duty", "other"]
    reason: str
    recorded_at: str


class ExportRefusedScan(BaseModel):
    """A scan of the person's ticket that a door sent late and the server refused."""

    registration_id: int
    workshop: str | None
    session: str
    scanned_at: str
    received_at: str
    reason: str
    check_out: bool  # the exit's scan, not the door's on the way in
    resolved_at: str | None


class ExportCertificate(BaseModel):
    registration_id: int
    workshop: str | None
    number: str
    code: str
    verify_url: str
    issued_on: str
    status: Literal["valid", "revoked"]
    revoked_at: str | None
    revoked_reason: str | None


class ExportEvent(BaseModel):
    """An audit event. One about someone else's record that the person acted on (staff,
    organizers) has only ``at``, ``action`` and ``on``."""

    at: str
    action: str
    on: str = Field(description="The kind of record (table name).")
    record_id: int | None = Field(None, description="Only for the caller's own records.")
    by: Literal["self", "staff", "system"] | None = None
    details: dict[str, Any] | None = None


class PersonalData(BaseModel):
    """Everything the system holds about the caller (PDPA right of access and portability)."""

    format: str
    exported_at: str
    account: ExportAccount
    line: ExportLine
    consent: ExportConsent
    retention: ExportRetention
    registrations: list[ExportRegistration]
    check_ins: list[ExportCheckIn]
    excused_absences: list[ExportExcuse]
    refused_scans: list[ExportRefusedScan]
    certificates: list[ExportCertificate]
    audit_events: list[ExportEvent]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready data; fields an entry leaves out (other people's events) stay out."""
        return self.model_dump(mode="json", exclude_unset=True)


# ---------------------------------------------------------------- building it


def personal_data(user: User) -> PersonalData:
    """Everything held about ``user``: the profile, consent and retention rule, registrations
    with their workshop's title and dates, check-ins with their session and time, certificates
    with number, verification code and status, and the audit events about the person's own
    account, registrations and certificates (who acted only as ``self``, ``staff`` or
    ``system``). Events in which the person acted on other people's records are listed by
    action and time only."""
    registrations = _registrations(user)
    titles = {r.id: r.workshop.full_title for r in registrations}
    certificates = _certificates(list(titles))
    return PersonalData(
        format=FORMAT,
        exported_at=_iso(utcnow()),
        account=_account(user),
        line=ExportLine(
            user_id=user.line_user_id,
            linked_at=_iso(user.line_linked_at),
            blocked_at=_iso(user.line_blocked_at),
            notices_by=user.notice_channel,
        ),
        consent=ExportConsent(given_at=_iso(user.pdpa_consent_at), purpose=str(PDPA_PURPOSE)),
        retention=ExportRetention(
            years=retention_years(),
            rule=str(
                _l(
                    "บัญชีเจ้าหน้าที่ที่ไม่มีการอบรมภายใน %(years)d ปี จะถูกลบข้อมูลส่วนบุคคลโดยอัตโนมัติ",
                    years=retention_years(),
                )
            ),
        ),
        registrations=[_registration(r, user) for r in registrations],
        check_ins=_check_ins(titles),
        excused_absences=_excuses(titles),
        refused_scans=_refused_scans(titles),
        certificates=[_certificate(c, titles) for c in certificates],
        audit_events=_events(user, set(titles), {c.id for c in certificates}),
    )


def export_filename(user: User) -> str:
    return f"workshop-personal-data-{user.id}-{utcnow():%Y%m%d}.json"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _account(user: User) -> ExportAccount:
    profile = {name: getattr(user, name) for name in AccountProfile.model_fields}
    return ExportAccount(
        **profile, phone=user.phone, created_at=_iso(user.created_at), active=user.active
    )


def _registrations(user: User) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == user.id)
            .options(joinedload(Registration.workshop).joinedload(Workshop.venue))
            .order_by(Registration.created_at, Registration.id)
        ).unique()
    )


def _registration(registration: Registration, user: User) -> ExportRegistration:
    workshop = registration.workshop
    venue = workshop.venue
    return ExportRegistration(
        id=registration.id,
        workshop=ExportWorkshop(
            id=workshop.id,
            title=workshop.full_title,
            organizing_agency=workshop.organizing_agency,
            venue=venue.name if venue is not None else None,
            starts_at=_iso(workshop.starts_at),
            ends_at=_iso(workshop.ends_at),
            status=workshop.status,
        ),
        status=registration.status,
        waitlist_position=waitlist_position(registration),
        registered_at=_iso(registration.created_at),
        registered_by="self" if registration.registered_by_id in (None, user.id) else "staff",
        confirmed_at=_iso(registration.confirmed_at),
        cancelled_at=_iso(registration.cancelled_at),
        cancel_reason=registration.cancel_reason or None,
    )


def _with_sessions(model: Any, titles: dict[int, str], *order_by: Any) -> list[Any]:
    """(record, its session) for the ``model`` records (check-ins, excuses, refused scans) of
    the registrations in ``titles`` (registration id -> workshop title)."""
    if not titles:
        return []
    return list(
        db.session.execute(
            select(model, WorkshopSession)
            .join(WorkshopSession, WorkshopSession.id == model.session_id)
            .where(model.registration_id.in_(list(titles)))
            .order_by(*order_by)
        ).all()
    )


def _check_ins(titles: dict[int, str]) -> list[ExportCheckIn]:
    """The check-ins of the registrations in ``titles`` (registration id -> workshop title)."""
    rows = _with_sessions(CheckIn, titles, CheckIn.scanned_at, CheckIn.id)
    return [
        ExportCheckIn(
            registration_id=check_in.registration_id,
            workshop=titles.get(check_in.registration_id),
            session=session.title,
            session_starts_at=_iso(session.starts_at),
            scanned_at=_iso(check_in.scanned_at),
            recorded_at=_iso(check_in.recorded_at),
            checked_out_at=_iso(check_in.checked_out_at),
            method=check_in.method,
        )
        for check_in, session in rows
    ]


def _excuses(titles: dict[int, str]) -> list[ExportExcuse]:
    rows = _with_sessions(ExcusedAbsence, titles, WorkshopSession.starts_at, ExcusedAbsence.id)
    return [
        ExportExcuse(
            registration_id=excuse.registration_id,
            workshop=titles.get(excuse.registration_id),
            session=session.title,
            session_starts_at=_iso(session.starts_at),
            kind=excuse.kind,
            reason=excuse.reason,
            recorded_at=_iso(excuse.recorded_at),
        )
        for excuse, session in rows
    ]


def _refused_scans(titles: dict[int, str]) -> list[ExportRefusedScan]:
    rows = _with_sessions(RefusedScan, titles, RefusedScan.scanned_at, RefusedScan.id)
    return [
        ExportRefusedScan(
            registration_id=refused.registration_id,
            workshop=titles.get(refused.registration_id),
            session=session.title,
            scanned_at=_iso(refused.scanned_at),
            received_at=_iso(refused.received_at),
            reason=refusal_label(refused.code),
            check_out=refused.checkout,
            resolved_at=_iso(refused.resolved_at),
        )
        for refused, session in rows
    ]


def _certificates(registration_ids: list[int]) -> list[Certificate]:
    if not registration_ids:
        return []
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.registration_id.in_(registration_ids))
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )


def _certificate(certificate: Certificate, titles: dict[int, str]) -> ExportCertificate:
    revoked = certificate.revoked
    return ExportCertificate(
        registration_id=certificate.registration_id,
        workshop=titles.get(certificate.registration_id),
        number=certificate.number_text,
        code=format_code(certificate.code),
        verify_url=verification_url(certificate),
        issued_on=certificate.issued_on.isoformat(),
        status="revoked" if revoked else "valid",
        revoked_at=_iso(certificate.revoked_at),
        revoked_reason=revoke_reason_text(certificate.revoke_reason) if revoked else None,
    )


def _events(user: User, registration_ids: set[int], certificate_ids: set[int]) -> list[ExportEvent]:
    """The audit events about the person's own records, and those in which they acted."""
    own = {
        "users": {user.id},
        "registrations": registration_ids,
        "certificates": certificate_ids,
    }
    about_me = [
        (AuditEvent.entity_type == kind) & AuditEvent.entity_id.in_(ids)
        for kind, ids in own.items()
        if ids
    ]
    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(*about_me, AuditEvent.actor_id == user.id))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return [_event(event, user.id, own) for event in events]


def _event(event: AuditEvent, subject_id: int, own: dict[str, set[int]]) -> ExportEvent:
    at = _iso(event.created_at)
    if event.entity_id not in own.get(event.entity_type, ()):
        # The person acted on someone else's record: no ids, no details.
        return ExportEvent(at=at, action=event.action, on=event.entity_type)
    return ExportEvent(
        at=at,
        action=event.action,
        on=event.entity_type,
        record_id=event.entity_id,
        by=_actor_label(event.actor_id, subject_id),
        details={k: v for k, v in (event.details or {}).items() if k in EXPORTED_DETAILS},
    )


def _actor_label(actor_id: int | None, subject_id: int) -> Literal["self", "staff", "system"]:
    if actor_id is None:
        return "system"
    return "self" if actor_id == subject_id else "staff"
