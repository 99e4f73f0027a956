"""Notices the clock causes: the reminder before a workshop, and "certificate ready" after it.

Every sender pass (the background sender thread of each worker, or ``flask send-mail`` from
cron) first calls :func:`queue_scheduled_notices`, then delivers what is due through the same
outbox as every other notice (``services.notifications``: retried, on the officer's channels).

Each is queued exactly once however many senders run at the same time:

- A reminder carries the key ``reminder:<registration id>`` in the unique
  ``notifications.dedupe_key``; senders insert with ON CONFLICT DO NOTHING, so the second
  one's insert adds nothing. It goes to the registrations confirmed when it falls due: N days
  before the first session (``Workshop.reminder_days``, or the installation's
  ``REMINDER_DAYS``, 1 by default; 0 sends none), with the ticket.
- "Certificate ready" is queued once per workshop, after the door closed on its last session
  (its end plus the check-in window's closing minutes, so late door syncs are in): the sender
  that sets ``Workshop.certificate_notices_at`` (a conditional UPDATE only one can win) queues
  one per registration that has a certificate or may download one, or may after answering the
  evaluation form (the notice then links to it). Keys ``certificate_ready:<registration id>``
  guard against anything else queuing it twice.

Only workshops whose moment is recent are looked at (:data:`LOOKBACK`), so that turning the
feature on does not mail everyone about workshops long past.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workshop.extensions import db
from workshop.models import (
    Notification,
    Registration,
    RegistrationStatus,
    User,
    Workshop,
    WorkshopSession,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.models.user import DELETED_EMAIL_DOMAIN, WALK_IN_EMAIL_DOMAIN
from workshop.services.notifications import CERTIFICATE_READY, REMINDER
from workshop.services.transactions import end_transaction, write_transaction

DEFAULT_REMINDER_DAYS = 1
MAX_REMINDER_DAYS = 30
# A reminder or certificate notice whose moment passed longer ago than this is not sent.
LOOKBACK = timedelta(days=3)
_HELD = (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)


def reminder_days(workshop: Workshop) -> int:
    """Days before the first session that the reminder goes out (0: none)."""
    if workshop.reminder_days is not None:
        return workshop.reminder_days
    configured = current_app.config.get("REMINDER_DAYS") if has_app_context() else None
    return DEFAULT_REMINDER_DAYS if configured is None else int(configured)


def reminder_due_at(workshop: Workshop) -> datetime | None:
    """When the workshop's reminder falls due, or None when it sends none."""
    days = reminder_days(workshop)
    if days <= 0 or workshop.starts_at is None:
        return None
    return workshop.starts_at - timedelta(days=days)


