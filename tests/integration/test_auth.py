"""Signing in and out, password storage, cookies, CSRF and role checks on pages."""

import pytest

from tests.support import PASSWORD, login, make_user, submit_form
from workshop.config import DEFAULTS
from workshop.extensions import db
from workshop.models import AuditEvent, User


def test_password_is_stored_hashed(app, officer):
    stored = db.session.get(User, officer.id).password_hash
    assert PASSWORD not in stored
    # The suite hashes cheaply (conftest); production keeps werkzeug's scrypt.
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "scrypt"


def test_sign_in_and_out(client, organizer):
    response = login(client, organizer)
    assert response.headers["Location"] == "/organizer/workshops"
    page = client.get("/organizer/workshops").get_data(as_text=True)
    assert "สุนันทา" in page
    html = client.get("/organizer/workshops").get_data(as_text=True)
    response = submit_form(client, "/organizer/workshops", {}, action="/auth/logout")
    assert response.status_code == 302
    assert client.get("/organizer/workshops").status_code == 302
    assert "ออกจากระบบ" in html


def test_door_staff_land_on_the_check_in_page(client, staff):
    response = login(client, staff)
    assert response.headers["Location"] == "/checkin"
    assert client.get("/checkin").status_code == 200


def signed_in_as(client) -> str | None:
    """The name the menu shows for the signed-in person, or None when nobody is signed in."""
    import re

    match = re.search(r'<a class="who"[^>]*>([^<]+)</a>', client.get("/").get_data(as_text=True))
    return match.group(1) if match else None


def test_wrong_password_shows_a_thai_message(client, officer):
    response = submit_form(client, "/auth/login", {"email": officer.email, "password": "nope"})
    assert response.status_code == 422
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_unknown_email_gets_the_same_message(client):
    response = submit_form(
        client, "/auth/login", {"email": "nobody@example.go.th", "password": "x"}
    )
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, officer):
    assert signed_in_as(client) is None
    response = submit_form(
        client, "/auth/login", {"email": officer.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    # Signed in as that account: its name in the menu, its own pages open.
    assert signed_in_as(client) == officer.full_name
    assert client.get("/my/registrations").status_code == 200


def test_deactivated_account_cannot_sign_in(client, officer):
    officer.active = False
    db.session.commit()
    response = submit_form(client, "/auth/login", {"email": officer.email, "password": PASSWORD})
    assert response.status_code == 422


def test_login_without_csrf_token_is_refused(client, officer):
    response = client.post("/auth/login", data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_lax(client, officer):
    response = login(client, officer)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain http in tests


def test_session_cookie_is_secure_behind_https(tmp_path):
    from workshop import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "BASE_URL": "https://workshop.example.go.th",
            "SECRET_KEY": "0f5b3c1e9a7d4e2b8c6a0d1f3e5b7a9c2d4f6e8a0b1c3d5e7f9a1b3c5d7e9f0a",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_next_parameter_cannot_redirect_off_site(client, officer):
    html = client.get("/auth/login").get_data(as_text=True)
    from tests.support import csrf_token_from

    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"csrf_token": csrf_token_from(html), "email": officer.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, organizer):
    response = client.get("/organizer/venues")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    from tests.support import csrf_token_from

    response = client.post(
        "/auth/login?next=/organizer/venues",
        data={"csrf_token": csrf_token_from(html), "email": organizer.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/organizer/venues"


ORGANIZER_PAGES = [
    "/organizer/",
    "/organizer/workshops",
    "/organizer/workshops/new",
    "/organizer/venues",
    "/organizer/venues/new",
]


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("role", ["officer", "staff"])
@pytest.mark.parametrize("path", ORGANIZER_PAGES)
def test_other_roles_get_403_on_organizer_pages(client, role, path):
    login(client, make_user(role))
    response = client.get(path)
    assert response.status_code == 403
    assert "ไม่มีสิทธิ์เข้าถึง" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "staff"])
def test_other_roles_cannot_post_to_organizer_actions(client, role, workshop):
    login(client, make_user(role))
    response = submit_form(
        client, "/", {"status": "published"}, action=f"/organizer/workshops/{workshop.id}/status"
    )
    assert response.status_code == 403
    db.session.refresh(workshop)
    assert workshop.status == "draft"


@pytest.mark.parametrize("path", ["/organizer/workshops/999999", "/organizer/venues/999999/edit"])
def test_unknown_ids_are_404_pages(client, organizer, path):
    login(client, organizer)
    response = client.get(path)
    assert response.status_code == 404
    assert "ไม่พบหน้านี้" in response.get_data(as_text=True)


def test_unknown_url_is_a_thai_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert 'lang="th"' in response.get_data(as_text=True)


def test_change_password(client, staff):
    from workshop.models import ApiToken
    from workshop.services.accounts import authenticate, issue_api_token

    issue_api_token(staff, 1)
    login(client, staff)
    form = {"current": PASSWORD, "new": "new-secret-2560", "again": "new-secret-2560"}
    response = submit_form(client, "/auth/password", form)
    assert response.status_code == 302
    assert authenticate(staff.email, "new-secret-2560").id == staff.id
    assert ApiToken.query.count() == 0  # tokens issued with the old password are gone
    assert AuditEvent.query.filter_by(action="user.password").count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"current": "wrong", "new": "new-secret-2560", "again": "new-secret-2560"},
            "รหัสผ่านปัจจุบันไม่ถูกต้อง",
        ),
        ({"current": PASSWORD, "new": "short", "again": "short"}, "รหัสผ่านต้องยาว"),
        ({"current": PASSWORD, "new": "Password2560!", "again": "Password2560!"}, "เดาได้ง่าย"),
        ({"current": PASSWORD, "new": "officer-2560!", "again": "officer-2560!"}, "อีเมลหรือชื่อ"),
        ({"current": PASSWORD, "new": PASSWORD, "again": PASSWORD}, "ต้องไม่ซ้ำ"),
        ({"current": PASSWORD, "new": "new-secret-2560", "again": "other-2560"}, "ไม่ตรงกัน"),
    ],
)
def test_bad_password_change_keeps_the_old_password(client, officer, form, message):
    from workshop.services.accounts import authenticate

    login(client, officer)
    response = submit_form(client, "/auth/password", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert authenticate(officer.email, PASSWORD).id == officer.id


def test_password_page_needs_sign_in(client):
    assert client.get("/auth/password").status_code == 302
