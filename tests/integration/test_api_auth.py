"""API authentication: tokens, 401/403, and the JSON error format for unknown URLs and methods."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.support import PASSWORD, login, make_user
from workshop.extensions import db
from workshop.models import ApiToken, User, Venue
from workshop.models.types import utcnow


def request_token(client: FlaskClient, email: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def bearer(client: FlaskClient, user: User) -> dict[str, str]:
    response = request_token(client, user.email)
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


# ---------------------------------------------------------------- POST /auth/token


def test_token_for_correct_password_gives_token_and_role(client, organizer):
    response = request_token(client, organizer.email)

    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "organizer"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32


def test_token_email_is_case_insensitive(client, officer):
    response = request_token(client, "  OFFICER@Example.go.th ")

    assert response.status_code == 201
    assert response.get_json()["role"] == "officer"


def test_each_token_request_gives_a_different_token(client, officer):
    first = request_token(client, officer.email).get_json()["token"]
    second = request_token(client, officer.email).get_json()["token"]

    assert first != second


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("officer@example.go.th", "wrong-password"),
        ("nobody@example.go.th", PASSWORD),
        ("officer@example.go.th\x00", PASSWORD),  # PostgreSQL refuses NUL in text: no 500
        ("x" * 5000 + "@example.go.th", PASSWORD),
        ("", ""),
    ],
    ids=["wrong-password", "unknown-email", "nul-byte", "huge-email", "empty"],
)
def test_token_with_bad_credentials_is_401_invalid_credentials(client, officer, email, password):
    tokens_before = db.session.scalar(select(func.count()).select_from(ApiToken))

    assert_error(request_token(client, email, password), 401, "invalid_credentials")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == tokens_before


def test_token_for_deactivated_account_is_refused(client, officer):
    officer.active = False
    db.session.commit()

    assert_error(request_token(client, officer.email), 401, "invalid_credentials")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "officer@example.go.th"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": 5, "password": PASSWORD}, "email"),
        ({"email": "officer@example.go.th", "password": ["x"]}, "password"),
        ({"email": "officer@example.go.th", "password": PASSWORD, "role": "organizer"}, "role"),
    ],
    ids=["no-password", "no-email", "email-number", "password-list", "unknown-field"],
)
def test_token_request_with_wrong_shape_is_422_with_field(client, officer, body, field):
    error = assert_error(client.post("/api/v1/auth/token", json=body), 422, "validation_failed")
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("email=officer@example.go.th&password=x", "application/x-www-form-urlencoded"),
        ('{"email": "officer@example.go.th",', "application/json"),
        ('["officer@example.go.th", "x"]', "application/json"),
        ('"officer@example.go.th"', "application/json"),
        ("", "application/json"),
        ("[" * 100_000, "application/json"),
    ],
    ids=["form", "truncated-json", "array", "string", "empty", "deeply-nested"],
)
def test_token_request_that_is_not_a_json_object_is_400_invalid_json(client, data, content_type):
    response = client.post("/api/v1/auth/token", data=data, content_type=content_type)

    assert_error(response, 400, "invalid_json")


# ---------------------------------------------------------------- using the token


def test_me_with_token_returns_the_callers_profile(client, organizer):
    response = client.get("/api/v1/me", headers=bearer(client, organizer))

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == organizer.id
    assert body["email"] == "organizer@example.go.th"
    assert body["role"] == "organizer"
    assert body["full_name"] == "นางสุนันทา วงศ์ใหญ่"
    assert "password_hash" not in body


def test_me_without_token_is_401_with_bearer_challenge(client):
    response = client.get("/api/v1/me")

    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-token",
        "Bearer ",
        "Bearer " + "x" * 5000,
        "Bearer \x00",
        "Basic b3JnYW5pemVyQGV4YW1wbGUuZ28udGg6Y29ycmVjdC1ob3JzZS0yNTU5",
        "garbage",
    ],
    ids=["unknown", "empty", "huge", "nul", "basic-auth", "no-scheme"],
)
def test_me_with_garbage_authorization_is_401(client, organizer, header):
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


def test_expired_token_is_401(client, organizer):
    headers = bearer(client, organizer)
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_token_stops_working_when_account_is_deactivated(client, organizer):
    headers = bearer(client, organizer)
    organizer.active = False
    db.session.commit()

    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_a_token_in_use_is_remembered_for_a_few_seconds_only(client, app, organizer, monkeypatch):
    from workshop.services import accounts

    headers = bearer(client, organizer)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Another process revokes it: this process may go on trusting it for the cache time...
    db.session.execute(update(User).values(active=False))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # ...and no longer.
    later = accounts.time.monotonic() + app.config["API_TOKEN_CACHE_SECONDS"] + 1
    monkeypatch.setattr(accounts.time, "monotonic", lambda: later)
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_a_remembered_token_still_expires_on_time(client, organizer, monkeypatch):
    from workshop.services import accounts

    headers = bearer(client, organizer)
    db.session.execute(update(ApiToken).values(expires_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    moment = utcnow() + timedelta(seconds=2)
    monkeypatch.setattr(accounts, "utcnow", lambda: moment)
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_changing_the_password_revokes_a_remembered_token_at_once(client, organizer):
    from workshop.services.accounts import change_password

    headers = bearer(client, organizer)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    change_password(organizer, PASSWORD, PASSWORD + "-new")
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_signed_in_browser_cookie_does_not_authenticate_the_api(client, organizer):
    login(client, organizer)

    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_bad_token_on_public_endpoint_is_401_not_silently_anonymous(client):
    response = client.get("/api/v1/workshops", headers={"Authorization": "Bearer expired"})

    assert_error(response, 401, "unauthorized")


def test_token_authenticated_post_needs_no_csrf_token(client, organizer):
    response = client.post(
        "/api/v1/venues",
        json={"name": "ห้องประชุม", "capacity": 30},
        headers=bearer(client, organizer),
    )

    assert response.status_code == 201


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role", ["officer", "staff"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/venues", {"name": "ห้อง", "capacity": 10}),
        ("get", "/api/v1/venues", None),
        ("get", "/api/v1/venues/{venue}", None),
        ("patch", "/api/v1/venues/{venue}", {"capacity": 10}),
        ("post", "/api/v1/workshops", {}),
        ("patch", "/api/v1/workshops/{workshop}", {"title": "ใหม่"}),
    ],
)
def test_non_organizer_token_on_organizer_endpoint_is_403(
    client, workshop, role, method, path, body
):
    user = make_user(role)
    url = path.format(venue=workshop.venue_id, workshop=workshop.id)
    venues_before = db.session.scalar(select(func.count()).select_from(Venue))

    response = getattr(client, method)(url, json=body, headers=bearer(client, user))

    assert_error(response, 403, "forbidden")
    assert db.session.scalar(select(func.count()).select_from(Venue)) == venues_before


def test_staff_and_officer_tokens_still_read_their_own_profile(client, staff, officer):
    for user in (staff, officer):
        response = client.get("/api/v1/me", headers=bearer(client, user))
        assert response.status_code == 200
        assert response.get_json()["role"] == user.role


# ---------------------------------------------------------------- unknown URLs and methods


def test_unknown_api_url_is_404_json(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_405_json_with_allow_header(client):
    response = client.delete("/api/v1/venues")

    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_body_over_the_size_limit_is_413_json(client, app, organizer):
    headers = bearer(client, organizer)
    limit = app.config["MAX_CONTENT_LENGTH"]
    data = '{"name": "' + "x" * limit + '", "capacity": 5}'

    response = client.post(
        "/api/v1/venues", data=data, content_type="application/json", headers=headers
    )

    assert_error(response, 413, "payload_too_large")
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 0
