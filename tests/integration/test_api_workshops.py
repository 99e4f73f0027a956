"""Workshop endpoints: create with sessions, list and get by visibility, patch and publish."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import PASSWORD, make_officers, make_user, seat, workshop_input
from workshop.extensions import db
from workshop.models import AuditEvent, User, Venue, Workshop, WorkshopSession
from workshop.services.certificate_design import DEFAULT_WORDING, check_wording
from workshop.services.errors import ValidationFailed
from workshop.services.venues import VenueInput, create_venue
from workshop.services.workshops import SessionInput, change_status, create_workshop


def bearer(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def counts() -> tuple[int, int]:
    workshops = db.session.scalar(select(func.count()).select_from(Workshop))
    sessions = db.session.scalar(select(func.count()).select_from(WorkshopSession))
    return workshops, sessions


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def body_for(venue: Venue, **changes: Any) -> dict[str, Any]:
    """The reference workshop (Wang Thong, 20 October 2015) as an API request body."""
    body: dict[str, Any] = {
        "title": "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559",
        "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        "venue_id": venue.id,
        "capacity": 100,
        "registration_opens_at": "2015-10-01T08:30:00+07:00",
        "registration_closes_at": "2015-10-19T16:30:00+07:00",
        "objectives": "เพื่อเพิ่มประสิทธิภาพการปฏิบัติงาน",
        "topics": "การขับเคลื่อนงานพัฒนาชุมชน\nการจัดทำแผนชุมชน",
        "sessions": [
            {
                "title": "พิธีเปิด",
                "starts_at": "2015-10-20T08:30:00+07:00",
                "ends_at": "2015-10-20T12:00:00+07:00",
            },
            {
                "title": "ประชุมเชิงปฏิบัติการ",
                "starts_at": "2015-10-20T13:00:00+07:00",
                "ends_at": "2015-10-20T16:30:00+07:00",
            },
        ],
    }
    body.update(changes)
    return body


def with_value(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``body`` with the value at a dotted path (``sessions.0.starts_at``) replaced."""
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    target: Any = result
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return result


@pytest.fixture
def auth(client, organizer) -> dict[str, str]:
    return bearer(client, organizer)


@pytest.fixture
def officer_auth(client, officer) -> dict[str, str]:
    return bearer(client, officer)


def published(workshop: Workshop, organizer: User) -> Workshop:
    return change_status(workshop, "published", organizer)


# ---------------------------------------------------------------- create


def test_create_workshop_returns_201_with_sessions_and_fiscal_year(client, auth, venue):
    response = client.post("/api/v1/workshops", json=body_for(venue), headers=auth)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["fiscal_year"] == 2559
    assert body["capacity"] == 100
    assert body["attendance_threshold"] == 80
    assert body["certificate_kind"] == "เกียรติบัตร"
    assert body["topic_list"] == ["การขับเคลื่อนงานพัฒนาชุมชน", "การจัดทำแผนชุมชน"]
    assert body["venue"] == {
        "id": venue.id,
        "name": venue.name,
        "district": "วังทอง",
        "province": "พิษณุโลก",
        "capacity": 120,
    }
    assert body["registration_opens_at"] == "2015-10-01T01:30:00Z"
    assert [s["title"] for s in body["sessions"]] == ["พิธีเปิด", "ประชุมเชิงปฏิบัติการ"]
    assert body["sessions"][0]["starts_at"] == "2015-10-20T01:30:00Z"
    assert body["sessions"][1]["ends_at"] == "2015-10-20T09:30:00Z"
    stored_ids = db.session.scalars(
        select(WorkshopSession.id).where(WorkshopSession.workshop_id == body["id"])
    ).all()
    assert sorted(s["id"] for s in body["sessions"]) == sorted(stored_ids)
    assert response.headers["Location"].endswith(f"/api/v1/workshops/{body['id']}")


