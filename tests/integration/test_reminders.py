"""Reminders, "certificate ready" and organizers' messages: queued in the notice outbox, sent
through a real SMTP server (aiosmtpd), once each however many senders run."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from flask import Flask

from tests.integration import test_line, test_mail
from tests.integration.test_line import choose, link_through_line
from tests.integration.test_mail import Inbox, plain_text, qr_text
from tests.support import (
    finished_workshop,
    login,
    make_officers,
    make_user,
    open_workshop,
    seat,
    submit_form,
)
from workshop.extensions import db
from workshop.models import Notification, Workshop, WorkshopMessage
from workshop.services.evaluations import (
    change_form_status,
    create_form,
    set_required_for_certificate,
)
from workshop.services.mail import starts_in
from workshop.services.notifications import send_pass
from workshop.services.registrations import (
    cancel_registration,
    move_to_waitlist,
    register_officer,
)
from workshop.services.reminders import queue_scheduled_notices
from workshop.services.tickets import ticket_token

# The mail tests' real SMTP server and the LINE tests' fake LINE, as fixtures here too.
smtp_server, mail_config, inbox = test_mail.smtp_server, test_mail.mail_config, test_mail.inbox
line = test_line.line


def subjects(inbox: Inbox) -> list[str]:
    return sorted(str(message["Subject"]) for _, message in inbox.messages())


@pytest.fixture
def upcoming(venue, organizer, inbox):
    """A workshop 10 days ahead with three confirmed officers and one waitlisted; the
    confirmation mails already gone out (and cleared)."""
    workshop = open_workshop(venue, organizer)
    officers = [make_user("officer", email=f"p{n}@example.go.th") for n in range(4)]
    registrations = [register_officer(workshop.id, o, actor=organizer) for o in officers]
    move_to_waitlist(registrations[3].id, organizer)
    inbox.envelopes.clear()
    return workshop, registrations


def test_reminder_goes_to_confirmed_registrants_a_day_before_with_the_ticket(upcoming, inbox):
    workshop, registrations = upcoming
    start = workshop.starts_at

    assert send_pass(now=start - timedelta(days=1, minutes=5)) == 0  # not yet
    assert inbox.envelopes == []

    due = start - timedelta(days=1) + timedelta(minutes=1)
    assert send_pass(now=due) == 3
    assert subjects(inbox) == [f"แจ้งเตือนการอบรม: {workshop.title}"] * 3
    message = inbox.to(registrations[0].user.email)
    text = plain_text(message)
    # "tomorrow" by Bangkok days (unless the session starts in the minute before midnight)
    assert f"จะเริ่ม{starts_in(workshop, due)} โปรดเตรียมบัตรเข้างาน" in text
    assert starts_in(workshop, start - timedelta(days=1)) == "พรุ่งนี้"
    assert qr_text(message) == ticket_token(registrations[0])
    assert [p for p in message.walk() if p.get_content_type() == "text/calendar"] == []

    # Again, and again later: nothing more (the waitlisted officer gets none either).
    assert send_pass(now=start - timedelta(hours=2)) == 0
    assert len(inbox.envelopes) == 3
    assert Notification.query.filter_by(event="reminder").count() == 3


def test_a_queued_reminder_is_not_sent_after_the_seat_was_given_up(upcoming, inbox, officer):
    workshop, registrations = upcoming
    due = workshop.starts_at - timedelta(hours=20)
    assert queue_scheduled_notices(due) == 3
    cancel_registration(registrations[0].id, registrations[0].user, "ติดราชการ")
    inbox.envelopes.clear()  # the cancellation's own notice

    # Two of the first three, and the waitlisted officer who got the freed seat (queued now).
    assert send_pass(now=due) == 3
    received = sorted(rcpt[0] for rcpt, _ in inbox.messages())
    assert received == sorted(r.user.email for r in registrations[1:])
    skipped = Notification.query.filter_by(
        registration_id=registrations[0].id, event="reminder"
    ).one()
    assert skipped.sent_at is None and skipped.failed_at is not None
    assert skipped.last_error == "not sent: the registration is cancelled now"


def test_reminder_days_per_workshop_and_per_installation(app, upcoming, inbox, client, organizer):
    workshop, _ = upcoming
    start = workshop.starts_at
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/messages"
    action = f"/organizer/workshops/{workshop.id}/reminder"
    assert submit_form(client, page, {"reminder_days": "31"}, action=action).status_code == 422
    assert submit_form(client, page, {"reminder_days": "3"}, action=action).status_code == 302
    assert db.session.get(Workshop, workshop.id).reminder_days == 3

    assert send_pass(now=start - timedelta(days=3) + timedelta(minutes=1)) == 3
    assert starts_in(workshop, start - timedelta(days=3)) == "ในอีก 3 วัน"

    # 0: none at all; empty: the installation's setting.
    other = open_workshop(workshop.venue, organizer)
    register_officer(other.id, make_user("officer", email="q@example.go.th"), actor=organizer)
    inbox.envelopes.clear()
    saved = app.config["REMINDER_DAYS"]
    app.config["REMINDER_DAYS"] = 0
    try:
        assert send_pass(now=other.starts_at - timedelta(hours=1)) == 0
    finally:
        app.config["REMINDER_DAYS"] = saved
    assert send_pass(now=other.starts_at - timedelta(hours=1)) == 1


def _four_senders(app: Flask, now) -> list[int]:
    """send_pass by four threads at once (each its own app context, session and connection),
    as four workers' sender threads; returns what each sent."""
    barrier = threading.Barrier(4)
    sent: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        with app.app_context():
            try:
                barrier.wait()
                sent.append(send_pass(now=now))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.rollback()  # end this test's read, which began before the senders wrote
    return sent


