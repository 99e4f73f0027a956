"""The notice outbox: notices are queued in the transaction that causes them, then delivered.

Queuing inside the transaction means a notice exists exactly when its change was committed (no
mail for a rolled-back registration, no lost mail when the process dies right after commit).
Delivery happens after the response, so a slow or unreachable mail server never holds up a
registration, and failed deliveries are retried with growing delays.

A notice goes out on the channels its officer chose (``services.line_accounts``): e-mail, LINE,
or both. Each channel's progress is kept on the notice, so a retry sends only what has not gone
out yet. LINE answering 5xx or 429 (or not answering) retries the notice like a mail server
that is down; any other 4xx (a blocked user: 400 or 403) is recorded on the notice, not
retried, and the notice is mailed instead; a blocked user gets no further pushes until LINE
says they follow the Official Account again.

``MAIL_DELIVERY`` chooses who delivers: ``background`` (default) wakes a sender thread in the
same process right after commit and polls for retries; ``inline`` delivers right after commit in
the caller's thread (tests, CLI); ``manual`` leaves it to ``flask --app workshop send-mail``
(e.g. from cron, for deployments that want no threads in web workers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from workshop.extensions import db
from workshop.models import Notification, Registration, RegistrationStatus, WorkshopStatus
from workshop.models.types import utcnow
from workshop.services.transactions import end_transaction, write_transaction

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
# Delays before retry 1, 2, ...; after the last one the notice is given up (and stays visible).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
POLL_SECONDS = 30.0
# The notice to everyone registered when the organizer cancels the whole workshop (the other
# events are a registration's own: confirmed, waitlisted, promoted, cancelled).
WORKSHOP_CANCELLED = "workshop_cancelled"
# The organizer reissued the registration's ticket: the new QR code, since the old one stopped.
TICKET_REISSUED = "ticket_reissued"
# A password reset link (``services.password_resets``): the notice has no registration, and
# goes by e-mail only, to the account's own address.
PASSWORD_RESET = "password_reset"
# An account made for someone (a participants import): the same link, to set a first password.
INVITATION = "invitation"
# Notices the clock queues (``services.reminders``): N days before, and once the door closed.
REMINDER = "reminder"
CERTIFICATE_READY = "certificate_ready"


def queue_notice(registration: Registration, event: str) -> None:
    """Add a notice to the current transaction; it is sent only if the transaction commits."""
    if not registration.user.mailable:
        return
    db.session.add(Notification(registration=registration, event=str(event)))


def _claim(notice_id: int, now: datetime) -> bool:
    """Take a due notice for this sender; False if another sender has it."""
    with write_transaction():
        result = db.session.execute(
            update(Notification)
            .where(
                Notification.id == notice_id,
                Notification.sent_at.is_(None),
                Notification.failed_at.is_(None),
                or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


@dataclass
class Delivery:
    """What one attempt at a notice did, channel by channel."""

    mailed: bool = False
    pushed_to: str | None = None  # the LINE user id the push went to
    line_error: str = ""  # LINE refused the push (4xx): recorded, not pushed again
    line_unreachable_id: str | None = None  # ... because this LINE user cannot be reached
    error: Exception | None = None  # a channel failed for now: try the notice again later
    obsolete: str = ""  # no longer to be sent (obsolete_reason): why


def _send(notice: Notification) -> Delivery:
    """Send the notice on each of its officer's channels that has not had it yet."""
    from workshop.services.line import LineRejected, line_settings
    from workshop.services.line_accounts import EMAIL, LINE, notice_channels
    from workshop.services.line_messages import push_registration_notice
    from workshop.services.mail import send_notice

    delivery = Delivery()
    if notice.password_reset is not None:
        from workshop.services.mail import send_invitation, send_password_reset

        send = send_invitation if notice.event == INVITATION else send_password_reset
        try:
            send(notice.password_reset)
        except Exception as exc:  # retried like any notice
            delivery.error = exc
        else:
            delivery.mailed = True
        return delivery
    registration = notice.registration
    reason = obsolete_reason(notice)
    if reason:
        delivery.obsolete = reason
        return delivery
    channels = set(notice_channels(registration.user))
    if notice.line_error:  # LINE refused this notice on an earlier attempt
        channels = {EMAIL}
    settings = line_settings()
    if LINE in channels and notice.line_sent_at is None and settings is not None:
        try:
            delivery.pushed_to = push_registration_notice(settings, notice)
        except LineRejected as exc:
            delivery.line_error = str(exc)
            if exc.recipient_unreachable:
                delivery.line_unreachable_id = registration.user.line_user_id
            channels.add(EMAIL)  # the officer falls back to e-mail
            log.warning("LINE refused notice %s, mailing it instead: %s", notice.id, exc)
        except Exception as exc:  # 5xx, 429, no answer: the queue retries
            delivery.error = exc
    if EMAIL in channels and notice.mailed_at is None and registration.user.mailable:
        try:
            send_notice(notice)
        except Exception as exc:  # any transport or rendering failure: retry later
            delivery.error = delivery.error or exc
        else:
            delivery.mailed = True
    return delivery


