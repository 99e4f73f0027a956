"""Venue endpoints: create, list, get, patch; bad input stores nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import PASSWORD
from workshop.extensions import db
from workshop.models import User, Venue


def bearer(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def venue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Venue))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


@pytest.fixture
def auth(client, organizer) -> dict[str, str]:
    return bearer(client, organizer)


VALID = {
    "name": "ห้องประชุมอำเภอวังทอง",
    "address": "ที่ว่าการอำเภอวังทอง",
    "district": "วังทอง",
    "province": "พิษณุโลก",
    "capacity": 80,
}


# ---------------------------------------------------------------- create


def test_create_venue_returns_201_with_the_stored_venue(client, auth):
    response = client.post("/api/v1/venues", json=VALID, headers=auth)

    assert response.status_code == 201
    body = response.get_json()
    assert body == {**VALID, "id": body["id"], "version": 1}
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/venues/{body['id']}")
    stored = db.session.get(Venue, body["id"])
    assert (stored.name, stored.capacity, stored.province) == ("ห้องประชุมอำเภอวังทอง", 80, "พิษณุโลก")


def test_create_venue_needs_only_name_and_capacity(client, auth):
    response = client.post("/api/v1/venues", json={"name": "หอประชุม", "capacity": 1}, headers=auth)

    assert response.status_code == 201
    assert response.get_json()["address"] == ""


def test_create_venue_normalises_white_space_in_text(client, auth):
    body = {**VALID, "name": "  ห้องประชุม   อำเภอ\u200bวังทอง "}

    response = client.post("/api/v1/venues", json=body, headers=auth)

    assert response.status_code == 201
    assert response.get_json()["name"] == "ห้องประชุม อำเภอวังทอง"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacity", -5),
        ("capacity", 0),
        ("capacity", 100_001),
        ("capacity", 2**40),
        ("capacity", "abc"),
        ("capacity", "80"),
        ("capacity", True),
        ("capacity", 12.5),
        ("capacity", None),
        ("name", ""),
        ("name", "ก" * 10_000),
        ("name", "x" * 200_000),
        ("name", "ห้องประชุม 🎉"),
        ("name", "ห้อง\x00ประชุม"),
        ("name", "ห้อง\nประชุม"),
        ("name", 5),
        ("name", None),
        ("name", ["ห้อง"]),
        ("province", {"th": "พิษณุโลก"}),
        ("address", "ที่อยู่" * 200),
    ],
)
def test_create_venue_with_bad_field_is_422_and_stores_nothing(client, auth, field, value):
    before = venue_count()

    response = client.post("/api/v1/venues", json={**VALID, field: value}, headers=auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == [field]
    assert venue_count() == before


def test_create_venue_reports_every_bad_field_at_once(client, auth):
    response = client.post("/api/v1/venues", json={"name": "", "capacity": -1}, headers=auth)

    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {"name", "capacity"}


def test_create_venue_missing_fields_and_unknown_fields_are_named(client, auth):
    response = client.post("/api/v1/venues", json={"id": 7, "address": "x"}, headers=auth)

    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {"id", "name", "capacity"}
    assert venue_count() == 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("name=ห้อง&capacity=5", "application/x-www-form-urlencoded"),
        ("not json", "application/json"),
        ('[{"name": "ห้อง", "capacity": 5}]', "application/json"),
        ("5", "application/json"),
        ("null", "application/json"),
        ('{"name": "ห้อง", "capacity": 5}', "text/plain"),
        (b'{"name": "\xff\xfe", "capacity": 5}', "application/json"),
    ],
    ids=["form", "not-json", "array", "number", "null", "text-plain", "bad-utf8"],
)
def test_create_venue_with_non_object_body_is_400_invalid_json(client, auth, data, content_type):
    response = client.post("/api/v1/venues", data=data, content_type=content_type, headers=auth)

    assert_error(response, 400, "invalid_json")
    assert venue_count() == 0


# ---------------------------------------------------------------- list and get


def test_list_venues_returns_every_venue(client, auth, venue):
    client.post("/api/v1/venues", json=VALID, headers=auth)

    response = client.get("/api/v1/venues", headers=auth)

    assert response.status_code == 200
    names = {row["name"] for row in response.get_json()}
    assert names == {venue.name, VALID["name"]}


def test_list_venues_is_empty_list_when_there_are_none(client, auth):
    response = client.get("/api/v1/venues", headers=auth)

    assert response.status_code == 200
    assert response.get_json() == []


def test_get_venue_by_id(client, auth, venue):
    response = client.get(f"/api/v1/venues/{venue.id}", headers=auth)

    assert response.status_code == 200
    assert response.get_json() == {
        "id": venue.id,
        "name": "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
        "address": "ตำบลวังทอง",
        "district": "วังทอง",
        "province": "พิษณุโลก",
        "capacity": 120,
        "version": 1,
    }
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("venue_id", ["999999", "0", "99999999999999999999999", "-1", "abc"])
def test_get_unknown_venue_is_404_json(client, auth, venue, venue_id):
    assert_error(client.get(f"/api/v1/venues/{venue_id}", headers=auth), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/venues"),
        ("get", "/api/v1/venues"),
        ("get", "/api/v1/venues/1"),
        ("patch", "/api/v1/venues/1"),
    ],
)
def test_venue_endpoints_without_token_are_401(client, method, path):
    response = getattr(client, method)(path, json={"name": "ห้อง", "capacity": 5})

    assert_error(response, 401, "unauthorized")
    assert venue_count() == 0


# ---------------------------------------------------------------- patch


def test_patch_venue_changes_only_the_fields_sent(client, auth, venue):
    response = client.patch(f"/api/v1/venues/{venue.id}", json={"capacity": 150}, headers=auth)

    assert response.status_code == 200
    body = response.get_json()
    assert body["capacity"] == 150
    assert body["name"] == "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก"
    assert body["district"] == "วังทอง"
    db.session.expire_all()
    assert db.session.get(Venue, venue.id).capacity == 150


def test_patch_venue_with_empty_object_changes_nothing(client, auth, venue):
    response = client.patch(f"/api/v1/venues/{venue.id}", json={}, headers=auth)

    assert response.status_code == 200
    assert response.get_json()["capacity"] == 120


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"capacity": None}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": "150"}, "capacity"),
        ({"capacity": False}, "capacity"),
        ({"name": "ก" * 10_000}, "name"),
        ({"name": "🏫"}, "name"),
        ({"id": 99}, "id"),
    ],
)
def test_patch_venue_with_bad_field_is_422_and_changes_nothing(client, auth, venue, body, field):
    response = client.patch(
        f"/api/v1/venues/{venue.id}", json={"district": "เมือง", **body}, headers=auth
    )

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == [field]
    db.session.expire_all()
    stored = db.session.get(Venue, venue.id)
    assert (stored.name, stored.district, stored.capacity) == (
        "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
        "วังทอง",
        120,
    )


def test_patch_venue_cannot_shrink_room_below_a_planned_workshop(client, auth, workshop):
    response = client.patch(
        f"/api/v1/venues/{workshop.venue_id}", json={"capacity": 99}, headers=auth
    )

    error = assert_error(response, 422, "validation_failed")
    assert "capacity" in error["fields"]
    db.session.expire_all()
    assert db.session.get(Venue, workshop.venue_id).capacity == 120


def test_patch_unknown_venue_is_404(client, auth):
    response = client.patch("/api/v1/venues/4242", json={"capacity": 5}, headers=auth)

    assert_error(response, 404, "not_found")


def test_patch_venue_with_non_json_body_is_400(client, auth, venue):
    response = client.patch(
        f"/api/v1/venues/{venue.id}", data="capacity=5", content_type="text/plain", headers=auth
    )

    assert_error(response, 400, "invalid_json")