def test_create_workshop_accepts_any_offset_and_z(client, auth, venue):
    body = body_for(venue)
    body["sessions"][0]["starts_at"] = "2015-10-20T01:30:00Z"
    body["sessions"][0]["ends_at"] = "2015-10-20T00:00:00-05:00"

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    assert response.status_code == 201, response.get_json()
    first = response.get_json()["sessions"][0]
    assert (first["starts_at"], first["ends_at"]) == (
        "2015-10-20T01:30:00Z",
        "2015-10-20T05:00:00Z",
    )


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "fiscal_year"),
    [
        ("2016-09-30T09:00:00+07:00", "2016-09-30T16:00:00+07:00", 2559),
        # 18:00 UTC on 30 September is already 1 October in Bangkok: the next fiscal year.
        ("2016-09-30T18:00:00Z", "2016-09-30T23:00:00Z", 2560),
    ],
)
def test_fiscal_year_follows_the_bangkok_date_of_the_first_session(
    client, auth, venue, starts_at, ends_at, fiscal_year
):
    body = body_for(
        venue,
        registration_opens_at="2016-09-01T08:00:00+07:00",
        registration_closes_at="2016-09-29T16:00:00+07:00",
        sessions=[{"title": "วันเดียว", "starts_at": starts_at, "ends_at": ends_at}],
    )

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["fiscal_year"] == fiscal_year


NAIVE = "2015-10-20T08:30:00"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # time and date formats
        ("sessions.0.starts_at", NAIVE),
        ("registration_opens_at", "2015-10-01T08:30:00"),
        ("sessions.0.starts_at", "20/10/2558 08:30"),
        ("sessions.0.starts_at", "2015-02-30T08:30:00+07:00"),
        ("sessions.0.starts_at", "2015-10-20T25:00:00+07:00"),
        ("sessions.0.starts_at", "yesterday"),
        ("sessions.0.starts_at", ""),
        ("sessions.0.starts_at", 1445304600),
        ("sessions.0.starts_at", None),
        ("sessions.0.ends_at", "9999-12-31T23:59:59-23:59"),
        ("registration_closes_at", "0001-01-01T00:00:00+01:00"),
        # rules checked by the service
        ("sessions.0.starts_at", "2558-10-20T08:30:00+07:00"),
        ("sessions.0.ends_at", "2015-10-20T08:00:00+07:00"),
        ("sessions.0.ends_at", "2015-10-22T08:30:00+07:00"),
        ("sessions.1.starts_at", "2015-10-20T11:00:00+07:00"),
        ("registration_closes_at", "2015-09-30T08:30:00+07:00"),
        ("capacity", -1),
        ("capacity", 0),
        ("capacity", 121),
        ("capacity", "abc"),
        ("capacity", True),
        ("capacity", 99.5),
        ("capacity", 2**63),
        ("venue_id", 999_999),
        ("venue_id", 0),
        ("venue_id", "1"),
        ("attendance_threshold", 101),
        ("attendance_threshold", False),
        ("certificate_kind", "diploma"),
        ("title", "ก" * 10_000),
        ("title", "อบรม 🚀"),
        ("title", "อบรม\x00"),
        ("title", 5),
        ("title", ""),
        ("title", "   "),
        ("organizing_agency", None),
        ("objectives", ["ข้อ 1"]),
        ("sessions", []),
        ("sessions", "วันที่ 20"),
        ("sessions", [{"starts_at": "2015-10-20T08:30:00+07:00"}] * 40),
        ("sessions.0", "พิธีเปิด"),
        ("sessions.0.title", "พิธีเปิด 🎤"),
        ("sessions.0.id", 1),
        ("status", "published"),
    ],
)
def test_create_workshop_with_bad_field_is_422_and_stores_nothing(client, auth, venue, path, value):
    before = counts()

    response = client.post(
        "/api/v1/workshops", json=with_value(body_for(venue), path, value), headers=auth
    )

    error = assert_error(response, 422, "validation_failed")
    assert any(key == path or key.startswith(path + ".") for key in error["fields"]), error
    assert counts() == before


def test_naive_datetime_message_asks_for_a_time_zone(client, auth, venue):
    body = with_value(body_for(venue), "sessions.0.starts_at", NAIVE)

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    message = assert_error(response, 422, "validation_failed")["fields"]["sessions.0.starts_at"]
    assert "+07:00" in message


