"""Password reset by e-mail, through the pages, with the mail read back from a real SMTP server
(aiosmtpd, as in test_mail.py)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask

from tests.integration import test_mail
from tests.integration.test_mail import Inbox, plain_text
from tests.support import PASSWORD, login, make_user, submit_form
from workshop.extensions import db
from workshop.models import ApiToken, AuditEvent, Notification, PasswordReset
from workshop.models.types import utcnow
from workshop.services.accounts import authenticate, issue_api_token
from workshop.services.errors import AuthenticationFailed

# The real SMTP server (aiosmtpd) and its inbox, as the mail tests use them.
smtp_server = test_mail.smtp_server
mail_config = test_mail.mail_config
inbox = test_mail.inbox

NEW_PASSWORD = "ลืมแล้วตั้งใหม่-2570"


def reset_link(message) -> str:
    match = re.search(r"http://[^\s]+/auth/reset/([A-Za-z0-9_\-]+)", plain_text(message))
    assert match, plain_text(message)
    return "/auth/reset/" + match.group(1)


def ask_for_link(client, address: str):
    return submit_form(client, "/auth/forgot", {"email": address})


def test_the_sign_in_page_links_to_the_reset(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/forgot"' in html
    assert "ลืมรหัสผ่าน" in html


def test_a_reset_link_arrives_by_mail_and_sets_a_new_password(client, inbox: Inbox, officer):
    response = ask_for_link(client, officer.email.upper())
    assert response.status_code == 200
    assert "ตรวจสอบอีเมลของคุณ" in response.get_data(as_text=True)
    message = inbox.to(officer.email)
    assert "ตั้งรหัสผ่านใหม่" in str(message["Subject"])
    link = reset_link(message)
    token = link.rsplit("/", 1)[1]
    # Only the token's digest is stored, never the token.
    stored = PasswordReset.query.one()
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (stored.digest, stored.salt)
    assert stored.expires_at - stored.requested_at == timedelta(hours=1)

    page = client.get(link)
    assert page.status_code == 200
    assert officer.email in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = submit_form(client, link, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    with pytest.raises(AuthenticationFailed):
        authenticate(officer.email, PASSWORD)
    assert authenticate(officer.email, NEW_PASSWORD).id == officer.id
    actions = [e.action for e in AuditEvent.query.order_by(AuditEvent.id)]
    assert actions == ["user.password_reset_request", "user.password_reset"]


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, inbox, officer):
    known = ask_for_link(client, officer.email)
    unknown = ask_for_link(client, "nobody@example.go.th")
    assert known.status_code == unknown.status_code == 200

    def body(response) -> str:
        text = response.get_data(as_text=True)
        return re.sub(r"[\w.+-]+@[\w.-]+", "ADDRESS", text).replace(csrf_free(text), "")

    assert body(known) == body(unknown)
    assert len(inbox.messages()) == 1  # only the real account got mail


def csrf_free(text: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    return found.group(1) if found else "\x00"


def test_a_link_works_once(client, inbox, officer):
    ask_for_link(client, officer.email)
    link = reset_link(inbox.to(officer.email))
    first = submit_form(client, link, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert first.status_code == 302
    again = client.get(link)
    assert again.status_code == 410
    assert "ใช้ไม่ได้แล้ว" in again.get_data(as_text=True)


def test_a_link_expires_after_an_hour(client, inbox, officer):
    ask_for_link(client, officer.email)
    link = reset_link(inbox.to(officer.email))
    reset = PasswordReset.query.one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410
    response = client.post(link, data={"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code in (400, 410)
    assert authenticate(officer.email, PASSWORD).id == officer.id


def test_a_made_up_token_is_refused(client, officer):
    assert client.get("/auth/reset/" + "A" * 43).status_code == 410
    assert client.get("/auth/reset/" + "A" * 500).status_code == 410


def test_a_reset_ends_other_sessions_and_revokes_api_tokens(app: Flask, client, inbox, officer):
    other_device = app.test_client()
    login(other_device, officer)
    assert other_device.get("/my/registrations").status_code == 200
    token = issue_api_token(officer, days=30)
    ask_for_link(client, officer.email)
    link = reset_link(inbox.to(officer.email))
    submit_form(client, link, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert ApiToken.query.count() == 0
    assert other_device.get("/my/registrations").status_code == 302  # signed out
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_a_bad_new_password_is_refused_with_every_problem_at_once(client, inbox, officer):
    ask_for_link(client, officer.email)
    link = reset_link(inbox.to(officer.email))
    response = submit_form(client, link, {"password": "short", "again": "different"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "รหัสผ่านต้องยาว" in html and "ไม่ตรงกัน" in html
    assert html.count("<li><a href=") == 2  # both in the summary
    assert authenticate(officer.email, PASSWORD).id == officer.id
    assert client.get(link).status_code == 200  # the link is still good


def test_links_per_account_are_limited(app: Flask, client, inbox, officer):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_RESET_ACCOUNT="2 per hour")
    try:
        for _ in range(4):
            assert ask_for_link(client, officer.email).status_code == 200
    finally:
        app.config["RATELIMIT_ENABLED"] = False
    assert PasswordReset.query.count() == 2
    assert len(inbox.messages()) == 2


def test_a_password_change_voids_open_links(client, inbox, officer):
    ask_for_link(client, officer.email)
    link = reset_link(inbox.to(officer.email))
    login(client, officer)
    response = submit_form(
        client,
        "/auth/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(link).status_code == 410


def test_accounts_without_a_mailbox_get_no_link(client, inbox):
    walk_in = make_user("officer", "walkin@example.go.th")
    walk_in.email = "walk-in-1@no-email.invalid"  # registered at the door without an address
    db.session.commit()
    response = ask_for_link(client, "walk-in-1@no-email.invalid")
    assert "ตรวจสอบอีเมลของคุณ" in response.get_data(as_text=True)
    assert Notification.query.count() == 0
    assert inbox.messages() == []
