"""Registration mail: sent through a real SMTP server (aiosmtpd) and read back as it arrived."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from icalendar import Calendar
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.support import make_user, workshop_input
from workshop.extensions import db
from workshop.models import Notification, Registration, User, Venue, Workshop
from workshop.services.errors import AlreadyRegistered
from workshop.services.notifications import RETRY_DELAYS, deliver_due
from workshop.services.registrations import (
    cancel_registration,
    confirm_waitlisted,
    move_to_waitlist,
    register_officer,
)
from workshop.services.tickets import ticket_token
from workshop.services.workshops import SessionInput, change_status, create_workshop
from workshop.thai.dates import bangkok_to_utc

TITLE = "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559"
AGENCY = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"
OFFICER_NAME = "นางสาวกิ่งแก้ว ปิ่นทอง"  # stacked marks: กิ่ง ปิ่น
# Two sessions on a Thursday and a Friday well ahead, so the registration window includes now.
DAY_ONE, DAY_TWO = date(2030, 3, 14), date(2030, 3, 15)
DAY_ONE_TEXT = "วันพฤหัสบดีที่ 14 มีนาคม 2573"
DAY_TWO_TEXT = "วันศุกร์ที่ 15 มีนาคม 2573"
UTC_TIMES = [
    (datetime(2030, 3, 14, 1, 30, tzinfo=UTC), datetime(2030, 3, 14, 5, 0, tzinfo=UTC)),
    (datetime(2030, 3, 15, 2, 0, tzinfo=UTC), datetime(2030, 3, 15, 9, 30, tzinfo=UTC)),
]


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [
            (list(e.rcpt_tos), email.message_from_bytes(e.content, policy=email.policy.default))
            for e in self.envelopes
        ]

    def to(self, address: str) -> EmailMessage:
        found = [message for rcpt, message in self.messages() if rcpt == [address]]
        assert len(found) == 1, f"expected one message to {address}, got {len(found)}"
        return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mail_config(app: Flask) -> Iterator[dict]:
    """Point the (session-wide) app at a mail server for one test, then put everything back."""
    keys = (
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_TIMEOUT",
        "MAIL_USE_TLS",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DELIVERY",
    )
    saved = {key: app.config.get(key) for key in keys}
    yield app.config
    app.config.update(saved)


@pytest.fixture
def inbox(smtp_server, mail_config) -> Inbox:
    controller, handler = smtp_server
    mail_config["MAIL_SERVER"] = controller.hostname
    mail_config["MAIL_PORT"] = controller.port
    handler.envelopes.clear()
    return handler


def open_workshop(venue: Venue, organizer: User, capacity: int = 100) -> Workshop:
    data = workshop_input(
        venue,
        capacity=capacity,
        registration_opens_at=bangkok_to_utc(date(2020, 1, 1), time(8, 0)),
        registration_closes_at=bangkok_to_utc(date(2030, 3, 13), time(16, 30)),
        sessions=[
            SessionInput(
                title="พิธีเปิด",
                starts_at=bangkok_to_utc(DAY_ONE, time(8, 30)),
                ends_at=bangkok_to_utc(DAY_ONE, time(12, 0)),
            ),
            SessionInput(
                title="ฝึกปฏิบัติ",
                starts_at=bangkok_to_utc(DAY_TWO, time(9, 0)),
                ends_at=bangkok_to_utc(DAY_TWO, time(16, 30)),
            ),
        ],
    )
    workshop = create_workshop(data, organizer)
    return change_status(workshop, "published", organizer)


def second_officer(email_address: str = "somsak@example.go.th") -> User:
    return make_user(
        "officer",
        email_address,
        title_prefix="นาย",
        first_name="สมศักดิ์",
        last_name="ศรีสุวรรณ",
    )


# --- reading a message ---------------------------------------------------------------------------


def plain_text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_text(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def parts_of(message: EmailMessage, content_type: str) -> list[EmailMessage]:
    return [part for part in message.walk() if part.get_content_type() == content_type]


def display_name(message: EmailMessage, header: str) -> str:
    """The header as RFC 2047 says to show it (whitespace between encoded words dropped)."""
    raw = email.message_from_bytes(message.as_bytes(), policy=email.policy.compat32)[header]
    return str(make_header(decode_header(raw)))


def qr_text(message: EmailMessage) -> str:
    """Decode the inline QR image referenced by the HTML part."""
    (png,) = parts_of(message, "image/png")
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_text(message)
    assert png.get_content_disposition() == "inline"
    image = Image.open(io.BytesIO(png.get_content()))
    assert image.format == "PNG"
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def calendar_of(message: EmailMessage) -> Calendar:
    (part,) = parts_of(message, "text/calendar")
    assert part.get_filename() == "workshop.ics"
    assert part.get_content_disposition() == "attachment"
    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == part.get_param("method")
    return calendar


def events_of(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


# --- tests -----------------------------------------------------------------------------------


def test_confirmation_mail(app, inbox, officer, organizer, venue):
    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    assert registration.status == "confirmed"

    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].mail_from == "no-reply@localhost"
    message = inbox.to("officer@example.go.th")
    assert message["Subject"] == f"ยืนยันที่นั่ง: {TITLE}"
    assert display_name(message, "From") == "ระบบจัดการการอบรม <no-reply@localhost>"
    assert display_name(message, "To") == f"{OFFICER_NAME} <officer@example.go.th>"
    assert message["Auto-Submitted"] == "auto-generated"

    token = ticket_token(registration)
    link = f"{app.config['BASE_URL'].rstrip('/')}/my/registrations"
    for body in (plain_text(message), html_text(message)):
        assert officer.full_name == OFFICER_NAME
        assert f"เรียน {OFFICER_NAME}" in body
        assert "ยืนยันที่นั่ง" in body
        assert TITLE in body
        assert AGENCY in body
        assert "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก อำเภอวังทอง จังหวัดพิษณุโลก" in body
        assert f"{DAY_ONE_TEXT} เวลา 08.30–12.00 น." in body
        assert f"{DAY_TWO_TEXT} เวลา 09.00–16.30 น." in body
        assert link in body
        assert token in body
    # The parts are nested as mail clients expect: text or (HTML + its image), then the .ics.
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/calendar",
    ]
    assert qr_text(message) == token

    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = events_of(calendar)
    assert len(events) == len(workshop.sessions) == 2
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == UTC_TIMES
    assert [e["DTSTART"].to_ical() for e in events] == [b"20300314T013000Z", b"20300315T020000Z"]
    assert [str(e["SUMMARY"]) for e in events] == [f"{TITLE} – พิธีเปิด", f"{TITLE} – ฝึกปฏิบัติ"]
    assert len({str(e["UID"]) for e in events}) == 2
    for event in events:
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["LOCATION"]).startswith("ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก")
        assert AGENCY in str(event["DESCRIPTION"])


def test_waitlisted_officer_is_told_their_position(inbox, officer, organizer, venue):
    workshop = open_workshop(venue, organizer, capacity=1)
    register_officer(workshop.id, officer)
    first_waiting = register_officer(workshop.id, second_officer())
    second_waiting = register_officer(workshop.id, second_officer("wichai@example.go.th"))
    assert (first_waiting.status, second_waiting.status) == ("waitlisted", "waitlisted")

    assert len(inbox.envelopes) == 3
    message = inbox.to("wichai@example.go.th")
    assert message["Subject"] == f"อยู่ในรายชื่อสำรองลำดับที่ 2: {TITLE}"
    text = plain_text(message)
    assert "เรียน นายสมศักดิ์ ศรีสุวรรณ" in text
    assert "รายชื่อสำรองลำดับที่ 2" in text
    assert DAY_ONE_TEXT in text and DAY_TWO_TEXT in text
    assert qr_text(message) == ticket_token(second_waiting)
    assert parts_of(message, "text/calendar") == []  # no seat yet, nothing for the calendar
    assert inbox.to("somsak@example.go.th")["Subject"].startswith("อยู่ในรายชื่อสำรองลำดับที่ 1:")


def test_cancellation_promotes_the_next_in_line_and_tells_both(inbox, officer, organizer, venue):
    workshop = open_workshop(venue, organizer, capacity=1)
    seated = register_officer(workshop.id, officer)
    waiting_officer = second_officer()
    waiting = register_officer(workshop.id, waiting_officer)
    published_uids = {str(e["UID"]) for e in events_of(calendar_of(inbox.to(officer.email)))}
    inbox.envelopes.clear()

    changes = cancel_registration(seated.id, officer, reason="ติดราชการ")
    assert [r.id for r in changes.promoted] == [waiting.id]
    assert len(inbox.envelopes) == 2

    cancelled = inbox.to(officer.email)
    assert cancelled["Subject"] == f"ยกเลิกการลงทะเบียนแล้ว: {TITLE}"
    text = plain_text(cancelled)
    assert f"เรียน {OFFICER_NAME}" in text
    assert "ยกเลิกการลงทะเบียนแล้ว" in text
    assert "ติดราชการ" in text
    assert ticket_token(seated) not in text
    assert parts_of(cancelled, "image/png") == []
    assert "cid:" not in html_text(cancelled)
    calendar = calendar_of(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    events = events_of(calendar)
    assert {str(e["UID"]) for e in events} == published_uids
    assert all(str(e["STATUS"]) == "CANCELLED" for e in events)
    assert all(int(e["SEQUENCE"]) > 0 for e in events)

    promoted = inbox.to(waiting_officer.email)
    assert promoted["Subject"] == f"ได้เลื่อนจากรายชื่อสำรองเป็นผู้ได้ที่นั่ง: {TITLE}"
    text = plain_text(promoted)
    assert "เรียน นายสมศักดิ์ ศรีสุวรรณ" in text
    assert "ได้เลื่อนจากรายชื่อสำรองเป็นผู้ได้ที่นั่ง" in text
    assert qr_text(promoted) == ticket_token(waiting)
    calendar = calendar_of(promoted)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = events_of(calendar)
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == UTC_TIMES
    assert not {str(e["UID"]) for e in events} & published_uids  # the promoted officer's own


def test_moved_back_to_the_waitlist_the_seat_leaves_the_calendar(inbox, officer, organizer, venue):
    """The organizer moves a seated officer back to the waitlist: the mail's calendar file
    removes the sessions the confirmation added (same UIDs, METHOD:CANCEL, a later SEQUENCE);
    given the seat again, the sessions come back with a later SEQUENCE still."""
    workshop = open_workshop(venue, organizer)
    seated = register_officer(workshop.id, officer)
    confirmed = events_of(calendar_of(inbox.to(officer.email)))
    inbox.envelopes.clear()

    move_to_waitlist(seated.id, organizer)

    moved = inbox.to(officer.email)
    assert moved["Subject"] == f"อยู่ในรายชื่อสำรองลำดับที่ 1: {TITLE}"
    assert "ลบกำหนดการออกจากปฏิทิน" in plain_text(moved)
    calendar = calendar_of(moved)
    assert str(calendar["METHOD"]) == "CANCEL"
    removed = events_of(calendar)
    assert {str(e["UID"]) for e in removed} == {str(e["UID"]) for e in confirmed}
    assert all(str(e["STATUS"]) == "CANCELLED" for e in removed)
    assert min(int(e["SEQUENCE"]) for e in removed) > max(int(e["SEQUENCE"]) for e in confirmed)
    inbox.envelopes.clear()

    confirm_waitlisted(seated.id, organizer)

    calendar = calendar_of(inbox.to(officer.email))
    assert str(calendar["METHOD"]) == "PUBLISH"
    again = events_of(calendar)
    assert {str(e["UID"]) for e in again} == {str(e["UID"]) for e in confirmed}
    assert min(int(e["SEQUENCE"]) for e in again) > max(int(e["SEQUENCE"]) for e in removed)


def test_without_mail_server_the_message_goes_to_the_outbox(
    app, mail_config, officer, organizer, venue
):
    mail_config["MAIL_SERVER"] = ""  # the default: `make run` needs no mail server
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.iterdir()) if outbox.exists() else set()

    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)

    new = sorted(set(outbox.iterdir()) - before)
    assert len(new) == 1, new
    assert re.fullmatch(rf"\d{{8}}T\d{{6}}\.\d{{6}}Z-{registration.id}-confirmed\.eml", new[0].name)
    message = email.message_from_bytes(new[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == f"ยืนยันที่นั่ง: {TITLE}"
    assert message["To"].addresses[0].addr_spec == officer.email
    assert f"เรียน {OFFICER_NAME}" in plain_text(message)
    assert qr_text(message) == ticket_token(registration)
    assert len(events_of(calendar_of(message))) == 2


def test_unreachable_mail_server_does_not_undo_the_registration(
    inbox, mail_config, officer, organizer, venue, caplog
):
    real_port = mail_config["MAIL_PORT"]
    mail_config["MAIL_PORT"] = free_port()  # nothing listens there
    mail_config["MAIL_TIMEOUT"] = 2
    workshop = open_workshop(venue, organizer)
    caplog.set_level(logging.WARNING, logger="workshop.services.notifications")

    registration = register_officer(workshop.id, officer)

    assert registration.status == "confirmed"
    with db.engine.connect() as conn:  # a connection of its own: only what was committed
        stored = conn.execute(
            select(Registration.status).where(Registration.user_id == officer.id)
        ).all()
        seats = conn.scalar(select(Workshop.confirmed_count).where(Workshop.id == workshop.id))
    assert stored == [("confirmed",)]
    assert seats == 1
    assert inbox.envelopes == []
    notice = Notification.query.one()
    assert (notice.event, notice.attempts, notice.sent_at) == ("confirmed", 1, None)
    assert "ConnectionRefusedError" in notice.last_error
    assert notice.due_at > datetime.now(UTC)  # retried later, not in a busy loop
    assert any("retry" in r.getMessage() for r in caplog.records)

    # The server is back; the retry goes out when it falls due, and only once.
    mail_config["MAIL_PORT"] = real_port
    assert deliver_due() == 0  # not due yet
    assert deliver_due(now=notice.due_at + timedelta(seconds=1)) == 1
    assert deliver_due(now=notice.due_at + timedelta(hours=1)) == 0
    assert len(inbox.envelopes) == 1
    db.session.expire_all()
    assert Notification.query.one().sent_at is not None


def test_rolled_back_registration_queues_no_mail(inbox, officer, organizer, venue):
    workshop = open_workshop(venue, organizer)
    register_officer(workshop.id, officer)
    with pytest.raises(AlreadyRegistered):
        register_officer(workshop.id, officer)
    assert [n.event for n in Notification.query.all()] == ["confirmed"]
    assert len(inbox.envelopes) == 1


def test_notice_is_given_up_after_the_last_retry(inbox, mail_config, officer, organizer, venue):
    mail_config["MAIL_PORT"] = free_port()
    mail_config["MAIL_TIMEOUT"] = 2
    register_officer(open_workshop(venue, organizer).id, officer)
    later = datetime.now(UTC)
    for _ in RETRY_DELAYS:
        later += timedelta(days=1)
        deliver_due(now=later)
    notice = Notification.query.one()
    assert notice.failed_at is not None
    assert notice.attempts == len(RETRY_DELAYS) + 1
    assert deliver_due(now=later + timedelta(days=30)) == 0


def test_background_sender_delivers_after_the_response(
    inbox, mail_config, officer, organizer, venue
):
    import time as clock

    mail_config["MAIL_DELIVERY"] = "background"
    try:
        register_officer(open_workshop(venue, organizer).id, officer)
        deadline = clock.monotonic() + 10
        sent = False
        while not sent and clock.monotonic() < deadline:
            clock.sleep(0.05)
            db.session.rollback()  # a fresh snapshot: the sender records sent_at after sending
            sent = Notification.query.one().sent_at is not None
    finally:
        mail_config["MAIL_DELIVERY"] = "inline"
    assert sent
    assert len(inbox.envelopes) == 1


def test_starttls_and_login(tmp_path, monkeypatch, mail_config, officer, organizer, venue):
    """WORKSHOP_MAIL_USE_TLS + USERNAME/PASSWORD: STARTTLS (certificate verified), then AUTH."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts only this certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"workshop", b"2559")
        return AuthResult(success=ok)

    handler = Inbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        mail_config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=controller.port,
            MAIL_USE_TLS="true",  # as a string, the way some environments spell it
            MAIL_USERNAME="workshop",
            MAIL_PASSWORD=2559,  # WORKSHOP_MAIL_PASSWORD=2559 arrives parsed as a number
        )
        registration = register_officer(open_workshop(venue, organizer).id, officer)
    finally:
        controller.stop()

    assert logins == [(b"workshop", b"2559")]
    message = handler.to(officer.email)
    assert message["Subject"] == f"ยืนยันที่นั่ง: {TITLE}"
    assert qr_text(message) == ticket_token(registration)


