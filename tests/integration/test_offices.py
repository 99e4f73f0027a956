"""Offices: the admin's pages, officers picking their office, and what each office's
organizers and door staff see (services.offices). The route-by-route policy is in
test_access_matrix.py; these are the lists and the rules behind it."""

from __future__ import annotations

from tests.support import (
    TEST_OFFICE,
    login,
    make_office,
    make_officers,
    make_user,
    open_workshop,
    running_workshop,
    submit_form,
    workshop_input,
)
from workshop.extensions import db
from workshop.models import AuditEvent, CheckIn, Office, User
from workshop.services.accounts import issue_api_token
from workshop.services.offices import visible_office_ids
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token
from workshop.services.workshops import create_workshop

SIGNUP = {
    "title_prefix": "นาย",
    "first_name": "สมชาย",
    "last_name": "ใจงาม",
    "position": "นักวิชาการพัฒนาชุมชน",
    "district": "วังทอง",
    "province": "พิษณุโลก",
    "phone": "081-234-5678",
    "email": "somchai@example.go.th",
    "password": "horse-battery-2559",
    "password_again": "horse-battery-2559",
    "consent": "y",
}


def _offices() -> tuple[Office, Office, Office]:
    province = make_office()
    wangthong = make_office("สำนักงานพัฒนาชุมชนอำเภอวังทอง", parent_id=province.id)
    nakhonthai = make_office("สำนักงานพัฒนาชุมชนอำเภอนครไทย", parent_id=province.id)
    return province, wangthong, nakhonthai


def test_a_provincial_office_sees_its_district_offices_and_a_district_only_itself():
    province, wangthong, nakhonthai = _offices()
    other_province = make_office("สำนักงานพัฒนาชุมชนจังหวัดพิจิตร")
    provincial = make_user("organizer", office_id=province.id)
    district = make_user("organizer", office_id=wangthong.id)
    door = make_user("staff", office_id=nakhonthai.id)
    officer = make_user("officer")
    assert visible_office_ids(provincial) == {province.id, wangthong.id, nakhonthai.id}
    assert other_province.id not in visible_office_ids(provincial)
    assert visible_office_ids(district) == {wangthong.id}
    assert visible_office_ids(door) == {nakhonthai.id}
    assert visible_office_ids(officer) == frozenset()


