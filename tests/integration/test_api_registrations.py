"""The registration API: sign-up, registering, reading, cancelling, ticket QR codes."""

import io

import pytest
import zxingcpp
from PIL import Image

from tests.support import make_officers, open_workshop
from workshop.extensions import db
from workshop.models import Registration, User
from workshop.services.accounts import issue_api_token


def token_for(user) -> dict:
    return {"Authorization": f"Bearer {issue_api_token(user, 1)}"}


OFFICER = {
    "email": "kingkaew@example.go.th",
    "password": "ดอกแก้ว-วังทอง-2559",
    "title_prefix": "นางสาว",
    "first_name": "กิ่งแก้ว",
    "last_name": "ปิ่นทอง",
    "position": "นักวิชาการพัฒนาชุมชนปฏิบัติการ",
    "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
    "district": "วังทอง",
    "province": "พิษณุโลก",
    "phone": "0812345678",
    "consent": True,
}


def test_sign_up_then_token_then_register(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=1)
    created = client.post("/api/v1/officers", json=OFFICER)
    assert created.status_code == 201, created.json
    assert created.json["full_name"] == "นางสาวกิ่งแก้ว ปิ่นทอง"
    assert "password" not in created.json
    token = client.post(
        "/api/v1/auth/token", json={"email": OFFICER["email"], "password": OFFICER["password"]}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/workshops/{workshop.id}/registrations", headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "confirmed"
    assert body["waitlist_position"] is None
    assert body["ticket"].startswith("T1")
    assert response.headers["Location"] == f"/api/v1/registrations/{body['id']}"
    again = client.post(f"/api/v1/workshops/{workshop.id}/registrations", headers=headers, json={})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_registered"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"phone": "12"}, "phone"),
        ({"first_name": "A1"}, "first_name"),
        ({"email": "nope"}, "email"),
        ({"consent": "yes"}, "consent"),
        ({"first_name": 5}, "first_name"),
    ],
)
def test_bad_sign_up_is_422_and_stores_nothing(client, changes, field):
    response = client.post("/api/v1/officers", json={**OFFICER, **changes})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert field in response.json["error"]["fields"]
    assert User.query.count() == 0


def test_duplicate_sign_up_is_409(client, officer):
    response = client.post("/api/v1/officers", json={**OFFICER, "email": officer.email})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "email_taken"


def test_waitlisted_registration_has_a_position(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    client.post(f"/api/v1/workshops/{workshop.id}/registrations", headers=token_for(first))
    response = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations", headers=token_for(second)
    )
    assert response.json["status"] == "waitlisted"
    assert response.json["waitlist_position"] == 1


def test_closed_registration_is_409(client, venue, organizer, officer):
    from tests.support import workshop_input
    from workshop.services.workshops import change_status, create_workshop

    old = change_status(create_workshop(workshop_input(venue), organizer), "published", organizer)
    response = client.post(f"/api/v1/workshops/{old.id}/registrations", headers=token_for(officer))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "registration_closed"


def test_only_owner_and_organizers_see_a_registration(client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    owner, other = make_officers(2)
    reg_id = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations", headers=token_for(owner)
    ).json["id"]
    for path in ("", "/qr.png", "/qr.svg"):
        assert (
            client.get(
                f"/api/v1/registrations/{reg_id}{path}", headers=token_for(owner)
            ).status_code
            == 200
        )
        response = client.get(f"/api/v1/registrations/{reg_id}{path}", headers=token_for(other))
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
        assert (
            client.get(
                f"/api/v1/registrations/{reg_id}{path}", headers=token_for(organizer)
            ).status_code
            == 200
        )
    assert (
        client.delete(f"/api/v1/registrations/{reg_id}", headers=token_for(other)).status_code
        == 404
    )
    assert db.session.get(Registration, reg_id).status == "confirmed"


def test_qr_png_decodes_to_the_ticket(client, venue, organizer, officer):
    workshop = open_workshop(venue, organizer)
    headers = token_for(officer)
    body = client.post(f"/api/v1/workshops/{workshop.id}/registrations", headers=headers).json
    png = client.get(f"/api/v1/registrations/{body['id']}/qr.png", headers=headers)
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [d.text for d in decoded] == [body["ticket"]]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = client.get(f"/api/v1/registrations/{body['id']}/qr.svg", headers=headers)
    assert svg.mimetype == "image/svg+xml"


