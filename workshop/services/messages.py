"""Messages an organizer composes to a workshop's registrants: all, confirmed, waitlisted or
checked-in. The organizer sees a preview and the number of recipients before sending.

Sending writes the message (``workshop_messages``), one outbox notice per recipient (event
``message``) and an audit event in one transaction; the notices then go out like any other
(``services.notifications``: retried, by e-mail or LINE as each officer chose). The notices are
inserted in one statement, so a message to a thousand people is queued in well under a second.

Rate limit: at most ``MESSAGES_PER_HOUR`` messages per workshop in any hour (3 by default),
counted in the database so every worker agrees; a fourth is refused with 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    MessageAudience,
    Notification,
    Registration,
    RegistrationStatus,
    User,
    Workshop,
    WorkshopMessage,
)
from workshop.models.types import utcnow
from workshop.models.user import DELETED_EMAIL_DOMAIN, WALK_IN_EMAIL_DOMAIN
from workshop.services.audit import record_event
from workshop.services.errors import DomainError, NotFound, ValidationFailed
from workshop.services.notifications import dispatch_notices
from workshop.services.text import TextRejected, clean_text
from workshop.services.transactions import write_transaction

MESSAGE = "message"
DEFAULT_MESSAGES_PER_HOUR = 3

AUDIENCE_LABELS = {
    MessageAudience.ALL: _l("ทุกคนที่ลงทะเบียน (ได้ที่นั่งและรายชื่อสำรอง)"),
    MessageAudience.CONFIRMED: _l("ผู้ได้ที่นั่ง"),
    MessageAudience.WAITLISTED: _l("ผู้อยู่ในรายชื่อสำรอง"),
    MessageAudience.CHECKED_IN: _l("ผู้ที่เช็กอินแล้วอย่างน้อยหนึ่งช่วง"),
}


class MessageRateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class Draft:
    """A message checked and ready to send or preview."""

    workshop: Workshop
    audience: str
    subject: str
    body: str
    recipients: int


def audience_label(audience: str) -> str:
    return str(AUDIENCE_LABELS.get(audience, audience))


def _recipients_query(workshop_id: int, audience: str):
    """Registration ids of the audience whose officer can be reached."""
    reachable = (
        select(User.id)
        .where(
            User.id == Registration.user_id,
            ~User.email.endswith("@" + WALK_IN_EMAIL_DOMAIN),
            ~User.email.endswith("@" + DELETED_EMAIL_DOMAIN),
        )
        .exists()
    )
    query = select(Registration.id).where(Registration.workshop_id == workshop_id, reachable)
    if audience == MessageAudience.ALL:
        statuses = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        return query.where(Registration.status.in_(statuses))
    if audience == MessageAudience.CONFIRMED:
        return query.where(Registration.status == RegistrationStatus.CONFIRMED)
    if audience == MessageAudience.WAITLISTED:
        return query.where(Registration.status == RegistrationStatus.WAITLISTED)
    checked_in = select(CheckIn.id).where(CheckIn.registration_id == Registration.id).exists()
    return query.where(Registration.status == RegistrationStatus.CONFIRMED, checked_in)


def sample_recipient(workshop_id: int, audience: str) -> Registration | None:
    """One recipient, to show the organizer the message as it will be read."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.id.in_(_recipients_query(workshop_id, audience)))
        .order_by(Registration.id)
        .limit(1)
    )


def recipient_count(workshop_id: int, audience: str) -> int:
    subquery = _recipients_query(workshop_id, audience).subquery()
    return db.session.scalar(select(func.count()).select_from(subquery)) or 0


