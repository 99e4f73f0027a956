"""Signing out ends a session on the server: every session and remember cookie carries the
account's session generation, and signing out, changing the password and "sign out everywhere"
move it on, so that copies of those cookies stop working on every device. Sign-in starts a new
session and CSRF token, and no sign-in lasts longer than the remember cookie's 30 days."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie

from tests.conftest import FreshGlobalsClient
from tests.support import PASSWORD, csrf_token_from, login, submit_form
from workshop.extensions import db
from workshop.models import ApiToken, AuditEvent, User
from workshop.services.accounts import issue_api_token

REMEMBER = "remember_token"
NEW_PASSWORD = "ลำดวนยามเช้า-2560"


@pytest.fixture
def browser(app):
    """``browser()``: a new browser (its own cookie jar), as a second device would be."""
    app.test_client_class = FreshGlobalsClient
    return app.test_client


def signed_in(client: FlaskClient) -> bool:
    """Whether the client's cookies sign it in (the password page needs a signed-in user)."""
    response = client.get("/auth/password")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sign_in(client: FlaskClient, user: User, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = submit_form(client, "/auth/login", data)
    assert response.status_code == 302
    return response


def copy_cookies(source: FlaskClient, target: FlaskClient, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value)


def sign_out(client: FlaskClient):
    return submit_form(client, "/auth/password", {}, action="/auth/logout")


def test_a_session_cookie_copied_before_sign_out_is_refused_after(browser, officer):
    device = browser()
    sign_in(device, officer)
    thief = browser()
    copy_cookies(device, thief, "session")
    assert signed_in(thief)
    token = csrf_token_from(thief.get("/auth/password").get_data(as_text=True))
    assert thief.get("/api/v1/me", headers={"X-CSRFToken": token}).status_code == 200

    assert sign_out(device).status_code == 302

    assert not signed_in(device)
    assert not signed_in(thief)
    # Nor does the copy reach the API through the door scanner's cookie-and-CSRF path.
    assert thief.get("/api/v1/me", headers={"X-CSRFToken": token}).status_code == 401


def test_a_remember_cookie_copied_before_sign_out_is_refused_after(browser, officer):
    device = browser()
    sign_in(device, officer, remember=True)
    thief = browser()
    copy_cookies(device, thief, REMEMBER)
    assert signed_in(thief)  # the remember cookie alone signs in

    sign_out(device)

    fresh = browser()
    copy_cookies(thief, fresh, REMEMBER)
    assert not signed_in(fresh)


def test_a_password_change_on_one_device_ends_the_others(browser, officer):
    device_a, device_b = browser(), browser()
    sign_in(device_a, officer)
    sign_in(device_b, officer, remember=True)
    remembered_b = browser()
    copy_cookies(device_b, remembered_b, REMEMBER)
    assert signed_in(device_b) and signed_in(remembered_b)

    response = submit_form(
        device_a,
        "/auth/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert signed_in(device_a)  # the device that changed it goes on, in a renewed session
    assert not signed_in(device_b)
    assert not signed_in(remembered_b)  # B's remember cookie ended with its session
    db.session.expire_all()
    assert db.session.get(User, officer.id).session_generation == 1


def test_a_password_change_keeps_remember_me_on_the_device_that_made_it(browser, officer):
    device = browser()
    sign_in(device, officer, remember=True)
    submit_form(
        device, "/auth/password", {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    later = browser()
    copy_cookies(device, later, REMEMBER)  # the browser was closed: only the cookie is left
    assert signed_in(later)


def test_sign_out_everywhere_ends_every_session_and_api_token(browser, officer):
    here, there = browser(), browser()
    sign_in(here, officer)
    sign_in(there, officer, remember=True)
    api = {"Authorization": f"Bearer {issue_api_token(officer, 30)}"}
    assert here.get("/api/v1/me", headers=api).status_code == 200

    profile = here.get("/auth/profile").get_data(as_text=True)
    assert 'action="/auth/sign-out-everywhere"' in profile
    assert "ออกจากระบบทุกอุปกรณ์" in profile
    response = submit_form(here, "/auth/profile", {}, action="/auth/sign-out-everywhere")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "ออกจากระบบทุกอุปกรณ์แล้ว" in here.get("/").get_data(as_text=True)

    assert not signed_in(here)
    assert not signed_in(there)
    remembered = browser()
    copy_cookies(there, remembered, REMEMBER)
    assert not signed_in(remembered)
    assert here.get("/api/v1/me", headers=api).status_code == 401
    assert ApiToken.query.count() == 0
    event = AuditEvent.query.filter_by(action="user.sign_out_everywhere").one()
    assert event.entity_id == officer.id
    # Signing in again works as usual.
    sign_in(here, officer)
    assert signed_in(here)


def test_staff_and_organizers_find_sign_out_everywhere_on_their_password_page(browser, organizer):
    client = browser()
    sign_in(client, organizer)
    page = client.get("/auth/password").get_data(as_text=True)
    assert 'action="/auth/sign-out-everywhere"' in page


def test_a_csrf_token_taken_before_sign_in_does_not_work_after(browser, organizer):
    client = browser()
    before = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"csrf_token": before, "email": organizer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    refused = client.post("/organizer/venues/new", data={"csrf_token": before, "name": "ห้อง"})
    assert refused.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in refused.get_data(as_text=True)
    # The page's new token does work.
    fresh = csrf_token_from(client.get("/organizer/venues/new").get_data(as_text=True))
    accepted = client.post(
        "/organizer/venues/new", data={"csrf_token": fresh, "name": "ห้อง", "capacity": "10"}
    )
    assert accepted.status_code == 302


def test_sign_in_keeps_the_language_chosen_before(browser, officer):
    client = browser()
    client.get("/lang/en")
    sign_in(client, officer)
    assert 'lang="en"' in client.get("/my/registrations").get_data(as_text=True)


def test_the_remember_cookie_lasts_30_days_at_most(app, browser, officer):
    client = browser()
    response = sign_in(client, officer, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert expires <= datetime.now(UTC) + timedelta(days=30, minutes=1)
    assert expires >= datetime.now(UTC) + timedelta(days=29)

    # The server holds to it too, whatever the browser keeps: a sign-in 31 days old is refused.
    def remembered_since(days: float) -> FlaskClient:
        other = browser()
        signed = f"{officer.id}.{officer.session_generation}.{int(time.time() - days * 86400)}"
        with app.test_request_context():
            other.set_cookie(REMEMBER, encode_cookie(signed))
        return other

    assert signed_in(remembered_since(29))
    assert not signed_in(remembered_since(31))


def test_cookies_from_before_session_generations_sign_nobody_in(app, browser, officer):
    """A cookie holding only the account id (as before) is forged or stale: nobody."""
    client = browser()
    with app.test_request_context():
        client.set_cookie(REMEMBER, encode_cookie(str(officer.id)))
    assert not signed_in(client)


def test_deactivating_an_account_signs_it_out(browser, officer):
    client = browser()
    login(client, officer)
    officer.active = False
    db.session.commit()
    assert not signed_in(client)