def test_cancel_promotes_and_reports_it(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    mine = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations", headers=token_for(first)
    ).json
    theirs = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations", headers=token_for(second)
    ).json
    response = client.delete(
        f"/api/v1/registrations/{mine['id']}?reason=ติดราชการ", headers=token_for(first)
    )
    assert response.status_code == 200
    assert response.json["registration"]["status"] == "cancelled"
    assert response.json["registration"]["ticket"] is None
    assert response.json["promoted"] == [theirs["id"]]
    assert (
        client.get(
            f"/api/v1/registrations/{mine['id']}/qr.png", headers=token_for(first)
        ).status_code
        == 404
    )
    again = client.delete(f"/api/v1/registrations/{mine['id']}", headers=token_for(first))
    assert again.status_code == 409
    listed = client.get("/api/v1/me/registrations", headers=token_for(second)).json
    assert [r["status"] for r in listed] == ["confirmed"]


def test_organizer_registers_an_officer_and_lists(client, venue, organizer, officer):
    workshop = open_workshop(venue, organizer)
    headers = token_for(organizer)
    url = f"/api/v1/workshops/{workshop.id}/registrations"
    assert client.post(url, headers=headers, json={}).status_code == 422
    assert client.post(url, headers=headers, json={"user_id": 999999}).status_code == 404
    response = client.post(url, headers=headers, json={"user_id": officer.id})
    assert response.status_code == 201
    listed = client.get(url, headers=headers).json
    assert [r["user"]["email"] for r in listed] == [officer.email]
    assert client.get(url + "?status=waitlisted", headers=headers).json == []


def test_officer_cannot_register_someone_else(client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    me, other = make_officers(2)
    response = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations",
        headers=token_for(me),
        json={"user_id": other.id},
    )
    assert response.status_code == 409
    assert Registration.query.count() == 0


@pytest.mark.parametrize("body", ['{"user_id": "x"}', "[1]", "not json", '{"extra": 1}'])
def test_bad_registration_bodies_are_4xx(client, venue, organizer, officer, body):
    workshop = open_workshop(venue, organizer)
    response = client.post(
        f"/api/v1/workshops/{workshop.id}/registrations",
        data=body,
        content_type="application/json",
        headers=token_for(officer),
    )
    assert response.status_code in (400, 422)
    assert "code" in response.json["error"]
    assert Registration.query.count() == 0


def test_staff_cannot_register(client, venue, organizer, staff):
    from tests.integration.test_input_robustness import total_rows
    from workshop.models import Notification, Workshop

    workshop = open_workshop(venue, organizer)
    headers = token_for(staff)
    before = total_rows()
    response = client.post(f"/api/v1/workshops/{workshop.id}/registrations", headers=headers)
    assert response.status_code == 403
    # Refused means nothing written: no registration, no seat taken, no mail, no audit event.
    assert Registration.query.count() == 0
    assert Notification.query.count() == 0
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).confirmed_count == 0
    assert total_rows() == before


def test_unknown_workshop_is_404(client, officer):
    response = client.post("/api/v1/workshops/999999/registrations", headers=token_for(officer))
    assert response.status_code == 404


def test_ticket_qr_is_small_enough_to_scan_fast(client, venue, organizer):
    """Tokens stay QR version <= 5 at error correction M (they are version 2: 25x25 modules)."""
    import qrcode.constants

    from workshop.qr import ERROR_CORRECTION, qr_version
    from workshop.services.registrations import register_officer
    from workshop.services.tickets import ticket_token

    workshop = open_workshop(venue, organizer, capacity=5)
    regs = [register_officer(workshop.id, o) for o in make_officers(5)]
    assert qrcode.constants.ERROR_CORRECT_M == ERROR_CORRECTION
    for registration in regs:
        token = ticket_token(registration)
        assert len(token) == 38
        assert token.isalnum() and token.isupper()  # alphanumeric mode: the densest for text
        assert qr_version(token) <= 5


def test_sign_up_with_a_weak_password_says_why(client):
    response = client.post("/api/v1/officers", json={**OFFICER, "password": "qwertyuiop"})
    assert response.status_code == 422
    assert "เดาได้ง่าย" in response.get_json()["error"]["fields"]["password"]