def check_draft(workshop_id: int, audience: str, subject: str, body: str) -> Draft:
    """The message as it would be sent, with its number of recipients; ValidationFailed
    naming the fields when the input is not a message."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(str(_l("ไม่พบการอบรมนี้")))
    errors: dict[str, str] = {}
    if audience not in MessageAudience.CHOICES:
        errors["audience"] = str(_l("กรุณาเลือกผู้รับ"))
    cleaned = {}
    for field, value, limit, multiline in (
        ("subject", subject, WorkshopMessage.SUBJECT_MAX, False),
        ("body", body, WorkshopMessage.BODY_MAX, True),
    ):
        try:
            cleaned[field] = clean_text(value, max_length=limit, required=True, multiline=multiline)
        except TextRejected as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    count = recipient_count(workshop_id, audience)
    return Draft(workshop, audience, cleaned["subject"], cleaned["body"], count)


def _messages_per_hour() -> int:
    value = current_app.config.get("MESSAGES_PER_HOUR")
    return DEFAULT_MESSAGES_PER_HOUR if value is None else int(value)


def send_message(
    workshop_id: int, actor: User, audience: str, subject: str, body: str
) -> WorkshopMessage:
    """Queue the message to every recipient of ``audience`` now, in one transaction."""
    draft = check_draft(workshop_id, audience, subject, body)
    if draft.recipients == 0:
        nobody = str(_l("ไม่มีผู้รับในกลุ่มนี้"))
        raise ValidationFailed({"audience": nobody}, nobody)
    with write_transaction():
        workshop = db.session.scalar(
            select(Workshop).where(Workshop.id == workshop_id).with_for_update()
        )
        now = utcnow()
        recent = db.session.scalar(
            select(func.count(WorkshopMessage.id)).where(
                WorkshopMessage.workshop_id == workshop_id,
                WorkshopMessage.created_at > now - timedelta(hours=1),
            )
        )
        limit = _messages_per_hour()
        if recent >= limit:
            raise MessageRateLimited(
                str(
                    _l(
                        "ส่งข้อความถึงผู้ลงทะเบียนของการอบรมนี้ได้ไม่เกิน %(n)d ครั้งต่อชั่วโมง กรุณารอแล้วลองใหม่",
                        n=limit,
                    )
                )
            )
        recipients = list(db.session.scalars(_recipients_query(workshop_id, audience)))
        message = WorkshopMessage(
            workshop_id=workshop.id,
            author_id=actor.id,
            audience=audience,
            subject=draft.subject,
            body=draft.body,
            recipients=len(recipients),
            created_at=now,
        )
        db.session.add(message)
        db.session.flush()
        db.session.execute(
            insert(Notification),
            [
                {
                    "registration_id": registration_id,
                    "event": MESSAGE,
                    "message_id": message.id,
                    "created_at": now,
                    "due_at": now,
                    "attempts": 0,
                    "last_error": "",
                    "line_error": "",
                }
                for registration_id in recipients
            ],
        )
        record_event(
            actor,
            "workshop.message",
            workshop,
            {"message_id": message.id, "audience": audience, "recipients": len(recipients)},
        )
    dispatch_notices()
    return message


def sent_messages(workshop_id: int) -> list[WorkshopMessage]:
    return list(
        db.session.scalars(
            select(WorkshopMessage)
            .where(WorkshopMessage.workshop_id == workshop_id)
            .order_by(WorkshopMessage.id.desc())
        )
    )


def set_reminder_days(workshop_id: int, days: int | None, actor: User) -> Workshop:
    """The workshop's own reminder days (None: the installation's setting; 0: none)."""
    from workshop.services.reminders import MAX_REMINDER_DAYS

    if days is not None and not 0 <= days <= MAX_REMINDER_DAYS:
        message = str(_l("จำนวนวันต้องอยู่ระหว่าง 0 ถึง %(n)d", n=MAX_REMINDER_DAYS))
        raise ValidationFailed({"reminder_days": message}, message)
    with write_transaction():
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None:
            raise NotFound(str(_l("ไม่พบการอบรมนี้")))
        before = workshop.reminder_days
        workshop.reminder_days = days
        record_event(actor, "workshop.update", workshop, {"reminder_days": [before, days]})
    return workshop
