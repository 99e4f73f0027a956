"""Summary report, fiscal-year report and attendance exports (issue 5 §3), on both databases."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, time, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.support import (
    PASSWORD,
    login,
    make_officers,
    open_workshop,
    recount_check_ins,
    workshop_input,
)
from workshop.extensions import db
from workshop.models import CheckIn, Registration, User
from workshop.services.exports import attendance_csv, attendance_xlsx, neutralise
from workshop.services.registrations import register_officer
from workshop.services.reports import fiscal_year_report, workshop_report
from workshop.services.workshops import SessionInput, change_status, create_workshop
from workshop.thai.dates import bangkok_to_utc

PEOPLE = [
    # (prefix, first, last, agency, district)
    ("นางสาว", "กิ่งแก้ว", "ปิ่นทอง", "สำนักงานพัฒนาชุมชนอำเภอวังทอง", "วังทอง"),
    ("นาย", "ศักดิ์สิทธิ์", "ศรีสุข", "สำนักงานพัฒนาชุมชนอำเภอนครไทย", "นครไทย"),
    ("นาง", "น้ำฝน", "ใจดี", "สำนักงานพัฒนาชุมชนอำเภอวังทอง", "วังทอง"),
    ("นาย", "เกียรติศักดิ์", "ทองคำ", "ที่ทำการปกครองอำเภอบางระกำ", "บางระกำ"),
    ("นางสาว", "พิมพ์ชนก", "แก้วมณี", "สำนักงานพัฒนาชุมชนอำเภอนครไทย", "นครไทย"),
    ("นาย", "ธีรวัฒน์", "บุญมี", "สำนักงานพัฒนาชุมชนอำเภอวังทอง", "วังทอง"),
]


def _officers() -> list[User]:
    """The people above as officer accounts (one shared password hash: hashing is slow)."""
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(PASSWORD)
    users = [
        User(
            email=f"report{n}@example.go.th",
            password_hash=password_hash,
            role="officer",
            title_prefix=prefix,
            first_name=first,
            last_name=last,
            agency=agency,
            district=district,
            province="พิษณุโลก",
            position="นักวิชาการพัฒนาชุมชนปฏิบัติการ",
        )
        for n, (prefix, first, last, agency, district) in enumerate(PEOPLE)
    ]
    db.session.add_all(users)
    db.session.commit()
    return users


def _check_in(registration: Registration, session_id: int) -> None:
    db.session.add(
        CheckIn(
            registration_id=registration.id,
            session_id=session_id,
            scanned_at=registration.workshop.sessions[0].starts_at,
        )
    )


@pytest.fixture
def held(venue, organizer):
    """Capacity 4, two sessions, 80 % rule (both sessions needed). Six officers register:
    0 and 3 attend both sessions (eligible), 1 only the first (partial), 2 never (no-show),
    4 waits, 5 was checked in to the first session and then cancelled (not counted)."""
    workshop = open_workshop(venue, organizer, capacity=4, presiding_official="นายอำเภอวังทอง")
    officers = _officers()
    regs = [register_officer(workshop.id, o) for o in officers[:5]]
    first, second = (s.id for s in workshop.sessions)
    regs.append(
        Registration(
            workshop_id=workshop.id,
            user_id=officers[5].id,
            status="confirmed",
            ticket_secret="x",
            confirmed_at=workshop.sessions[0].starts_at,
        )
    )
    db.session.add(regs[5])
    db.session.flush()
    _check_in(regs[5], first)
    regs[5].status = "cancelled"
    regs[5].cancelled_at = workshop.sessions[0].ends_at
    attendance = ((regs[0], (first, second)), (regs[1], (first,)), (regs[3], (first, second)))
    for reg, sessions in attendance:
        for session_id in sessions:
            _check_in(reg, session_id)
    db.session.commit()
    recount_check_ins()
    return workshop, officers, regs


@pytest.fixture
def signed_in(client, organizer):
    login(client, organizer)
    return client


def test_totals_and_definitions(held):
    workshop, _officers, regs = held
    report = workshop_report(workshop.id)

    assert (report.registered, report.confirmed, report.waitlisted, report.cancelled) == (
        6,
        4,
        1,
        1,
    )
    assert [s.checked_in for s in report.sessions] == [3, 2]
    assert [s.rate for s in report.sessions] == [0.75, 0.5]
    assert report.check_ins == 5
    assert report.attendance_rate == 5 / 8
    assert report.attended == 3
    assert report.certificate_eligible == 2
    assert report.certificates_issued == 0
    assert [r.registration_id for r in report.no_shows] == [regs[2].id]
    assert {r.registration_id for r in report.attendees} == {r.id for r in regs[:4]}
    # Thai dictionary order of first names: กิ่งแก้ว, เกียรติศักดิ์, น้ำฝน, ศักดิ์สิทธิ์.
    assert [r.first_name for r in report.attendees] == [
        "กิ่งแก้ว",
        "เกียรติศักดิ์",
        "น้ำฝน",
        "ศักดิ์สิทธิ์",
    ]
    by_district = {g.name: g for g in report.by_district}
    assert (by_district["วังทอง"].confirmed, by_district["วังทอง"].attended) == (2, 1)
    assert by_district["วังทอง"].eligible == 1
    assert by_district["บางระกำ"].attendance_rate == 1.0
    assert report.by_district[0].name == "วังทอง"  # largest first
    by_agency = {g.name: g.confirmed for g in report.by_agency}
    assert by_agency == {
        "สำนักงานพัฒนาชุมชนอำเภอวังทอง": 2,
        "สำนักงานพัฒนาชุมชนอำเภอนครไทย": 1,
        "ที่ทำการปกครองอำเภอบางระกำ": 1,
    }


def test_issued_certificates_are_counted_apart_from_the_eligible(signed_in, held, organizer):
    from workshop.services.certificates import issue_eligible, revoke_certificate

    workshop, _officers, regs = held
    after = workshop.ends_at + timedelta(hours=1)
    assert issue_eligible(workshop.id, organizer, now=after) == 2
    revoke_certificate(regs[0].id, organizer, "ข้อมูลการเข้าร่วมผิด")
    report = workshop_report(workshop.id)
    assert (report.certificate_eligible, report.certificates_issued) == (2, 1)
    pdf = signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf").data
    assert "ออกเกียรติบัตรแล้ว 1" in " ".join(_pdf_text(pdf).split())


def _pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_report_pdf_has_names_page_numbers_and_headers(signed_in, held):
    workshop, officers, _regs = held
    response = signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'inline; filename="workshop-{workshop.id}-report.pdf"')
    assert "รายงานสรุปผลการอบรม" in unquote(disposition.split("filename*=UTF-8''")[1])
    reader = PdfReader(io.BytesIO(response.data))
    pages = len(reader.pages)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for officer in officers[:4]:
        assert officer.full_name in text
    assert "สำนักงานพัฒนาชุมชนอำเภอวังทอง" in text
    assert "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก" in text
    assert "นายอำเภอวังทอง" in text
    assert "ปีงบประมาณ พ.ศ." in text
    assert f"หน้า 1/{pages}" in text
    assert "62.5%" in text
    poppler = _pdf_text(response.data)
    assert officers[0].full_name in poppler and f"หน้า {pages}/{pages}" in poppler


def test_long_attendee_table_repeats_its_header_on_every_page(signed_in, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=100)
    db.session.add_all(
        Registration(workshop_id=workshop.id, user_id=o.id, status="confirmed", ticket_secret="x")
        for o in make_officers(70)
    )
    db.session.commit()

    response = signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]

    assert len(pages) >= 3
    table_pages = [p for p in pages if "ทดสอบ" in p]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "ชื่อ-สกุล" in text and "หน่วยงาน" in text  # the header row, again
    for number, text in enumerate(pages, start=1):
        assert f"หน้า {number}/{len(pages)}" in text
    everything = "\n".join(pages)
    assert all(f"นายทดสอบ{n} ใจดี" in everything for n in range(70))


def test_report_cells_wrap_around_district_names_not_inside_them(signed_in, venue, organizer):
    """The attendee table's position column is narrower than พัฒนาการอำเภอวังทอง: the cell
    wraps before the district's name (pythainlp alone would give พัฒนาการอำเภอวัง / ทอง)."""
    districts = ("วังทอง", "เนินมะปราง", "ชาติตระการ", "วัดโบสถ์", "บางระกำ")
    workshop = open_workshop(venue, organizer, capacity=10)
    officers = make_officers(len(districts), prefix="district")
    for officer, district in zip(officers, districts, strict=True):
        officer.position = f"พัฒนาการอำเภอ{district}"
    db.session.add_all(
        Registration(workshop_id=workshop.id, user_id=o.id, status="confirmed", ticket_secret="x")
        for o in officers
    )
    db.session.commit()

    text = _pdf_text(signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf").data)
    lines = text.splitlines()
    for district in districts:
        assert not any(f"พัฒนาการอำเภอ{district}" in line for line in lines)  # it did wrap
        # ... at อำเภอ|name: no cell line ends in อำเภอ and a part of the name.
        for cut in range(1, len(district)):
            assert not re.search(rf"อำเภอ{district[:cut]}(?=\s|$)", text, re.M), district
        assert any(line.split() and line.split()[0] == district for line in lines)


def test_workshop_report_page_links_downloads(signed_in, held):
    workshop, _officers, _regs = held
    html = signed_in.get(f"/organizer/workshops/{workshop.id}/report").get_data(as_text=True)

    assert "62.5%" in html
    for suffix in ("report.pdf", "attendance.csv", "attendance.xlsx"):
        assert f"/organizer/workshops/{workshop.id}/{suffix}" in html
    assert "นางน้ำฝน ใจดี" in html  # the no-show
    detail = signed_in.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert f"/organizer/workshops/{workshop.id}/report" in detail


def test_csv_has_bom_thai_and_attendance(signed_in, held):
    workshop, _officers, _regs = held
    response = signed_in.get(f"/organizer/workshops/{workshop.id}/attendance.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ลำดับ", "คำนำหน้า", "ชื่อ", "นามสกุล"]
    assert len(rows) == 1 + 6
    kingkaew = next(r for r in rows if r[2] == "กิ่งแก้ว")
    assert kingkaew[1] == "นางสาว" and kingkaew[9] == "ได้ที่นั่ง"
    assert kingkaew[-2:] == ["2", "ใช่"]
    assert kingkaew[10] and kingkaew[11]  # check-in times of both sessions
    statuses = [r[9] for r in rows[1:]]
    assert statuses == ["ได้ที่นั่ง"] * 4 + ["รายชื่อสำรอง", "ยกเลิกแล้ว"]


INJECTED = (2, 3, 4, 5, 6, 8)  # first and last name, position, agency, district, phone


def _inject(user: User) -> None:
    user.first_name = '=HYPERLINK("http://evil.example","คลิก")'
    user.last_name = "@SUM(A1:A9)"
    user.position = "+66812345678"
    user.agency = "-1+2"
    user.district = "\t=1+1"
    user.phone = "\r=2+2"
    db.session.commit()


def test_formula_injection_is_neutralised_in_csv_and_xlsx(held):
    workshop, officers, _regs = held
    _inject(officers[0])

    rows = list(csv.reader(io.StringIO(attendance_csv(workshop.id).decode("utf-8-sig"))))
    evil = next(r for r in rows if "HYPERLINK" in r[2])
    for i in INJECTED:
        assert evil[i].startswith("'"), evil[i]
    assert evil[2] == '\'=HYPERLINK("http://evil.example","คลิก")'

    book = load_workbook(io.BytesIO(attendance_xlsx(workshop.id)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["ลำดับ", "คำนำหน้า", "ชื่อ"]
    found = [row for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[2].value)]
    assert len(found) == 1
    for cell in (found[0][i] for i in INJECTED):
        assert cell.data_type == "s", (cell.value, cell.data_type)
        assert cell.value.startswith("'"), cell.value
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [1, 2, 3, 4, 5, 6]  # numbers stay numbers


def test_neutralise_rules():
    for lead in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(lead + "1") == "'" + lead + "1"
    assert neutralise("กิ่งแก้ว") == "กิ่งแก้ว"
    assert neutralise("") == ""
    assert neutralise(-5) == -5


def test_xlsx_download(signed_in, held):
    workshop, _officers, _regs = held
    response = signed_in.get(f"/organizer/workshops/{workshop.id}/attendance.xlsx")

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert f'filename="workshop-{workshop.id}-attendance.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("การเข้าร่วม ")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 7
    assert sheet.freeze_panes == "A2"


def _workshop_starting(venue, organizer, day: date, clock: time, title: str, status="published"):
    start = bangkok_to_utc(day, clock)
    data = workshop_input(
        venue,
        title=title,
        capacity=10,
        registration_opens_at=start - timedelta(days=30),
        registration_closes_at=start - timedelta(days=1),
        sessions=[SessionInput(starts_at=start, ends_at=start + timedelta(minutes=20))],
    )
    workshop = create_workshop(data, organizer)
    if status != "draft":
        workshop = change_status(workshop, "published", organizer)
    if status == "cancelled":
        workshop = change_status(workshop, "cancelled", organizer, reason="ทดสอบ")
    return workshop


def _seat(workshop, officer, attended: bool) -> None:
    registration = Registration(
        workshop_id=workshop.id,
        user_id=officer.id,
        status="confirmed",
        ticket_secret="x" * 32,
        confirmed_at=workshop.sessions[0].starts_at,
    )
    db.session.add(registration)
    db.session.flush()
    if attended:
        _check_in(registration, workshop.sessions[0].id)
    db.session.commit()
    recount_check_ins()


def test_fiscal_year_groups_by_bangkok_date_across_the_boundary(venue, organizer):
    # 30 Sep 2016 23:30 Bangkok is 16:30 UTC: FY 2559. 1 Oct 2016 00:10 Bangkok is still
    # 30 Sep in UTC (17:10), but FY 2560.
    late = _workshop_starting(venue, organizer, date(2016, 9, 30), time(23, 30), "ปลายปีงบ")
    early = _workshop_starting(venue, organizer, date(2016, 10, 1), time(0, 10), "ต้นปีงบ")
    _workshop_starting(venue, organizer, date(2016, 10, 5), time(9), "ฉบับร่าง", "draft")
    _workshop_starting(venue, organizer, date(2016, 10, 6), time(9), "ยกเลิก", "cancelled")
    people = make_officers(3)
    _seat(late, people[0], True)
    _seat(late, people[1], False)
    _seat(early, people[0], True)
    _seat(early, people[2], True)

    old, new = fiscal_year_report(2559, organizer), fiscal_year_report(2560, organizer)

    assert [w.title for w in old.workshops] == ["ปลายปีงบ"]
    assert [w.title for w in new.workshops] == ["ต้นปีงบ"]  # drafts and cancelled left out
    assert (old.participants, old.attended, old.attendance_rate) == (2, 1, 0.5)
    assert (new.participants, new.attended, new.attendance_rate) == (2, 2, 1.0)
    assert new.officers == 2 and new.certificate_eligible == 2
    assert {g.name: g.confirmed for g in new.by_district} == {
        people[0].district: 1,
        people[2].district: 1,
    }


def test_fiscal_year_rate_counts_only_workshops_already_held(signed_in, venue, organizer):
    """Issue 14: a workshop not yet held is not 0% attendance; the year's rate is that of the
    held ones (80% here, not 80% diluted by an upcoming workshop's empty seats)."""
    held = _workshop_starting(venue, organizer, date(2015, 10, 20), time(9), "จัดแล้ว")
    soon = _workshop_starting(venue, organizer, date(2016, 9, 20), time(9), "ยังไม่จัด")
    people = make_officers(10)
    for n, person in enumerate(people[:5]):
        _seat(held, person, attended=n < 4)
    for person in people[5:]:
        _seat(soon, person, attended=False)

    report = fiscal_year_report(2559, organizer, now=bangkok_to_utc(date(2016, 1, 1), time(9)))
    rates = {w.title: w.attendance_rate for w in report.workshops}
    assert rates == {"จัดแล้ว": 0.8, "ยังไม่จัด": None}
    assert report.attendance_rate == 0.8
    # Once the second one is held (nobody came), it counts.
    later = fiscal_year_report(2559, organizer, now=bangkok_to_utc(date(2016, 9, 21), time(9)))
    assert later.attendance_rate == 0.4

    html = signed_in.get("/organizer/reports/fiscal-year?fy=2559").get_data(as_text=True)
    assert "ยังไม่จัด" in html and "80.0%" in html


def test_fiscal_year_page_and_pdf(signed_in, venue, organizer):
    workshop = _workshop_starting(venue, organizer, date(2015, 10, 20), time(9), "อบรมปี 2559")
    _seat(workshop, make_officers(1)[0], True)

    html = signed_in.get("/organizer/reports/fiscal-year?fy=2559").get_data(as_text=True)
    assert "อบรมปี 2559" in html and "100.0%" in html
    assert "/organizer/reports/fiscal-year.pdf?fy=2559" in html
    default = signed_in.get("/organizer/reports/fiscal-year")
    assert default.status_code == 200
    pdf = signed_in.get("/organizer/reports/fiscal-year.pdf?fy=2559")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "ปีงบประมาณ พ.ศ. 2559" in text and "อบรมปี 2559" in text and "หน้า 1/1" in text
    # A CE year is read as the fiscal year ending in it.
    assert "อบรมปี 2559" in signed_in.get("/organizer/reports/fiscal-year?fy=2016").get_data(
        as_text=True
    )


@pytest.mark.parametrize("value", ["abc", "25599", "1000", "๒๕๕๙", "9999"])
def test_bad_fiscal_year_is_a_thai_message_not_a_500(signed_in, value):
    for path in ("/organizer/reports/fiscal-year", "/organizer/reports/fiscal-year.pdf"):
        response = signed_in.get(path, query_string={"fy": value})
        assert response.status_code == 422
        assert "ปีงบประมาณ" in response.get_data(as_text=True)


def test_missing_workshop_is_404(signed_in):
    for suffix in ("report", "report.pdf", "attendance.csv", "attendance.xlsx"):
        response = signed_in.get(f"/organizer/workshops/999999/{suffix}")
        assert response.status_code == 404, suffix
        assert "ไม่พบการอบรมนี้" in response.get_data(as_text=True)


REPORT_PATHS = (
    "/organizer/workshops/{id}/report",
    "/organizer/workshops/{id}/report.pdf",
    "/organizer/workshops/{id}/attendance.csv",
    "/organizer/workshops/{id}/attendance.xlsx",
    "/organizer/reports/fiscal-year",
    "/organizer/reports/fiscal-year.pdf",
)


def test_only_organizers_see_reports(app, client, workshop, staff, officer):
    for path in REPORT_PATHS:
        response = client.get(path.format(id=workshop.id))
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user in (staff, officer):
        browser = app.test_client()
        login(browser, user, PASSWORD)
        for path in REPORT_PATHS:
            assert browser.get(path.format(id=workshop.id)).status_code == 403, (user.role, path)


def test_api_serves_report_and_exports_to_organizers(client, held, organizer, officer):
    workshop, _officers, _regs = held

    def token(user):
        response = client.post(
            "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    auth = token(organizer)
    base = f"/api/v1/workshops/{workshop.id}"
    pdf = client.get(f"{base}/report.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csv_response = client.get(f"{base}/attendance.csv", headers=auth)
    assert csv_response.data.startswith(b"\xef\xbb\xbf")
    xlsx = client.get(f"{base}/attendance.xlsx", headers=auth)
    assert load_workbook(io.BytesIO(xlsx.data)).active.max_row == 7
    missing = client.get("/api/v1/workshops/999999/report.pdf", headers=auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get(f"{base}/attendance.csv", headers=token(officer)).status_code == 403
    assert client.get(f"{base}/attendance.csv").status_code == 401


def test_english_screen_thai_documents(signed_in, held):
    workshop, _officers, _regs = held
    signed_in.get("/lang/en?next=/")

    page = signed_in.get(f"/organizer/workshops/{workshop.id}/report").get_data(as_text=True)
    assert "Workshop summary report" in page and "Attendance rate" in page
    pdf = signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "รายงานสรุปผลการอบรม" in text and "อัตราการเข้าร่วม" in text
    rows = signed_in.get(f"/organizer/workshops/{workshop.id}/attendance.csv").data
    assert rows.decode("utf-8-sig").startswith("ลำดับ,คำนำหน้า,ชื่อ,นามสกุล")


def test_report_of_a_workshop_nobody_registered_for(signed_in, workshop):
    report = workshop_report(workshop.id)
    assert (report.registered, report.attendance_rate, report.no_shows) == (0, None, ())

    response = signed_in.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "ยังไม่มีผู้ได้ที่นั่ง" in text and "หน้า 1/" in text
    assert signed_in.get(f"/organizer/workshops/{workshop.id}/report").status_code == 200
    sheet = load_workbook(io.BytesIO(attendance_xlsx(workshop.id))).active
    assert sheet.max_row == 1
