"""Mail to officers about their registrations: Thai text, the ticket QR inline, a calendar file.

One message per event (``confirmed``, ``waitlisted``, ``promoted``, ``cancelled``,
``workshop_cancelled`` when the organizer cancels the whole workshop, and ``ticket_reissued``
with the new QR code when the organizer reissues a ticket):

    multipart/mixed
      multipart/alternative
        text/plain                      the whole notice as plain text
        multipart/related               (text/html alone for cancellations)
          text/html                     <img src="cid:..."> for the QR code
          image/png                     the ticket QR
      text/calendar; method=PUBLISH     workshop.ics (METHOD:CANCEL for cancellations)

The calendar file follows what the officer's calendar already holds, as the notices sent
before tell it: a seat adds the sessions (PUBLISH), a cancellation removes them (CANCEL), and so
does being moved back to the waitlist after holding a seat. Every file carries a higher
SEQUENCE than the one before it for the same registration (the number of notices before it),
so a calendar applies them in order: a seat given again after a CANCEL is not ignored.

Without ``MAIL_SERVER`` the message is written to ``<instance>/outbox/`` as an ``.eml`` file, so
a development setup needs no mail server; with one it goes out through ``smtplib``. Errors
propagate: the outbox (``services.notifications``) records them and retries later.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import (
    Notification,
    PasswordReset,
    Registration,
    User,
    Venue,
    Workshop,
    WorkshopMessage,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.qr import qr_png
from workshop.services.reset_links import reset_token
from workshop.services.tickets import ticket_token
from workshop.services.waitlist import waitlist_position
from workshop.thai.addresses import venue_place
from workshop.thai.dates import format_date, format_time_range, to_bangkok

log = logging.getLogger(__name__)

EVENTS = (
    "confirmed",
    "waitlisted",
    "promoted",
    "cancelled",
    "workshop_cancelled",
    "ticket_reissued",
    "reminder",  # services.reminders: N days before the first session
    "certificate_ready",  # services.reminders: after the last session
    "message",  # services.messages: composed by the organizer
)
WITH_TICKET = ("confirmed", "waitlisted", "promoted", "ticket_reissued", "reminder")
WITH_CALENDAR = ("confirmed", "promoted", "cancelled", "workshop_cancelled")
CANCELLATIONS = ("cancelled", "workshop_cancelled")  # the calendar events are removed
CALENDAR_FILENAME = "workshop.ics"
OUTBOX = "outbox"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SessionLine:
    date: str  # วันพฤหัสบดีที่ 14 มีนาคม 2573
    time: str  # 08.30–12.00 น.
    title: str


def send_notice(notice: Notification) -> None:
    """Build the queued notice's message and send it to the officer (or write it to the
    outbox)."""
    earlier = list(
        db.session.scalars(
            select(Notification.event)
            .where(
                Notification.registration_id == notice.registration_id,
                Notification.id < notice.id,
            )
            .order_by(Notification.id)
        )
    )
    message = build_registration_notice(
        notice.registration,
        notice.event,
        earlier=earlier,
        message=notice.message,
        as_of=notice.due_at,
    )
    deliver(message, f"{notice.registration_id}-{notice.event}")


def password_reset_url(token: str) -> str:
    return f"{str(current_app.config['BASE_URL']).rstrip('/')}/auth/reset/{token}"


def build_password_reset(reset: PasswordReset) -> Message:
    """The reset link's message: the link, how long it lasts, what to do if it was not asked for."""
    minutes = int((reset.expires_at - reset.requested_at).total_seconds() // 60)
    return _set_password_message(
        reset, "password_reset", "ตั้งรหัสผ่านใหม่ · ระบบจัดการการอบรม", minutes=minutes
    )


def send_password_reset(reset: PasswordReset) -> None:
    deliver(build_password_reset(reset), f"password-reset-{reset.id}")


def build_invitation(reset: PasswordReset) -> Message:
    """The invitation of an account an organizer made (a participants import): who made it,
    and the link to set a first password, which lasts ``password_resets.INVITATION_LIFETIME``."""
    return _set_password_message(
        reset,
        "invitation",
        "เชิญตั้งรหัสผ่านบัญชีของท่าน · ระบบจัดการการอบรม",
        days=(reset.expires_at - reset.requested_at).days,
        email=reset.user.email,
    )


def _set_password_message(
    reset: PasswordReset, template: str, subject: str, **context: object
) -> Message:
    """A message with the link that sets the account's password (``mail/<template>``), its
    Message-ID named after the template and the reset."""
    user = reset.user
    sender = str(current_app.config.get("MAIL_SENDER") or "")
    context = {
        "name": user.full_name,
        "url": password_reset_url(reset_token(reset)),
        **context,
    }
    kind = template.replace("_", "-")
    return compose(
        to=user,
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
        message_id=make_msgid(f"{kind}-{reset.id}", domain=_sender_domain(sender)),
    )


def send_invitation(reset: PasswordReset) -> None:
    deliver(build_invitation(reset), f"invitation-{reset.id}")


def calendar_method(event: str, earlier: Sequence[str] = ()) -> str | None:
    """``PUBLISH`` or ``CANCEL`` for the notice's calendar file, or None for no file:
    ``earlier`` are the events of the registration's notices before this one."""
    if event in CANCELLATIONS:
        return "CANCEL"
    if event in WITH_CALENDAR:
        return "PUBLISH"
    held = [e for e in earlier if e in WITH_CALENDAR]
    if event == "waitlisted" and held and held[-1] not in CANCELLATIONS:
        return "CANCEL"  # moved back to the waitlist: the seat's sessions leave the calendar
    return None


# --- the message -------------------------------------------------------------------------------


def notice_context(
    registration: Registration,
    event: str,
    *,
    earlier: Sequence[str] = (),
    message: WorkshopMessage | None = None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """What a notice about ``event`` says, whatever carries it (this mail, or LINE);
    ``earlier``: the events of the registration's notices queued before this one (they decide
    the calendar file); ``message``: the organizer's message an event ``message`` carries;
    ``as_of``: when the notice is due (a reminder says "tomorrow" from then)."""
    event = str(event)  # RegistrationStatus values arrive as StrEnum members
    if event not in EVENTS:
        raise ValueError(f"unknown registration event {event!r}")
    if event == "message" and message is None:
        raise ValueError("a message notice needs its message")
    workshop = registration.workshop
    position = waitlist_position(registration) if event == "waitlisted" else None
    heading = headline(event, position, workshop)
    if message is not None:
        heading = message.subject
    return {
        "event": event,
        "headline": heading,
        "subject": f"{heading}: {workshop.full_title}",
        "body": message.body if message is not None else "",
        "starts_in": starts_in(workshop, as_of) if event == "reminder" else "",
        "certificate": certificate_context(registration) if event == "certificate_ready" else None,
        "name": registration.user.full_name,
        "workshop": workshop,
        "venue": venue_text(workshop.venue),
        "address": workshop.venue.address,
        "sessions": [
            SessionLine(
                date=format_date(s.starts_at, "full"),
                time=format_time_range(s.starts_at, s.ends_at),
                title=s.title,
            )
            for s in workshop.sessions
        ],
        "position": position,
        "ticket": ticket_token(registration) if event in WITH_TICKET else None,
        # The ticket admits its holder only once seated (a reissue may reach someone waiting).
        "waiting": event == "waitlisted"
        or (event == "ticket_reissued" and registration.status == "waitlisted"),
        "reason": _reason(registration, event),
        "link": my_registrations_url(),
        "calendar": calendar_method(event, earlier),
    }


def build_registration_notice(
    registration: Registration,
    event: str,
    *,
    earlier: Sequence[str] = (),
    message: WorkshopMessage | None = None,
    as_of: datetime | None = None,
) -> Message:
    """The message for ``event``; ``earlier``: the events of the registration's notices queued
    before this one (they decide the calendar file and its SEQUENCE)."""
    context = notice_context(registration, event, earlier=earlier, message=message, as_of=as_of)
    event, token, method = context["event"], context["ticket"], context["calendar"]
    sender = str(current_app.config.get("MAIL_SENDER") or "")
    domain = _sender_domain(sender)
    qr_cid = make_msgid("ticket-qr", domain=domain) if token else None
    context["qr_cid"] = qr_cid[1:-1] if qr_cid else None
    images = [(qr_png(token), qr_cid, "ticket-qr.png")] if token and qr_cid else []
    attachments = []
    if method is not None:
        calendar = registration_calendar(
            registration, cancel=method == "CANCEL", organizer=sender, sequence=len(earlier)
        )
        attachments.append(calendar_part(calendar, method))
    return compose(
        to=registration.user,
        subject=context["subject"],
        text=render_template("mail/registration_notice.txt", **context),
        html=render_template("mail/registration_notice.html", **context),
        message_id=make_msgid(f"registration-{registration.id}-{event}", domain=domain),
        images=images,
        attachments=attachments,
    )


def compose(
    *,
    to: User,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    images: Sequence[tuple[bytes, str, str]] = (),
    attachments: Sequence[Message] = (),
) -> Message:
    """A Thai message: text and HTML alternatives, ``images`` (PNG bytes, Content-ID,
    filename) inline in the HTML, then ``attachments``.

    Built with the ``email.mime`` classes and the ``compat32`` policy on purpose: the modern
    ``EmailMessage`` API re-parses every MIME header it sets and folds Thai headers through its
    RFC 2047 parse tree, which took over half of the 28-51 ms a confirmation cost to build.
    ``email.header.Header`` encodes the Thai subject and name as base64 encoded-words, cut at
    character boundaries, in a fraction of that; what reaches the reader is the same.
    """
    sender = str(current_app.config.get("MAIL_SENDER") or "")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", "utf-8"))
    html_part: Message = MIMEText(html, "html", "utf-8")
    if images:
        related = MIMEMultipart("related")
        related.attach(html_part)
        for data, cid, filename in images:
            image = MIMEImage(data, "png")
            image["Content-ID"] = cid
            image.add_header("Content-Disposition", "inline", filename=filename)
            related.attach(image)
        html_part = related
    alternative.attach(html_part)
    if attachments:
        message: Message = MIMEMultipart("mixed")
        message.attach(alternative)
        for part in attachments:
            message.attach(part)
    else:
        message = alternative
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = _address_header(*parseaddr(sender))
    message["To"] = _address_header(to.full_name, to.email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    return message


def _address_header(name: str, address: str) -> str:
    """``=?utf-8?b?...?= <a@b>``: a Thai display name encoded, an ASCII one quoted as needed."""
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    return f"{Header(name, 'utf-8').encode()} <{address}>"


def calendar_part(calendar: str, method: str) -> Message:
    """``workshop.ics`` as an attachment with its iTIP method (PUBLISH or CANCEL)."""
    part = MIMEText(calendar, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=CALENDAR_FILENAME)
    return part


def headline(event: str, position: int | None = None, workshop: Workshop | None = None) -> str:
    """What happened, in a few words: the start of the subject and the notice's heading."""
    if event == "reminder":
        return "แจ้งเตือนการอบรม"
    if event == "certificate_ready":
        kind = str(workshop.certificate_kind) if workshop else "เกียรติบัตร"
        return f"{kind}พร้อมแล้ว"
    if event == "confirmed":
        return "ยืนยันที่นั่ง"
    if event == "waitlisted":
        return f"อยู่ในรายชื่อสำรองลำดับที่ {position}" if position else "อยู่ในรายชื่อสำรอง"
    if event == "promoted":
        return "ได้เลื่อนจากรายชื่อสำรองเป็นผู้ได้ที่นั่ง"
    if event == "workshop_cancelled":
        return "ยกเลิกการอบรม"
    if event == "ticket_reissued":
        return "บัตรเข้างานใบใหม่"
    return "ยกเลิกการลงทะเบียนแล้ว"


def _reason(registration: Registration, event: str) -> str:
    """Why, for the cancellations: the registration's own reason, or the workshop's."""
    if event == "workshop_cancelled":
        return registration.workshop.cancel_reason
    if event == "cancelled":
        return registration.cancel_reason
    return ""


def subject(event: str, title: str, position: int | None = None) -> str:
    return f"{headline(event, position)}: {title}"


def starts_in(workshop: Workshop, now: datetime | None = None) -> str:
    """``พรุ่งนี้``, ``วันนี้``, ``ในอีก 3 วัน``: when the first session is, by Bangkok days."""
    if workshop.starts_at is None:
        return ""
    days = (to_bangkok(workshop.starts_at).date() - to_bangkok(now or utcnow()).date()).days
    if days <= 0:
        return "วันนี้"
    if days == 1:
        return "พรุ่งนี้"
    return f"ในอีก {days} วัน"


@dataclass(frozen=True)
class CertificateNotice:
    kind: str  # เกียรติบัตร, วุฒิบัตร, ...
    evaluation_link: str  # the evaluation form to answer first (or at all), or ""
    evaluation_required: bool  # the certificate waits for the answer


def certificate_context(registration: Registration) -> CertificateNotice:
    """What the "certificate ready" notice says: the certificate's kind and, while the form is
    open and unanswered, the link to the evaluation (required first, or optional)."""
    from workshop.services.evaluations import form_of, open_parts

    workshop = registration.workshop
    form = form_of(workshop.id)
    parts = open_parts(form, registration.user_id) if form is not None else []
    link = ""
    if parts:
        base = str(current_app.config["BASE_URL"]).rstrip("/")
        link = f"{base}/my/workshops/{workshop.id}/evaluation/{parts[0]}"
    return CertificateNotice(
        kind=str(workshop.certificate_kind),  # stored as its Thai name
        evaluation_link=link,
        evaluation_required=bool(link and form is not None and form.required_for_certificate),
    )


def venue_text(venue: Venue) -> str:
    """``ศูนย์... อำเภอวังทอง จังหวัดพิษณุโลก``; Bangkok has เขต and no จังหวัด."""
    return venue_place(venue.name, venue.district, venue.province)


def my_registrations_url() -> str:
    return f"{str(current_app.config['BASE_URL']).rstrip('/')}/my/registrations"


def _sender_domain(sender: str) -> str:
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def _session_summary(title: str, session: WorkshopSession) -> str:
    return f"{title} – {session.title}" if session.title else title


def event_uid(registration: Registration, session: WorkshopSession) -> str:
    """Stable per registration and session, so a later CANCEL removes exactly these events."""
    host = urlsplit(str(current_app.config["BASE_URL"])).hostname or "localhost"
    return f"registration-{registration.id}-session-{session.id}@{host}"


def registration_calendar(
    registration: Registration, *, cancel: bool, organizer: str, sequence: int = 0
) -> str:
    """An iCalendar file with one VEVENT per session (METHOD:PUBLISH, or CANCEL to remove);
    ``sequence`` counts the registration's calendar changes before this one."""
    workshop = registration.workshop
    now = utcnow()
    calendar = Calendar()
    calendar.add("prodid", "-//workshop//registration notice//TH")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    location = venue_text(workshop.venue)
    description = "\n".join(
        line
        for line in (
            f"จัดโดย {workshop.organizing_agency}",
            workshop.venue.address,
            f"บัตรเข้างานและรายละเอียด: {my_registrations_url()}",
        )
        if line
    )
    name, address = parseaddr(organizer)
    for session in workshop.sessions:
        item = Event()
        item.add("uid", event_uid(registration, session))
        item.add("dtstamp", now)
        item.add("dtstart", _utc(session.starts_at))
        item.add("dtend", _utc(session.ends_at))
        item.add("summary", _session_summary(workshop.full_title, session))
        item.add("location", location)
        item.add("description", description)
        item.add("url", my_registrations_url())
        # Each change must carry a higher SEQUENCE than what it replaces (RFC 5546).
        item.add("sequence", max(sequence, 1) if cancel else sequence)
        item.add("status", "CANCELLED" if cancel else "CONFIRMED")
        if address:
            person = vCalAddress(f"mailto:{address}")
            person.params["cn"] = vText(workshop.organizing_agency or name)
            item.add("organizer", person)
        calendar.add_component(item)
    return calendar.to_ical().decode()


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# --- transport ---------------------------------------------------------------------------------


def _flag(value: object) -> bool:
    """Environment values arrive parsed as JSON (``true``, ``1``) or as plain strings."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def deliver(message: Message, name: str) -> None:
    """Send through ``MAIL_SERVER``, or write ``<instance>/outbox/<UTC time>-<name>.eml``."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server:
        path = write_outbox(message, name)
        log.info("mail to %s written to %s (no MAIL_SERVER set)", message["To"], path)
        return
    port = int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    use_ssl = _flag(config.get("MAIL_USE_SSL"))
    use_tls = _flag(config.get("MAIL_USE_TLS"))
    username = config.get("MAIL_USERNAME")
    smtp: smtplib.SMTP
    if use_ssl:
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(str(server), port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(str(server), port, timeout=timeout)
    with smtp:
        if use_tls and not use_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if username:
            smtp.login(str(username), str(config.get("MAIL_PASSWORD") or ""))
        smtp.send_message(message)
    log.info("mail to %s sent through %s:%s", message["To"], server, port)


def write_outbox(message: Message, name: str) -> Path:
    """Write atomically (temp file + rename) so a reader never sees half a message."""
    outbox = Path(current_app.instance_path) / OUTBOX
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S.%fZ")
    path = outbox / f"{stamp}-{name}.eml"
    fd, temp = tempfile.mkstemp(dir=outbox, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def preview_text(registration: Registration, message: WorkshopMessage) -> tuple[str, str]:
    """(subject, plain text) of an organizer's message as ``registration``'s officer would get
    it, for the organizer to read before sending."""
    context = notice_context(registration, "message", message=message)
    return context["subject"], render_template("mail/registration_notice.txt", **context)