def test_capacity_above_room_capacity_is_422_on_capacity(client, auth, venue):
    response = client.post("/api/v1/workshops", json=body_for(venue, capacity=121), headers=auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["capacity"]
    assert venue.name in error["fields"]["capacity"]


def test_registration_closing_after_last_session_ends_is_422(client, auth, venue):
    body = body_for(venue, registration_closes_at="2015-10-20T16:31:00+07:00")

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["registration_closes_at"]
    assert counts() == (0, 0)


def test_create_workshop_with_several_errors_reports_them_together(client, auth, venue):
    body = body_for(venue, title="", capacity=-3)
    body = with_value(body, "sessions.1.ends_at", "2015-10-20T12:00:00+07:00")

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert {"title", "capacity", "sessions.1.ends_at"} <= set(fields)


def test_create_workshop_missing_required_fields_are_named(client, auth):
    response = client.post("/api/v1/workshops", json={"title": "อบรม"}, headers=auth)

    fields = assert_error(response, 422, "validation_failed")["fields"]
    # The office and the name printed default to the caller's office.
    assert set(fields) == {
        "venue_id",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "sessions",
    }


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("title=อบรม", "application/x-www-form-urlencoded"),
        ("{", "application/json"),
        ("[]", "application/json"),
        ('"อบรม"', "application/json"),
        ("true", "application/json"),
    ],
)
def test_create_workshop_with_non_object_body_is_400_invalid_json(client, auth, data, content_type):
    response = client.post("/api/v1/workshops", data=data, content_type=content_type, headers=auth)

    assert_error(response, 400, "invalid_json")
    assert counts() == (0, 0)


def test_create_workshop_without_token_is_401_and_officer_is_403(client, officer_auth, venue):
    assert_error(client.post("/api/v1/workshops", json=body_for(venue)), 401, "unauthorized")
    response = client.post("/api/v1/workshops", json=body_for(venue), headers=officer_auth)
    assert_error(response, 403, "forbidden")
    assert counts() == (0, 0)


# ---------------------------------------------------------------- list and get


@pytest.fixture
def three_workshops(venue, organizer) -> dict[str, int]:
    """A draft, a published and a closed workshop, by status."""
    ids = {}
    for status in ("draft", "published", "closed"):
        row = create_workshop(workshop_input(venue, title=f"อบรม {status}"), organizer)
        if status != "draft":
            change_status(row, "published", organizer)
        if status == "closed":
            change_status(row, "closed", organizer)
        ids[status] = row.id
    return ids


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {row["id"] for row in response.get_json()}


def test_anonymous_list_shows_published_and_closed_but_not_drafts(client, three_workshops):
    ids = listed_ids(client.get("/api/v1/workshops"))

    assert ids == {three_workshops["published"], three_workshops["closed"]}


def test_officer_list_does_not_show_drafts(client, officer_auth, three_workshops):
    ids = listed_ids(client.get("/api/v1/workshops", headers=officer_auth))

    assert three_workshops["draft"] not in ids
    assert len(ids) == 2


def test_organizer_list_shows_drafts_too(client, auth, three_workshops):
    ids = listed_ids(client.get("/api/v1/workshops", headers=auth))

    assert ids == set(three_workshops.values())


def test_list_filters_by_status(client, auth, three_workshops):
    assert listed_ids(client.get("/api/v1/workshops?status=draft", headers=auth)) == {
        three_workshops["draft"]
    }
    assert listed_ids(client.get("/api/v1/workshops?status=closed")) == {three_workshops["closed"]}
    assert listed_ids(client.get("/api/v1/workshops?status=draft")) == set()


def test_list_with_unknown_status_is_422(client, three_workshops):
    error = assert_error(client.get("/api/v1/workshops?status=secret"), 422, "validation_failed")
    assert list(error["fields"]) == ["status"]


def test_list_items_have_the_full_workshop_shape(client, three_workshops):
    rows = client.get("/api/v1/workshops").get_json()

    assert all(len(row["sessions"]) == 2 and row["fiscal_year"] == 2559 for row in rows)