def test_reissued_ticket_is_mailed_with_the_new_qr(client, inbox, officer, organizer, venue):
    from tests.support import login, submit_form

    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    old_token = ticket_token(registration)
    inbox.envelopes.clear()
    login(client, organizer)

    response = submit_form(
        client,
        f"/organizer/workshops/{workshop.id}/registrations",
        {},
        action=f"/organizer/registrations/{registration.id}/rotate",
    )

    assert response.status_code == 302
    db.session.expire_all()
    new_token = ticket_token(db.session.get(Registration, registration.id))
    assert new_token != old_token
    message = inbox.to(officer.email)
    assert message["Subject"] == f"บัตรเข้างานใบใหม่: {TITLE}"
    text = plain_text(message)
    assert f"เรียน {OFFICER_NAME}" in text
    assert "บัตรใบเดิม" in text and "ใช้เข้างานไม่ได้แล้ว" in text
    assert new_token in text and old_token not in text
    assert qr_text(message) == new_token
    assert [n.event for n in Notification.query.order_by(Notification.id)] == [
        "confirmed",
        "ticket_reissued",
    ]


def test_refused_reissue_queues_no_mail(inbox, officer, organizer, venue):
    from workshop.services.errors import NotAllowed
    from workshop.services.registrations import rotate_ticket

    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    cancel_registration(registration.id, organizer)
    db.session.expire_all()
    secret = db.session.get(Registration, registration.id).ticket_secret
    with pytest.raises(NotAllowed):
        rotate_ticket(registration, organizer)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).ticket_secret == secret
    assert [n.event for n in Notification.query.order_by(Notification.id)] == [
        "confirmed",
        "cancelled",
    ]