def test_lists_show_only_the_offices_workshops(client, venue):
    province, wangthong, nakhonthai = _offices()
    provincial = make_user("organizer", "p@example.go.th", office_id=province.id)
    district = make_user("organizer", "d@example.go.th", office_id=wangthong.id)
    outsider = make_user("organizer", "o@example.go.th", office_id=nakhonthai.id)
    ours = create_workshop(
        workshop_input(venue, title="อบรมของอำเภอวังทอง", office_id=wangthong.id), district
    )
    create_workshop(workshop_input(venue, title="อบรมของจังหวัด"), provincial)

    login(client, provincial)
    html = client.get("/organizer/workshops").text
    assert "อบรมของอำเภอวังทอง" in html and "อบรมของจังหวัด" in html
    client.post("/auth/logout", data={"csrf_token": ""})

    client.delete_cookie("session")
    login(client, district)
    html = client.get("/organizer/workshops").text
    assert "อบรมของอำเภอวังทอง" in html and "อบรมของจังหวัด" not in html
    audit = client.get("/organizer/audit").text
    assert "อบรมของอำเภอวังทอง" in audit and "อบรมของจังหวัด" not in audit

    client.delete_cookie("session")
    login(client, outsider)
    assert "อบรมของอำเภอวังทอง" not in client.get("/organizer/workshops").text
    assert client.get(f"/organizer/workshops/{ours.id}").status_code == 404
    token = issue_api_token(outsider, 1)
    listed = client.get("/api/v1/workshops", headers={"Authorization": f"Bearer {token}"}).json
    assert ours.id not in [w["id"] for w in listed]  # another office's draft
    got = client.get(f"/api/v1/workshops/{ours.id}", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 404 and got.json["error"]["code"] == "not_found"


def test_an_organizer_cannot_put_a_workshop_under_another_office(client, venue):
    _province, wangthong, nakhonthai = _offices()
    district = make_user("organizer", office_id=wangthong.id)
    token = issue_api_token(district, 1)
    body = {
        "title": "อบรม",
        "office_id": nakhonthai.id,
        "venue_id": venue.id,
        "capacity": 10,
        "registration_opens_at": "2015-10-01T01:30:00Z",
        "registration_closes_at": "2015-10-19T09:30:00Z",
        "sessions": [{"starts_at": "2015-10-20T01:30:00Z", "ends_at": "2015-10-20T05:00:00Z"}],
    }
    response = client.post(
        "/api/v1/workshops", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert "office_id" in response.json["error"]["fields"]
    body["office_id"] = wangthong.id
    response = client.post(
        "/api/v1/workshops", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201
    assert response.json["office_id"] == wangthong.id
    assert response.json["organizing_agency"] == "สำนักงานพัฒนาชุมชนอำเภอวังทอง"


def test_door_staff_of_another_office_cannot_check_anyone_in(client, venue, organizer):
    _province, _wangthong, nakhonthai = _offices()
    workshop = running_workshop(venue, organizer)
    registration = register_officer(workshop.id, make_officers(1)[0], actor=organizer)
    stranger = make_user("staff", "door@example.go.th", office_id=nakhonthai.id)
    ours = make_user("staff", "ours@example.go.th")  # the test office's
    body = {"ticket": ticket_token(registration), "session_id": workshop.sessions[0].id}
    for staff, status in ((stranger, 404), (ours, 201)):
        headers = {"Authorization": f"Bearer {issue_api_token(staff, 1)}"}
        assert client.post("/api/v1/checkins", json=body, headers=headers).status_code == status
    assert CheckIn.query.count() == 1

    login(client, stranger)
    assert workshop.title not in client.get("/checkin").text
    assert client.get(f"/checkin?workshop_id={workshop.id}").status_code == 404


def test_fiscal_year_report_counts_the_offices_workshops(client, venue, organizer):
    _province, _wangthong, nakhonthai = _offices()
    outsider = make_user("organizer", "o@example.go.th", office_id=nakhonthai.id)
    workshop = open_workshop(venue, organizer)
    login(client, outsider)
    year = workshop.fiscal_year
    assert workshop.title not in client.get(f"/organizer/reports/fiscal-year?fy={year}").text


def test_officers_pick_their_office_or_type_another(client):
    _province, wangthong, _nakhonthai = _offices()
    page = client.get("/auth/signup").text
    assert "สำนักงานพัฒนาชุมชนอำเภอวังทอง" in page and "อื่น ๆ" in page
    response = submit_form(
        client, "/auth/signup", {**SIGNUP, "office_choice": str(wangthong.id), "agency": ""}
    )
    assert response.status_code == 302
    user = User.query.filter_by(email="somchai@example.go.th").one()
    assert (user.office_id, user.agency) == (wangthong.id, wangthong.name)

    client.delete_cookie("session")
    typed = {**SIGNUP, "email": "outsider@example.go.th", "office_choice": "other"}
    response = submit_form(client, "/auth/signup", {**typed, "agency": "เทศบาลตำบลวังทอง"})
    assert response.status_code == 302
    user = User.query.filter_by(email="outsider@example.go.th").one()
    assert (user.office_id, user.agency) == (None, "เทศบาลตำบลวังทอง")

    client.delete_cookie("session")
    missing = {**SIGNUP, "email": "nobody@example.go.th", "office_choice": "other"}
    response = submit_form(client, "/auth/signup", {**missing, "agency": ""})
    assert response.status_code == 422  # "อื่น ๆ" needs the agency's name


def test_admin_creates_offices_and_accounts(client):
    admin = make_user("admin", "admin@example.go.th")
    province = make_office(TEST_OFFICE, province="พิษณุโลก")
    login(client, admin)
    response = submit_form(
        client,
        "/admin/offices/new",
        {
            "name": "สำนักงานพัฒนาชุมชนอำเภอวัดโบสถ์",
            "short_name": "พช.อ.วัดโบสถ์",
            "parent_id": str(province.id),
            "province": "พิษณุโลก",
            "district": "วัดโบสถ์",
        },
    )
    assert response.status_code == 302
    office = Office.query.filter_by(name="สำนักงานพัฒนาชุมชนอำเภอวัดโบสถ์").one()
    assert (office.district_code, office.province_code, office.parent_id) == (
        "6507",
        "65",
        province.id,
    )
    bad = submit_form(
        client,
        "/admin/offices/new",
        {"name": "สำนักงานทดลอง", "province": "พิษณุโลก", "district": "บางบัวทอง"},
    )
    assert bad.status_code == 422 and "ไม่พบอำเภอนี้ในจังหวัดที่เลือก" in bad.text

    response = submit_form(
        client,
        "/admin/accounts/new",
        {
            "role": "organizer",
            "office_id": str(office.id),
            "email": "watbot@example.go.th",
            "password": "watbot-organizer-2559",
            "first_name": "สมหญิง",
            "last_name": "วัดโบสถ์",
        },
    )
    assert response.status_code == 302
    created = User.query.filter_by(email="watbot@example.go.th").one()
    assert (created.role, created.office_id) == ("organizer", office.id)
    assert AuditEvent.query.filter_by(action="user.create", entity_id=created.id).one()
    no_office = submit_form(
        client,
        "/admin/accounts/new",
        {
            "role": "staff",
            "office_id": "",
            "email": "door@example.go.th",
            "password": "door-staff-password-2559",
            "first_name": "ประตู",
        },
    )
    assert no_office.status_code == 422
    assert "admin.offices" not in client.get("/admin/accounts").text


def test_demo_seeds_the_province_and_its_nine_district_offices(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    province = Office.query.filter_by(name="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก").one()
    districts = Office.query.filter_by(parent_id=province.id).all()
    assert len(districts) == 9 and {d.province_code for d in districts} == {"65"}
    assert sorted(d.district_code for d in districts) == [f"65{n:02d}" for n in range(1, 10)]
    district = User.query.filter_by(email="organizer-wangthong@demo.cdd.go.th").one()
    assert district.office.name == "สำนักงานพัฒนาชุมชนอำเภอวังทอง"
    login(client, district, "demo-organizer-2559")
    html = client.get("/organizer/workshops").text
    assert "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพ" not in html  # the province's workshop
    assert User.query.filter_by(email="admin@demo.cdd.go.th").one().role == "admin"
    db.session.rollback()


def test_provincial_fiscal_year_report_rolls_up_by_office_and_district(app, client):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    app.test_cli_runner().invoke(args=["seed-demo"])
    province = User.query.filter_by(email="organizer@demo.cdd.go.th").one()
    district = User.query.filter_by(email="organizer-wangthong@demo.cdd.go.th").one()
    login(client, province, "demo-organizer-2559")
    page = client.get("/organizer/reports/fiscal-year?fy=2559").text
    assert "จำแนกตามหน่วยงานและอำเภอ" in page
    assert "เวทีประชาคมจัดทำแผนชุมชน อำเภอวังทอง ปี 2559" in page  # a district's workshop
    assert page.count("สำนักงานพัฒนาชุมชนอำเภอ") >= 9  # every district office, with or without

    book = load_workbook(io.BytesIO(client.get("/organizer/reports/fiscal-year.xlsx?fy=2559").data))
    offices = list(book["จำแนกตามหน่วยงาน"].iter_rows(values_only=True))
    assert offices[0][:3] == ("หน่วยงาน", "อำเภอ", "จำนวนการอบรม")
    rows = {row[0]: row for row in offices[1:]}
    assert len(rows) == 10
    assert rows["สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"][1:4] == ("ระดับจังหวัด", 2, 16)
    assert rows["สำนักงานพัฒนาชุมชนอำเภอวังทอง"][1:4] == ("วังทอง", 1, 2)
    assert rows["สำนักงานพัฒนาชุมชนอำเภอนครไทย"][2] == 0
    workshops = list(book["การอบรม"].iter_rows(values_only=True))
    assert "สำนักงานพัฒนาชุมชนอำเภอวังทอง" in {row[1] for row in workshops[1:]}

    pdf = client.get("/organizer/reports/fiscal-year.pdf?fy=2559").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "จำแนกตามหน่วยงานและอำเภอ" in text and "สำนักงานพัฒนาชุมชนอำเภอเนินมะปราง" in text

    client.delete_cookie("session")
    login(client, district, "demo-organizer-2559")
    page = client.get("/organizer/reports/fiscal-year?fy=2559").text
    assert "จำแนกตามหน่วยงานและอำเภอ" not in page  # one office: nothing to roll up
    assert "เวทีประชาคมจัดทำแผนชุมชน" in page and "ประชุมเชิงปฏิบัติการเพิ่ม" not in page
    book = load_workbook(io.BytesIO(client.get("/organizer/reports/fiscal-year.xlsx?fy=2559").data))
    assert "จำแนกตามหน่วยงาน" not in book.sheetnames