def test_get_published_workshop_anonymously(client, workshop, organizer):
    published(workshop, organizer)

    response = client.get(f"/api/v1/workshops/{workshop.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == workshop.id
    assert body["status"] == "published"
    assert len(body["sessions"]) == 2


def test_draft_is_404_for_anonymous_and_officer_but_visible_to_organizer(
    client, workshop, officer_auth, auth
):
    url = f"/api/v1/workshops/{workshop.id}"

    assert_error(client.get(url), 404, "not_found")
    assert_error(client.get(url, headers=officer_auth), 404, "not_found")
    response = client.get(url, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["status"] == "draft"


@pytest.mark.parametrize("workshop_id", ["424242", "0", "9" * 30])
def test_get_unknown_workshop_is_404_json(client, auth, workshop_id):
    assert_error(client.get(f"/api/v1/workshops/{workshop_id}", headers=auth), 404, "not_found")


# ---------------------------------------------------------------- patch


def patch(client, workshop_id: int, body: Any, headers: dict[str, str]):
    return client.patch(f"/api/v1/workshops/{workshop_id}", json=body, headers=headers)


def stored(workshop_id: int) -> Workshop:
    db.session.expire_all()
    return db.session.get(Workshop, workshop_id)


def test_patch_publish_flow_through_the_life_cycle(client, auth, workshop):
    url = f"/api/v1/workshops/{workshop.id}"
    assert_error(client.get(url), 404, "not_found")

    response = patch(client, workshop.id, {"status": "published"}, auth)
    assert response.status_code == 200
    assert response.get_json()["status"] == "published"
    assert client.get(url).status_code == 200  # now public

    assert patch(client, workshop.id, {"status": "closed"}, auth).get_json()["status"] == "closed"
    assert client.get(url).get_json()["status"] == "closed"
    response = patch(client, workshop.id, {"status": "published"}, auth)
    assert response.get_json()["status"] == "published"
    response = patch(client, workshop.id, {"status": "cancelled", "reason": "งบประมาณถูกตัด"}, auth)
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["cancel_reason"] == "งบประมาณถูกตัด"
    assert stored(workshop.id).status == "cancelled"


@pytest.mark.parametrize(
    ("path", "new_status"),
    [
        ([], "closed"),
        (["cancelled"], "published"),
        (["cancelled"], "draft"),
        (["published"], "draft"),
    ],
)
def test_patch_status_not_allowed_by_life_cycle_is_409(
    client, auth, workshop, organizer, path, new_status
):
    for status in path:
        change_status(workshop, status, organizer, reason="ทดสอบ")
    before = stored(workshop.id).status

    response = patch(client, workshop.id, {"status": new_status}, auth)

    assert_error(response, 409, "invalid_status_change")
    assert stored(workshop.id).status == before


def test_patch_with_unknown_status_is_422(client, auth, workshop):
    error = assert_error(
        patch(client, workshop.id, {"status": "archived"}, auth), 422, "validation_failed"
    )
    assert list(error["fields"]) == ["status"]


def test_patch_with_refused_status_change_does_not_save_other_fields(client, auth, workshop):
    response = patch(client, workshop.id, {"title": "ชื่อใหม่", "status": "closed"}, auth)

    assert_error(response, 409, "invalid_status_change")
    row = stored(workshop.id)
    assert (row.title, row.status) == (
        "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559",
        "draft",
    )


def test_patch_with_invalid_field_does_not_change_status(client, auth, workshop):
    response = patch(client, workshop.id, {"capacity": 500, "status": "published"}, auth)

    assert_error(response, 422, "validation_failed")
    assert stored(workshop.id).status == "draft"


def test_patch_title_changes_only_the_title(client, auth, workshop):
    session_ids = [s.id for s in workshop.sessions]

    response = patch(client, workshop.id, {"title": "ชื่อการอบรมใหม่"}, auth)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "ชื่อการอบรมใหม่"
    assert body["capacity"] == 100
    assert [s["id"] for s in body["sessions"]] == session_ids
    assert stored(workshop.id).title == "ชื่อการอบรมใหม่"


def test_patch_empty_object_changes_nothing(client, auth, workshop):
    response = patch(client, workshop.id, {}, auth)

    assert response.status_code == 200
    assert response.get_json()["title"] == workshop.title


def test_patch_sessions_updates_kept_adds_new_and_removes_omitted(client, auth, workshop):
    first, second = (s.id for s in workshop.sessions)
    sessions = [
        {"id": first, "title": "พิธีเปิดและบรรยายพิเศษ"},
        {
            "title": "วันที่สอง",
            "starts_at": "2015-10-21T09:00:00+07:00",
            "ends_at": "2015-10-21T12:00:00+07:00",
        },
    ]

    response = patch(client, workshop.id, {"sessions": sessions}, auth)

    assert response.status_code == 200, response.get_json()
    out = response.get_json()["sessions"]
    assert out[0] == {
        "id": first,
        "title": "พิธีเปิดและบรรยายพิเศษ",
        "starts_at": "2015-10-20T01:30:00Z",  # kept: times left out stay as stored
        "ends_at": "2015-10-20T05:00:00Z",
        "hours": 3.5,
    }
    assert out[1]["title"] == "วันที่สอง"
    assert out[1]["id"] not in (first, second)
    assert out[1]["starts_at"] == "2015-10-21T02:00:00Z"
    assert db.session.get(WorkshopSession, second) is None
    assert {s.id for s in stored(workshop.id).sessions} == {first, out[1]["id"]}


def test_patch_session_times_of_a_kept_session(client, auth, workshop):
    first, second = (s.id for s in workshop.sessions)
    sessions = [
        {"id": first},
        {"id": second, "starts_at": "2015-10-20T13:30:00+07:00"},
    ]

    response = patch(client, workshop.id, {"sessions": sessions}, auth)

    assert response.status_code == 200, response.get_json()
    out = response.get_json()["sessions"]
    assert [s["id"] for s in out] == [first, second]
    assert out[1]["starts_at"] == "2015-10-20T06:30:00Z"
    assert out[1]["title"] == "ประชุมเชิงปฏิบัติการ"


@pytest.mark.parametrize(
    ("sessions", "field"),
    [
        ([{"title": "ใหม่", "ends_at": "2015-10-21T12:00:00+07:00"}], "sessions.0.starts_at"),
        ([{"id": 999_999, "title": "ไม่มีอยู่"}], "sessions.0.id"),
        ([{"id": None, "title": "ใหม่"}], "sessions.0.id"),
        ([{"id": "1"}], "sessions.0.id"),
        ([], "sessions"),
        (None, "sessions"),
        ([{"starts_at": NAIVE, "ends_at": "2015-10-21T12:00:00+07:00"}], "sessions.0.starts_at"),
    ],
)
def test_patch_bad_sessions_is_422_and_keeps_the_stored_sessions(
    client, auth, workshop, sessions, field
):
    before = sorted((s.id, s.title, s.starts_at) for s in workshop.sessions)

    response = patch(client, workshop.id, {"title": "ไม่ควรถูกบันทึก", "sessions": sessions}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"], error
    row = stored(workshop.id)
    assert sorted((s.id, s.title, s.starts_at) for s in row.sessions) == before
    assert row.title != "ไม่ควรถูกบันทึก"
    assert counts() == (1, 2)


def test_patch_session_of_another_workshop_is_refused(client, auth, workshop, venue, organizer):
    other = create_workshop(workshop_input(venue, title="อบรมอื่น"), organizer)
    foreign = other.sessions[0].id

    response = patch(client, workshop.id, {"sessions": [{"id": foreign}]}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert "sessions.0.id" in error["fields"]
    assert stored(other.id).sessions[0].workshop_id == other.id


def test_patch_repeating_a_session_id_is_refused(client, auth, workshop):
    """Two items with one id would keep the session once and add the second as a new one."""
    kept = workshop.sessions[0]
    before = sorted((s.id, s.title, s.starts_at) for s in workshop.sessions)
    again = {
        "id": kept.id,
        "starts_at": "2015-10-21T08:30:00+07:00",
        "ends_at": "2015-10-21T12:00:00+07:00",
    }

    response = patch(client, workshop.id, {"sessions": [{"id": kept.id}, again]}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["sessions.1.id"]
    assert sorted((s.id, s.title, s.starts_at) for s in stored(workshop.id).sessions) == before
    assert counts() == (1, 2)


def test_patch_saves_fields_and_status_together_or_not_at_all(client, auth, venue, organizer):
    """Moving the last session into the past makes a workshop that people attended impossible
    to cancel: the PATCH that does both is refused whole, the sessions stay as they were."""
    now = datetime.now(UTC).replace(microsecond=0)
    workshop = create_workshop(
        workshop_input(
            venue,
            registration_opens_at=now - timedelta(days=10),
            registration_closes_at=now - timedelta(hours=4),
            sessions=[
                SessionInput(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2)),
                SessionInput(
                    starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=3)
                ),
            ],
        ),
        organizer,
    )
    published(workshop, organizer)
    (officer,) = make_officers(1)
    seat(workshop, officer, organizer, attended=1)
    first, second = (s.id for s in workshop.sessions)
    body = {
        "sessions": [
            {"id": first},
            {
                "id": second,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now - timedelta(minutes=30)).isoformat(),
            },
        ],
        "status": "cancelled",
        "reason": "วิทยากรป่วย",
    }

    response = patch(client, workshop.id, body, auth)

    assert_error(response, 409, "invalid_status_change")
    row = stored(workshop.id)
    assert row.status == "published"
    assert row.ends_at == now + timedelta(days=1, hours=3)
    events = AuditEvent.query.filter_by(entity_type="workshops").order_by(AuditEvent.id)
    assert [e.action for e in events] == [
        "workshop.create",
        "workshop.status",
    ]


def test_patch_capacity_above_room_is_422_on_capacity(client, auth, workshop):
    response = patch(client, workshop.id, {"capacity": 121}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["capacity"]
    assert stored(workshop.id).capacity == 100


def test_patch_moving_to_a_smaller_room_checks_capacity(client, auth, workshop, organizer):
    small = create_venue(VenueInput(name="ห้องเล็ก", capacity=20), organizer)

    response = patch(client, workshop.id, {"venue_id": small.id}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert "capacity" in error["fields"]
    assert stored(workshop.id).venue_id == workshop.venue_id


def test_patch_registration_closing_after_last_session_is_422(client, auth, workshop):
    response = patch(
        client, workshop.id, {"registration_closes_at": "2015-10-21T00:00:00+07:00"}, auth
    )

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["registration_closes_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"title": 5}, "title"),
        ({"title": "ก" * 10_000}, "title"),
        ({"title": "😀"}, "title"),
        ({"capacity": "abc"}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"capacity": -10}, "capacity"),
        ({"registration_opens_at": "2015-10-01"}, "registration_opens_at"),
        ({"fiscal_year": 2560}, "fiscal_year"),
        ({"id": 5}, "id"),
    ],
)
def test_patch_with_bad_field_is_422_and_changes_nothing(client, auth, workshop, body, field):
    response = patch(client, workshop.id, {"objectives": "ใหม่", **body}, auth)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == [field]
    assert stored(workshop.id).objectives == ""


def test_patch_cancelled_workshop_is_409(client, auth, workshop, organizer):
    change_status(workshop, "cancelled", organizer, reason="ทดสอบ")

    response = patch(client, workshop.id, {"title": "ชื่อใหม่"}, auth)

    assert_error(response, 409, "invalid_status_change")


def test_patch_unknown_workshop_is_404(client, auth):
    assert_error(patch(client, 424242, {"title": "x"}, auth), 404, "not_found")


def test_patch_with_non_object_body_is_400(client, auth, workshop):
    response = patch(client, workshop.id, ["title", "x"], auth)

    assert_error(response, 400, "invalid_json")


def test_patch_without_token_is_401_and_officer_or_staff_is_403(client, workshop, organizer):
    published(workshop, organizer)
    assert_error(patch(client, workshop.id, {"status": "cancelled"}, {}), 401, "unauthorized")
    for role in ("officer", "staff"):
        headers = bearer(client, make_user(role))
        response = patch(client, workshop.id, {"status": "cancelled"}, headers)
        assert_error(response, 403, "forbidden")
    assert stored(workshop.id).status == "published"


# ---------------------------------------------------------------- certificate design


def test_workshop_shows_the_certificate_design_defaults(client, auth, workshop):
    body = client.get(f"/api/v1/workshops/{workshop.id}", headers=auth).get_json()

    assert body["certificate_wording"] == DEFAULT_WORDING["เกียรติบัตร"]  # the kind's own
    assert (body["signatory2_name"], body["signatory2_position"]) == ("", "")
    assert body["thai_numerals"] is False
    assert body["certificate_frame"] == "classic"


def test_patch_certificate_design_stores_it_and_leaves_what_was_left_out(client, auth, workshop):
    wording = "ได้ผ่านการอบรม{title}\n{dates} รวม {hours} ชั่วโมง"
    design = {
        "certificate_wording": wording,
        "signatory2_name": "นางสาวกิ่งแก้ว ปิ่นทอง",
        "signatory2_position": "พัฒนาการจังหวัดพิษณุโลก\nปฏิบัติราชการแทน",
        "thai_numerals": True,
        "certificate_frame": "ornate",
    }

    response = patch(client, workshop.id, design, auth)

    assert response.status_code == 200, response.get_json()
    assert {k: response.get_json()[k] for k in design} == design
    assert response.headers["ETag"] == f'"{stored(workshop.id).version}"'
    row = stored(workshop.id)
    assert (row.certificate_wording, row.certificate_frame, row.thai_numerals) == (
        wording,
        "ornate",
        True,
    )
    assert row.signatory2_position == "พัฒนาการจังหวัดพิษณุโลก\nปฏิบัติราชการแทน"
    event = AuditEvent.query.filter_by(action="certificate_design.save").one()
    assert event.details == {"frame": "ornate", "thai_numerals": True}

    # Only one field: the rest of the design stays as stored.
    response = patch(client, workshop.id, {"thai_numerals": False}, auth)
    assert response.status_code == 200
    assert response.get_json()["certificate_wording"] == wording
    row = stored(workshop.id)
    assert (row.thai_numerals, row.certificate_frame) == (False, "ornate")
    assert row.signatory2_name == "นางสาวกิ่งแก้ว ปิ่นทอง"


def test_the_kinds_own_wording_follows_a_change_of_kind(client, auth, workshop):
    response = patch(
        client, workshop.id, {"certificate_wording": DEFAULT_WORDING["เกียรติบัตร"]}, auth
    )
    assert response.status_code == 200
    assert stored(workshop.id).certificate_wording == ""  # stored as "the kind's"

    response = patch(client, workshop.id, {"certificate_kind": "วุฒิบัตร"}, auth)

    assert response.get_json()["certificate_wording"] == DEFAULT_WORDING["วุฒิบัตร"]


def test_bad_certificate_design_is_422_with_the_pages_messages_and_nothing_saved(
    client, auth, workshop
):
    version = stored(workshop.id).version
    with pytest.raises(ValidationFailed) as page_rule:
        check_wording("ขอรับรองว่า {nme} ผ่านการอบรม")

    response = patch(
        client,
        workshop.id,
        {
            "certificate_wording": "ขอรับรองว่า {nme} ผ่านการอบรม",
            "certificate_frame": "gold",
            "signatory2_name": "ก" * 300,
            "capacity": 500,  # a workshop field's error is reported with them
            "thai_numerals": True,
        },
        auth,
    )

    error = assert_error(response, 422, "validation_failed")
    assert error["fields"]["certificate_wording"] == page_rule.value.fields["wording"]
    assert "{nme}" in error["fields"]["certificate_wording"]
    assert error["fields"]["certificate_frame"] == "ไม่มีกรอบแบบนี้"
    assert set(error["fields"]) == {
        "certificate_wording",
        "certificate_frame",
        "signatory2_name",
        "capacity",
    }
    row = stored(workshop.id)
    assert (row.version, row.thai_numerals, row.capacity) == (version, False, 100)
    assert AuditEvent.query.filter_by(action="certificate_design.save").count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"thai_numerals": "yes"}, "thai_numerals"),
        ({"thai_numerals": None}, "thai_numerals"),
        ({"certificate_frame": 1}, "certificate_frame"),
        ({"certificate_wording": ["ได้เข้าร่วม{title}"]}, "certificate_wording"),
    ],
)
def test_certificate_design_of_the_wrong_type_is_422(client, auth, workshop, body, field):
    error = assert_error(patch(client, workshop.id, body, auth), 422, "validation_failed")
    assert list(error["fields"]) == [field]