def _record_outcome(notice_id: int, delivery: Delivery) -> None:
    """Record what went out; mark the notice done, or schedule its retry (or give it up), in a
    write transaction."""
    from workshop.services.line_accounts import mark_line_unreachable

    with write_transaction():
        notice = db.session.get(Notification, notice_id, populate_existing=True)
        notice.attempts += 1
        notice.claimed_until = None
        now = utcnow()
        if delivery.mailed:
            notice.mailed_at = now
        if delivery.pushed_to:
            notice.line_sent_at = now
        if delivery.line_error:
            notice.line_error = delivery.line_error[: Notification.ERROR_MAX]
            if delivery.line_unreachable_id:
                mark_line_unreachable(notice.registration.user, delivery.line_unreachable_id, now)
        if delivery.obsolete:
            # Not sent and not to be retried; kept, with why, like a notice given up.
            notice.failed_at = now
            notice.last_error = f"not sent: {delivery.obsolete}"[: Notification.ERROR_MAX]
            return
        error = delivery.error
        if error is None:
            notice.sent_at = now
            return
        notice.last_error = f"{type(error).__name__}: {error}"[: Notification.ERROR_MAX]
        if notice.attempts > len(RETRY_DELAYS):
            notice.failed_at = utcnow()
            log.error("gave up delivering notice %s: %s", notice_id, notice.last_error)
        else:
            notice.due_at = utcnow() + RETRY_DELAYS[notice.attempts - 1]
            log.warning(
                "delivering notice %s failed, retry at %s: %s",
                notice_id,
                notice.due_at,
                notice.last_error,
            )


def deliver_due(limit: int = 50, now: datetime | None = None) -> int:
    """Send the notices that are due; returns how many were sent.

    The mail and the LINE push are built and sent outside any database transaction, so a slow
    mail server or LINE holds no lock; each claim and each outcome is a short write transaction
    of its own.
    """
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.sent_at.is_(None),
                Notification.failed_at.is_(None),
                Notification.due_at <= now,
                or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )
    end_transaction()  # the read is done; each claim below is a write of its own
    sent = 0
    for notice_id in due:
        if not _claim(notice_id, now):
            continue
        notice = db.session.get(Notification, notice_id, populate_existing=True)
        delivery = _send(notice)
        end_transaction()  # sending wrote nothing; end the read before recording
        _record_outcome(notice_id, delivery)
        if delivery.error is None and not delivery.obsolete:
            sent += 1
    return sent


# Rules that fall due with time, run by every sender pass before delivery
# (``register_sender_pass``): the reminders and certificate-ready notices
# (``services.reminders.queue_scheduled_notices``) and the release of unfilled quota seats
# (``services.quotas.release_due_quotas``), whose promotions then go out in the same pass.
# Registered by ``create_app``, so that this module imports none of the services above it.
_pass_hooks: list[Callable[[datetime | None], object]] = []


def register_sender_pass(hook: Callable[[datetime | None], object]) -> None:
    if hook not in _pass_hooks:
        _pass_hooks.append(hook)


def run_sender_pass_hooks(now: datetime | None = None) -> None:
    for hook in _pass_hooks:
        try:
            hook(now)
        except Exception:  # one failing rule must not stop the mail; the next pass tries again
            end_transaction()
            log.exception("sender pass hook %s failed", getattr(hook, "__name__", hook))


def send_pass(now: datetime | None = None) -> int:
    """One pass of a sender (the background thread, or ``flask send-mail``): run the rules
    that fell due (``register_sender_pass``), then deliver everything due; returns how many
    were sent."""
    run_sender_pass_hooks(now)
    sent = 0
    while (batch := deliver_due(now=now)) > 0:
        sent += batch
    return sent


def dispatch_notices() -> None:
    """Called after a commit that may have queued notices: deliver them as configured."""
    mode = current_app.config.get("MAIL_DELIVERY", "background")
    if mode == "inline":
        try:
            deliver_due()
        except Exception:  # the change stands; the notice stays queued for a later attempt
            end_transaction()
            log.exception("delivering notices failed")
    elif mode == "background":
        _sender_for(current_app._get_current_object()).wake()


class _Sender:
    """One daemon thread per process that delivers when woken and polls for retries."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.event = threading.Event()
        self.event.set()  # first pass at once: notices queued while no sender ran (CLI, restarts)
        self.thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        self.event.set()

    def _run(self) -> None:
        while True:
            self.event.wait(timeout=float(self.app.config.get("MAIL_POLL_SECONDS", POLL_SECONDS)))
            self.event.clear()
            if self.app.config.get("MAIL_DELIVERY") != "background":
                continue  # switched off (e.g. by a test) while the thread lives on
            with self.app.app_context():
                try:
                    send_pass()
                except Exception:
                    log.exception("mail sender pass failed")
                finally:
                    db.session.remove()


_senders: dict[int, _Sender] = {}
_senders_lock = threading.Lock()


def _sender_for(app: Flask) -> _Sender:
    # Keyed by app and started lazily, so each gunicorn worker starts its own after the fork.
    with _senders_lock:
        sender = _senders.get(id(app))
        if sender is None or not sender.thread.is_alive():
            sender = _senders[id(app)] = _Sender(app)
        return sender


def register_sender(app: Flask) -> None:
    """Start this process's sender with its first request when delivery is in the background."""

    @app.before_request
    def ensure_sender() -> None:
        if app.config.get("MAIL_DELIVERY") == "background":
            _sender_for(app)


def obsolete_reason(notice: Notification) -> str | None:
    """Why a queued reminder or certificate notice should no longer go out (the workshop was
    cancelled, the seat given up, the workshop began), or None to send it."""
    registration = notice.registration
    workshop = registration.workshop
    if notice.event not in (REMINDER, CERTIFICATE_READY):
        return None
    if workshop.status == WorkshopStatus.CANCELLED:
        return "the workshop was cancelled"
    if notice.event == REMINDER:
        if registration.status != RegistrationStatus.CONFIRMED:
            return f"the registration is {registration.status} now"
        if workshop.starts_at is not None and workshop.starts_at <= utcnow():
            return "the workshop has begun"
    return None
