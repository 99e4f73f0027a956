"""Stale edits are refused: a workshop or venue changed after an editor loaded it is not
overwritten by the editor's older copy (edit forms, the certificate design form among them,
carry the version; the API uses ETag and If-Match)."""

from __future__ import annotations

import html as html_lib

import pytest

from tests.integration.test_api_workshops import bearer
from tests.support import form_values, login
from workshop.extensions import db
from workshop.models import AuditEvent, Venue, Workshop


@pytest.fixture
def api(client, organizer) -> dict[str, str]:
    return bearer(client, organizer)


@pytest.fixture
def editor(app, organizer):
    """A second browser: the organizer's edit form, open in another tab or on another desk."""
    browser = app.test_client()
    login(browser, organizer)
    return browser


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def page_text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def test_an_old_workshop_form_does_not_erase_newer_changes(client, editor, api, workshop):
    page = f"/organizer/workshops/{workshop.id}/edit"
    loaded = form_values(editor.get(page).get_data(as_text=True), "title")
    assert loaded["version"] == "1"

    # Meanwhile someone changes the objectives and the capacity through the API.
    changed = client.patch(
        f"/api/v1/workshops/{workshop.id}",
        json={"objectives": "วัตถุประสงค์ฉบับปรับปรุง", "capacity": 90},
        headers=api,
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'

    # The first editor saves the form they loaded earlier, with their own new title.
    mine = {**loaded, "title": "ชื่อการอบรมที่ฉันแก้"}
    refused = editor.post(page, data=mine)

    assert refused.status_code == 409
    text = page_text(refused)
    assert "มีผู้แก้ไขข้อมูลนี้หลังจากที่คุณเปิดแบบฟอร์ม จึงยังไม่ได้บันทึก" in text
    assert "จำนวนที่รับ (คน): ค่าของคุณ “100” · ค่าปัจจุบัน “90”" in text
    assert "วัตถุประสงค์: ค่าของคุณ “(ว่าง)” · ค่าปัจจุบัน “วัตถุประสงค์ฉบับปรับปรุง”" in text
    assert "ชื่อการอบรม: ค่าของคุณ “ชื่อการอบรมที่ฉันแก้”" in text
    stored = fresh(Workshop, workshop.id)
    assert (stored.objectives, stored.capacity, stored.version) == ("วัตถุประสงค์ฉบับปรับปรุง", 90, 2)
    assert stored.title == workshop.title
    assert AuditEvent.query.filter_by(action="workshop.update").count() == 1  # the API's
    # The form keeps what the editor typed, now at the current version.
    shown = form_values(refused.get_data(as_text=True), "title")
    assert shown["title"] == "ชื่อการอบรมที่ฉันแก้"
    assert shown["version"] == "2"

    # Having seen the difference, the editor takes the newer capacity and saves again.
    saved = editor.post(page, data={**shown, "capacity": "90", "objectives": stored.objectives})
    assert saved.status_code == 302, page_text(saved)
    stored = fresh(Workshop, workshop.id)
    assert (stored.title, stored.capacity, stored.version) == ("ชื่อการอบรมที่ฉันแก้", 90, 3)
    assert stored.objectives == "วัตถุประสงค์ฉบับปรับปรุง"


def test_a_form_at_the_current_version_saves(editor, workshop):
    page = f"/organizer/workshops/{workshop.id}/edit"
    loaded = form_values(editor.get(page).get_data(as_text=True), "title")

    saved = editor.post(page, data={**loaded, "capacity": "70"})

    assert saved.status_code == 302
    assert fresh(Workshop, workshop.id).capacity == 70


def test_changing_only_the_sessions_is_a_new_version(client, editor, api, workshop):
    page = f"/organizer/workshops/{workshop.id}/edit"
    loaded = form_values(editor.get(page).get_data(as_text=True), "title")
    session = workshop.sessions[0]
    response = client.patch(
        f"/api/v1/workshops/{workshop.id}",
        json={"sessions": [{"id": session.id, "title": "พิธีเปิด (เลื่อนเวลา)"}]},
        headers=api,
    )
    assert response.status_code == 200
    assert fresh(Workshop, workshop.id).version == 2

    refused = editor.post(page, data=loaded)

    assert refused.status_code == 409
    assert "กำหนดการ: ค่าของคุณ" in page_text(refused)
    assert fresh(Workshop, workshop.id).sessions[0].title == "พิธีเปิด (เลื่อนเวลา)"


def test_an_old_venue_form_is_refused(client, editor, api, venue):
    page = f"/organizer/venues/{venue.id}/edit"
    loaded = form_values(editor.get(page).get_data(as_text=True), "name")
    assert loaded["version"] == "1"
    assert (
        client.patch(f"/api/v1/venues/{venue.id}", json={"capacity": 150}, headers=api).status_code
        == 200
    )

    refused = editor.post(page, data={**loaded, "address": "ตำบลวังทอง อำเภอวังทอง"})

    assert refused.status_code == 409
    text = page_text(refused)
    assert "ความจุห้อง (คน): ค่าของคุณ “120” · ค่าปัจจุบัน “150”" in text
    assert "ที่อยู่: ค่าของคุณ “ตำบลวังทอง อำเภอวังทอง” · ค่าปัจจุบัน “ตำบลวังทอง”" in text
    stored = fresh(Venue, venue.id)
    assert (stored.capacity, stored.address, stored.version) == (150, "ตำบลวังทอง", 2)
    assert form_values(refused.get_data(as_text=True), "name")["address"] == (
        "ตำบลวังทอง อำเภอวังทอง"
    )


def test_an_old_certificate_design_form_does_not_erase_newer_changes(client, editor, api, workshop):
    """The design form saves columns of the workshop row, which the API's PATCH sets too."""
    page = f"/organizer/workshops/{workshop.id}/certificates"
    save = f"/organizer/workshops/{workshop.id}/certificate-design"
    loaded = form_values(editor.get(page).get_data(as_text=True), "wording")
    assert (loaded["version"], loaded["frame"]) == ("1", "classic")

    changed = client.patch(
        f"/api/v1/workshops/{workshop.id}",
        json={"certificate_frame": "modern", "signatory2_name": "นายสมชาย ใจดี"},
        headers=api,
    )
    assert changed.status_code == 200
    mine = {**loaded, "wording": "ได้ผ่านการอบรมหลักสูตร{title}\n{dates}"}
    refused = editor.post(save, data=mine)

    assert refused.status_code == 409
    text = page_text(refused)
    assert "มีผู้แก้ไขข้อมูลนี้หลังจากที่คุณเปิดแบบฟอร์ม จึงยังไม่ได้บันทึก" in text
    assert "กรอบ: ค่าของคุณ “เส้นคู่สีทอง” · ค่าปัจจุบัน “แถบสีด้านบนและล่าง”" in text
    assert "ชื่อผู้ลงนามคนที่สอง: ค่าของคุณ “(ว่าง)” · ค่าปัจจุบัน “นายสมชาย ใจดี”" in text
    assert "ข้อความใต้ชื่อผู้รับ: ค่าของคุณ “ได้ผ่านการอบรมหลักสูตร{title} {dates}”" in text
    assert "เลขไทย:" not in text  # the same on both sides: not listed
    stored = fresh(Workshop, workshop.id)
    assert (stored.certificate_frame, stored.signatory2_name, stored.certificate_wording) == (
        "modern",
        "นายสมชาย ใจดี",
        "",
    )
    # What the editor typed stays, now at the current version; saving again applies it.
    shown = form_values(refused.get_data(as_text=True), "wording")
    assert (shown["wording"], shown["version"]) == (mine["wording"], str(stored.version))
    saved = editor.post(save, data={**shown, "frame": "modern", "signatory2_name": "นายสมชาย ใจดี"})
    assert saved.status_code == 302
    stored = fresh(Workshop, workshop.id)
    assert (stored.certificate_frame, stored.signatory2_name, stored.certificate_wording) == (
        "modern",
        "นายสมชาย ใจดี",
        mine["wording"],
    )


# ---------------------------------------------------------------- API: ETag and If-Match


def test_api_patch_with_a_stale_if_match_is_412_and_changes_nothing(client, api, workshop):
    url = f"/api/v1/workshops/{workshop.id}"
    got = client.get(url, headers=api)
    assert got.headers["ETag"] == '"1"'
    assert got.get_json()["version"] == 1
    assert client.patch(url, json={"capacity": 90}, headers=api).headers["ETag"] == '"2"'

    stale = client.patch(
        url, json={"capacity": 50}, headers={**api, "If-Match": got.headers["ETag"]}
    )

    assert stale.status_code == 412
    error = stale.get_json()["error"]
    assert error["code"] == "version_mismatch"
    assert "ถูกแก้ไขไปแล้ว" in error["message"]
    assert stale.headers["ETag"] == '"2"'
    assert fresh(Workshop, workshop.id).capacity == 90

    # A status change is an edit too.
    refused = client.patch(url, json={"status": "published"}, headers={**api, "If-Match": '"1"'})
    assert refused.status_code == 412
    assert fresh(Workshop, workshop.id).status == "draft"

    current = client.patch(
        url, json={"capacity": 50, "status": "published"}, headers={**api, "If-Match": '"2"'}
    )
    assert current.status_code == 200, current.get_json()
    assert current.get_json()["capacity"] == 50
    assert current.headers["ETag"] == f'"{fresh(Workshop, workshop.id).version}"'
    # Without If-Match, or with "*", a PATCH applies to whatever is current.
    assert client.patch(url, json={"capacity": 60}, headers=api).status_code == 200
    anything = client.patch(url, json={"capacity": 61}, headers={**api, "If-Match": "*"})
    assert anything.status_code == 200
    garbage = client.patch(url, json={"capacity": 62}, headers={**api, "If-Match": '"abc"'})
    assert garbage.status_code == 412
    assert fresh(Workshop, workshop.id).capacity == 61
    # Digits int() cannot read ("²"), or reads though they are not our spelling (Arabic-Indic
    # "٥"), name no version of ours either: 412, never a 500, never a match.
    version = fresh(Workshop, workshop.id).version
    arabic = str(version).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for tag in ('"²"', f'"{arabic}"'):
        odd = client.patch(url, json={"capacity": 63}, headers={**api, "If-Match": tag})
        assert (odd.status_code, odd.get_json()["error"]["code"]) == (412, "version_mismatch")
    assert fresh(Workshop, workshop.id).capacity == 61


def test_api_venue_patch_honours_if_match(client, api, venue):
    url = f"/api/v1/venues/{venue.id}"
    assert client.get(url, headers=api).headers["ETag"] == '"1"'
    assert client.patch(url, json={"name": "หอประชุม"}, headers=api).status_code == 200

    stale = client.patch(url, json={"capacity": 200}, headers={**api, "If-Match": '"1"'})

    assert stale.status_code == 412
    assert stale.get_json()["error"]["code"] == "version_mismatch"
    assert fresh(Venue, venue.id).capacity == 120
    ok = client.patch(url, json={"capacity": 200}, headers={**api, "If-Match": '"2"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"3"'


def test_seat_changes_do_not_make_an_edit_stale(client, api, venue, organizer):
    from tests.support import make_user, open_workshop
    from workshop.services.registrations import register_officer

    workshop = open_workshop(venue, organizer, capacity=1)
    url = f"/api/v1/workshops/{workshop.id}"
    tag = client.get(url, headers=api).headers["ETag"]
    register_officer(workshop.id, make_user("officer", "a@example.go.th"))
    register_officer(workshop.id, make_user("officer", "b@example.go.th"))  # waitlisted

    response = client.patch(url, json={"capacity": 2}, headers={**api, "If-Match": tag})

    assert response.status_code == 200, response.get_json()
    assert fresh(Workshop, workshop.id).confirmed_count == 2  # the waitlisted one moved up


def test_openapi_documents_etag_and_if_match(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/workshops/{workshop_id}", "/venues/{venue_id}"):
        patch = document["paths"][path]["patch"]
        assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
        assert "412" in patch["responses"]
        assert "ETag" in patch["responses"]["200"]["headers"]
        assert "ETag" in document["paths"][path]["get"]["responses"]["200"]["headers"]