def test_create_workshop_with_a_certificate_design(client, auth, venue):
    body = body_for(
        venue,
        certificate_kind="วุฒิบัตร",
        certificate_wording="ได้ผ่านการอบรม{title}\nณ {venue}",
        thai_numerals=True,
        certificate_frame="modern",
    )

    response = client.post("/api/v1/workshops", json=body, headers=auth)

    assert response.status_code == 201, response.get_json()
    created = stored(response.get_json()["id"])
    assert created.certificate_wording == "ได้ผ่านการอบรม{title}\nณ {venue}"
    assert (created.thai_numerals, created.certificate_frame) == (True, "modern")
    assert response.headers["ETag"] == f'"{created.version}"'

    # A bad design refuses the whole workshop.
    bad = body_for(venue, certificate_wording="{title", capacity=500)
    error = assert_error(
        client.post("/api/v1/workshops", json=bad, headers=auth), 422, "validation_failed"
    )
    assert set(error["fields"]) == {"certificate_wording", "capacity"}
    assert counts() == (1, 2)


def test_create_without_design_fields_keeps_the_defaults_and_one_version(client, auth, venue):
    response = client.post("/api/v1/workshops", json=body_for(venue), headers=auth)

    assert response.get_json()["version"] == 1
    assert response.get_json()["certificate_frame"] == "classic"
    assert AuditEvent.query.filter_by(action="certificate_design.save").count() == 0