def _mailable(user_id_column):
    """Registrations whose officer can be reached (queue_notice's rule, as SQL)."""
    return (
        select(User.id)
        .where(
            User.id == user_id_column,
            ~User.email.endswith("@" + WALK_IN_EMAIL_DOMAIN),
            ~User.email.endswith("@" + DELETED_EMAIL_DOMAIN),
        )
        .exists()
    )


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    """Insert notices; a row whose dedupe key is taken (another sender queued it) is skipped."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Notification)
    statement = insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
        Notification.id
    )
    # RETURNING gives the rows this caller added (not those another sender had queued).
    return len(db.session.connection().execute(statement, rows).all())


def _notice_rows(registration_ids: list[int], event: str, now: datetime) -> list[dict]:
    return [
        {
            "registration_id": registration_id,
            "event": event,
            "dedupe_key": f"{event}:{registration_id}",
            "created_at": now,
            "due_at": now,
            "attempts": 0,
            "last_error": "",
            "line_error": "",
        }
        for registration_id in registration_ids
    ]


def _due_reminders(now: datetime) -> list[int]:
    """Registrations whose reminder fell due and is not queued yet (a read)."""
    first_session = (
        select(WorkshopSession.workshop_id, func.min(WorkshopSession.starts_at).label("starts"))
        .group_by(WorkshopSession.workshop_id)
        .subquery()
    )
    candidates = db.session.scalars(
        select(Workshop)
        .join(first_session, first_session.c.workshop_id == Workshop.id)
        .where(
            Workshop.status.in_(_HELD),
            first_session.c.starts > now,
            first_session.c.starts <= now + timedelta(days=MAX_REMINDER_DAYS),
        )
    ).all()
    due = []
    for workshop in candidates:
        moment = reminder_due_at(workshop)
        if moment is None or moment > now or moment < now - LOOKBACK:
            continue
        due += db.session.scalars(
            select(Registration.id).where(
                Registration.workshop_id == workshop.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                _mailable(Registration.user_id),
                # Only saves work: the unique key is what keeps a reminder single.
                ~select(Notification.id)
                .where(
                    Notification.registration_id == Registration.id,
                    Notification.event == REMINDER,
                )
                .exists(),
            )
        )
    return due


def _queue_reminders(now: datetime) -> int:
    due = _due_reminders(now)
    end_transaction()  # the read is done; a pass with nothing due writes nothing
    if not due:
        return 0
    with write_transaction():
        return _insert_ignoring_duplicates(_notice_rows(due, REMINDER, now))


def _certificate_holders(workshop: Workshop, now: datetime) -> list[int]:
    """Registrations told their certificate is ready: issued, downloadable now, or after
    answering the evaluation form."""
    from workshop.services.certificates import CertificateState, certificate_rows

    ready = (CertificateState.ISSUED, CertificateState.ELIGIBLE, CertificateState.EVALUATION)
    return [
        row.registration.id
        for row in certificate_rows(workshop.id, now)
        if row.eligibility.state in ready and row.registration.user.mailable
    ]


def _queue_certificate_notices(now: datetime) -> int:
    last_session = (
        select(WorkshopSession.workshop_id, func.max(WorkshopSession.ends_at).label("ends"))
        .group_by(WorkshopSession.workshop_id)
        .subquery()
    )
    candidates = db.session.execute(
        select(Workshop.id, Workshop.checkin_closes_minutes, last_session.c.ends)
        .join(last_session, last_session.c.workshop_id == Workshop.id)
        .where(
            Workshop.status.in_(_HELD),
            Workshop.certificate_notices_at.is_(None),
            last_session.c.ends <= now,
            last_session.c.ends >= now - LOOKBACK - timedelta(days=1),
        )
    ).all()
    added = 0
    for workshop_id, closes_minutes, ends in candidates:
        door_closed = ends + timedelta(minutes=closes_minutes or 0)
        if door_closed > now or door_closed < now - LOOKBACK:
            continue
        with write_transaction():
            claimed = db.session.execute(
                update(Workshop)
                .where(Workshop.id == workshop_id, Workshop.certificate_notices_at.is_(None))
                .values(certificate_notices_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue  # another sender has it
            workshop = db.session.get(Workshop, workshop_id)
            holders = _certificate_holders(workshop, now)
            added += _insert_ignoring_duplicates(_notice_rows(holders, CERTIFICATE_READY, now))
    return added


def queue_scheduled_notices(now: datetime | None = None) -> int:
    """Queue the reminders and certificate notices that fell due; returns how many were added
    (by this caller: another sender may have queued the rest)."""
    now = now or utcnow()
    added = _queue_reminders(now)
    added += _queue_certificate_notices(now)
    end_transaction()
    return added


def reminder_progress(workshop_id: int) -> tuple[int, int]:
    """(reminders queued and not yet sent, reminders sent) for the workshop's page."""
    rows = db.session.execute(
        select(Notification.sent_at.is_(None), func.count(Notification.id))
        .join(Registration, Registration.id == Notification.registration_id)
        .where(Registration.workshop_id == workshop_id, Notification.event == REMINDER)
        .group_by(Notification.sent_at.is_(None))
    ).all()
    counts = {bool(waiting): count for waiting, count in rows}
    return counts.get(True, 0), counts.get(False, 0)