def test_a_due_reminder_is_sent_once_by_four_concurrent_senders(
    app: Flask, venue, organizer, inbox
):
    workshop = open_workshop(venue, organizer, capacity=40)
    officers = make_officers(30)
    for officer in officers:
        register_officer(workshop.id, officer, actor=organizer)
    inbox.envelopes.clear()

    sent = _four_senders(app, workshop.starts_at - timedelta(hours=20))

    assert sum(sent) == 30
    received = sorted(rcpt[0] for rcpt, _ in inbox.messages())
    assert received == sorted(o.email for o in officers)  # each exactly once
    assert Notification.query.filter_by(event="reminder").count() == 30


def test_certificate_notices_are_sent_once_by_four_concurrent_senders(
    app: Flask, venue, organizer, inbox
):
    workshop = finished_workshop(venue, organizer, sessions=1)
    officers = make_officers(20)
    for officer in officers:
        seat(workshop, officer, organizer, attended=1)
    inbox.envelopes.clear()

    sent = _four_senders(app, workshop.ends_at + timedelta(hours=1))

    assert sum(sent) == 20
    received = sorted(rcpt[0] for rcpt, _ in inbox.messages())
    assert received == sorted(o.email for o in officers)
    assert Notification.query.filter_by(event="certificate_ready").count() == 20


@pytest.fixture
def ended(venue, organizer, inbox):
    """A workshop of two days, over: one officer attended both, one neither."""
    workshop = finished_workshop(venue, organizer, sessions=2)
    present, absent = (
        make_user("officer", email="came@example.go.th"),
        make_user("officer", email="away@example.go.th"),
    )
    seat(workshop, present, organizer, attended=2)
    seat(workshop, absent, organizer, attended=0)
    inbox.envelopes.clear()
    return workshop, present, absent


def test_certificate_ready_after_the_last_session_to_those_who_may_have_it(ended, inbox):
    workshop, present, _absent = ended
    door_closed = workshop.ends_at + timedelta(minutes=workshop.checkin_closes_minutes)
    assert send_pass(now=door_closed - timedelta(minutes=1)) == 0
    assert send_pass(now=door_closed + timedelta(minutes=1)) == 1
    message = inbox.to(present.email)
    assert str(message["Subject"]) == f"เกียรติบัตรพร้อมแล้ว: {workshop.title}"
    assert "เกียรติบัตรของท่านพร้อมแล้ว ดาวน์โหลดได้ที่หน้าการลงทะเบียนของฉัน" in plain_text(message)
    assert send_pass(now=door_closed + timedelta(hours=1)) == 0
    assert len(inbox.envelopes) == 1


def test_certificate_ready_links_the_evaluation_form_when_it_is_required(ended, inbox, organizer):
    workshop, present, _ = ended
    create_form(workshop.id, organizer)
    change_form_status(workshop.id, "open", organizer)
    set_required_for_certificate(workshop.id, True, organizer)
    assert send_pass(now=workshop.ends_at + timedelta(hours=2)) == 1
    text = plain_text(inbox.to(present.email))
    assert "โปรดตอบแบบประเมินก่อน" in text
    assert f"/my/workshops/{workshop.id}/evaluation/evaluation" in text