def test_a_reissue_whose_notice_cannot_be_queued_does_not_happen(
    monkeypatch, inbox, officer, organizer, venue
):
    """The new ticket and its notice are one change: had the notice been queued after the
    commit, a failure there would leave the officer with a dead QR code and no word of it."""
    from workshop.models import AuditEvent, RetiredTicketSecret
    from workshop.services import registrations

    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, officer)
    secret = registration.ticket_secret

    def outbox_down(*_args, **_kwargs):
        raise OperationalError("INSERT INTO notifications", {}, Exception("disk full"))

    monkeypatch.setattr(registrations, "queue_notice", outbox_down)
    with pytest.raises(OperationalError):
        registrations.rotate_ticket(registration, organizer)

    db.session.expire_all()
    assert db.session.get(Registration, registration.id).ticket_secret == secret
    assert RetiredTicketSecret.query.count() == 0
    assert AuditEvent.query.filter_by(action="registration.rotate_ticket").count() == 0


# --- the outbox's own transactions -----------------------------------------------------------


def queued_notice(mail_config, officer, organizer, venue) -> Notification:
    """A confirmation notice waiting in the outbox (delivery left to ``deliver_due``)."""
    mail_config["MAIL_DELIVERY"] = "manual"
    register_officer(open_workshop(venue, organizer).id, officer)
    return Notification.query.one()