def test_certificate_notices_are_not_sent_for_workshops_long_over(ended, inbox):
    workshop, _, _ = ended
    assert send_pass(now=workshop.ends_at + timedelta(days=30)) == 0
    assert inbox.envelopes == []


def test_organizer_previews_counts_and_sends_a_message(upcoming, inbox, client, organizer):
    workshop, registrations = upcoming
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/messages"
    draft = {
        "audience": "confirmed",
        "subject": "เปลี่ยนห้องอบรม",
        "body": "ย้ายไปห้องประชุม 2 ชั้น 3\nเริ่มเวลาเดิม",
    }
    preview = submit_form(client, page, draft, action=page + "/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "จะส่งถึง 3 คน" in html and "ย้ายไปห้องประชุม 2 ชั้น 3" in html
    assert inbox.envelopes == []  # a preview sends nothing

    sent = submit_form(client, page, draft, action=page)
    assert sent.status_code == 302
    assert subjects(inbox) == [f"เปลี่ยนห้องอบรม: {workshop.title}"] * 3
    assert "ย้ายไปห้องประชุม 2 ชั้น 3\nเริ่มเวลาเดิม" in plain_text(inbox.to(registrations[0].user.email))
    assert "เปลี่ยนห้องอบรม" in client.get(page).get_data(as_text=True)  # listed as sent

    inbox.envelopes.clear()
    waitlisted = {**draft, "audience": "waitlisted", "subject": "รายชื่อสำรอง"}
    assert submit_form(client, page, waitlisted, action=page).status_code == 302
    assert [rcpt for rcpt, _ in inbox.messages()] == [[registrations[3].user.email]]

    bad = submit_form(client, page, {**draft, "subject": ""}, action=page)
    assert bad.status_code == 422
    nobody = submit_form(client, page, {**draft, "audience": "checked_in"}, action=page)
    assert nobody.status_code == 422 and "ไม่มีผู้รับในกลุ่มนี้" in nobody.get_data(as_text=True)

    # Rate limit: three an hour per workshop (two sent so far).
    assert submit_form(client, page, draft, action=page).status_code == 302
    limited = submit_form(client, page, draft, action=page)
    assert limited.status_code == 429
    assert "ไม่เกิน 3 ครั้งต่อชั่วโมง" in limited.get_data(as_text=True)
    assert WorkshopMessage.query.count() == 3


def test_only_organizers_reach_the_message_pages(upcoming, client):
    workshop, registrations = upcoming
    login(client, registrations[0].user)
    assert client.get(f"/organizer/workshops/{workshop.id}/messages").status_code == 403


def test_line_gets_reminders_and_certificate_notices_when_chosen(
    line,
    inbox,
    client,
    officer,
    organizer,
    venue,
):
    login(client, officer)
    user_id = link_through_line(client, line)
    choose(client, "line")
    workshop = open_workshop(venue, organizer)
    register_officer(workshop.id, officer)
    line.pushes.clear()
    due = workshop.starts_at - timedelta(hours=3)
    assert send_pass(now=due) == 1
    (push,) = line.pushes_to(user_id)
    texts = json.dumps(push.body, ensure_ascii=False)
    assert "แจ้งเตือนการอบรม" in texts
    assert f"การอบรมจะเริ่ม{starts_in(workshop, due)} แสดงคิวอาร์โค้ดนี้" in texts
    assert inbox.envelopes == []

    ended = finished_workshop(venue, organizer, sessions=1)
    seat(ended, officer, organizer, attended=1)
    line.pushes.clear()
    assert send_pass(now=ended.ends_at + timedelta(hours=1)) == 1
    (push,) = line.pushes_to(user_id)
    texts = json.dumps(push.body, ensure_ascii=False)
    assert "เกียรติบัตรพร้อมแล้ว" in texts and "ดาวน์โหลดเกียรติบัตร" in texts


def test_flask_send_mail_from_cron_queues_and_sends_a_due_reminder(app, upcoming, inbox):
    workshop, registrations = upcoming
    with_days = db.session.get(Workshop, workshop.id)
    with_days.reminder_days = 11  # the first session is 10 days ahead: due now
    db.session.commit()
    app.config["MAIL_DELIVERY"] = "manual"  # put back by the mail_config fixture

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "sent 3 notice(s)" in result.output
    assert subjects(inbox) == [f"แจ้งเตือนการอบรม: {workshop.title}"] * 3
    assert "ในอีก 10 วัน" in plain_text(inbox.to(registrations[0].user.email))
    assert "sent 0 notice(s)" in app.test_cli_runner().invoke(args=["send-mail"]).output