def stored_notice(notice_id: int) -> tuple:
    with db.engine.connect() as conn:  # a connection of its own: only what was committed
        return conn.execute(
            select(Notification.attempts, Notification.claimed_until, Notification.sent_at).where(
                Notification.id == notice_id
            )
        ).one()


def test_a_claim_that_fails_leaves_no_transaction_open(
    inbox, mail_config, officer, organizer, venue, monkeypatch
):
    """The claim's UPDATE has run when the connection breaks: it must be rolled back, not left
    open holding the row (and, on SQLite, the database's write lock)."""
    notice = queued_notice(mail_config, officer, organizer, venue)
    real_execute = db.session.execute

    def execute_then_break(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if getattr(statement, "is_update", False):
            raise OperationalError("UPDATE notifications", {}, Exception("connection lost"))
        return result

    monkeypatch.setattr(db.session, "execute", execute_then_break)
    with pytest.raises(OperationalError):
        deliver_due()
    monkeypatch.undo()

    assert not db.session().in_transaction()
    assert stored_notice(notice.id) == (0, None, None)
    assert deliver_due() == 1  # the next pass claims and sends it
    assert len(inbox.envelopes) == 1


def test_recording_an_outcome_that_fails_leaves_nothing_half_written(
    inbox, mail_config, officer, organizer, venue, monkeypatch
):
    notice = queued_notice(mail_config, officer, organizer, venue)

    def clock_fails():
        raise RuntimeError("clock unavailable")

    monkeypatch.setattr("workshop.services.notifications.utcnow", clock_fails)
    with pytest.raises(RuntimeError):
        deliver_due(now=datetime.now(UTC))
    monkeypatch.undo()

    assert not db.session().in_transaction()
    assert not db.session.dirty  # the attempt counted in memory is gone with the transaction
    attempts, claimed_until, sent_at = stored_notice(notice.id)
    assert (attempts, sent_at) == (0, None)
    assert claimed_until is not None  # the claim stands: no other sender mails it twice
    assert len(inbox.envelopes) == 1
