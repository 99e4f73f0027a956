"""Transcripts (ประวัติการอบรม): the officer's page and files, the /verify page for their code,
organizers' access, and the HR export of hours per fiscal year."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.pdf_checks import check_archival, pdftotext
from tests.signing import make_ca
from tests.support import csrf_token_from, finished_workshop, login, make_office, make_user, seat
from workshop.extensions import db
from workshop.models import CheckIn, Transcript
from workshop.pdf.signing import configure_signing

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def record(venue, organizer):
    """An officer who attended 4 of 5 days (6 hours each) in FY 2559, both days of a
    workshop in FY 2560, and nothing of a third workshop they registered for."""
    officer = make_user(
        "officer", first_name="สมหญิง", last_name="ใจงาม", position="นักวิชาการพัฒนาชุมชน"
    )
    first = finished_workshop(venue, organizer, sessions=5, title="การพัฒนาผู้นำชุมชน")
    second = finished_workshop(
        venue, organizer, sessions=2, first=date(2016, 11, 1), title="การจัดทำแผนชุมชน"
    )
    skipped = finished_workshop(
        venue, organizer, sessions=1, first=date(2016, 12, 5), title="หลักสูตรที่ไม่ได้มา"
    )
    seat(first, officer, organizer, attended=4)
    seat(second, officer, organizer, attended=2)
    seat(skipped, officer, organizer, attended=0)
    return officer, first, second


def test_officer_page_lists_hours_per_fiscal_year_and_in_total(client, record):
    officer, _, _ = record
    login(client, officer)
    page = client.get("/my/transcript")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "การพัฒนาผู้นำชุมชน" in html and "การจัดทำแผนชุมชน" in html
    assert "หลักสูตรที่ไม่ได้มา" not in html
    assert html.index("ปีงบประมาณ พ.ศ. 2560") < html.index("ปีงบประมาณ พ.ศ. 2559")
    assert "2 หลักสูตร 36 ชั่วโมง" not in html  # totals are shown apart, below
    assert "1 หลักสูตร 24 ชั่วโมง" in html  # FY 2559: 4 days of 6 hours
    assert "1 หลักสูตร 12 ชั่วโมง" in html  # FY 2560: 2 days
    assert re.search(r'class="count">36</span>', html)
    assert "24 / 30" in html


def test_pdf_is_archival_with_a_code_the_verify_page_shows(app, client, record):
    officer, _, _ = record
    login(client, officer)
    response = client.get("/my/transcript.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    check_archival(response.data)
    text = " ".join(pdftotext(response.data).split())
    assert "ประวัติการอบรม" in text and "นางสาวสมหญิง ใจงาม" in text
    assert "ปีงบประมาณ พ.ศ. 2559: 1 หลักสูตร 24 ชั่วโมง" in text
    assert "เข้ารับการอบรม 2 หลักสูตร รวม 36 ชั่วโมง" in text
    code = CODE.search(text).group(0)

    anyone = app.test_client()
    verify = anyone.get(f"/verify/{code}")
    assert verify.status_code == 200
    page = verify.get_data(as_text=True)
    assert "ประวัติการอบรมฉบับนี้ออกโดยระบบจริง" in page
    assert "นางสาวสมหญิง ใจงาม" in page and ">36<" in page and "2559–2560" in page
    assert anyone.get("/verify/0000-0000-0000-0000").status_code == 404

    # The same record prints the same code; a new check-in makes a new one.
    again = " ".join(pdftotext(client.get("/my/transcript.pdf").data).split())
    assert CODE.search(again).group(0) == code
    registration = officer_registration(officer, "การพัฒนาผู้นำชุมชน")
    last = registration.workshop.sessions[4]
    db.session.add(
        CheckIn(registration_id=registration.id, session_id=last.id, scanned_at=last.starts_at)
    )
    db.session.commit()
    changed = " ".join(pdftotext(client.get("/my/transcript.pdf").data).split())
    assert CODE.search(changed).group(0) != code
    assert "รวม 42 ชั่วโมง" in changed
    assert db.session.query(Transcript).count() == 2


def officer_registration(officer, title):
    return next(r for r in officer_registrations(officer) if r.workshop.title == title)


def officer_registrations(officer):
    from workshop.models import Registration

    return db.session.scalars(db.select(Registration).where(Registration.user_id == officer.id))


def test_pdf_is_signed_when_a_key_is_configured(app, client, record, tmp_path):
    ca = make_ca(tmp_path, "Phitsanulok Office CA")
    app.config.update(SIGNING_P12_PATH=str(ca.p12_path), SIGNING_P12_PASSWORD=ca.password)
    configure_signing(app)
    try:
        login(client, record[0])
        data = client.get("/my/transcript.pdf").data
        check_archival(data, signed=True)
        assert b"/ByteRange" in data and b"/Sig" in data
    finally:
        app.config.update(SIGNING_P12_PATH="", SIGNING_P12_PASSWORD="")
        configure_signing(app)


def _upload(client, data: bytes):
    token = csrf_token_from(client.get("/verify").get_data(as_text=True))
    return client.post(
        "/verify/file",
        data={"csrf_token": token, "file": (io.BytesIO(data), "transcript.pdf")},
        content_type="multipart/form-data",
    )


def test_verify_file_shows_a_signed_transcripts_figures_and_refuses_a_modified_one(
    app, client, record, tmp_path
):
    ca = make_ca(tmp_path, "Phitsanulok Office CA")
    app.config.update(SIGNING_P12_PATH=str(ca.p12_path), SIGNING_P12_PASSWORD=ca.password)
    configure_signing(app)
    try:
        login(client, record[0])
        data = client.get("/my/transcript.pdf").data
        code = CODE.search(" ".join(pdftotext(data).split())).group(0)
        assert check_archival(data, signed=True).keywords == code
        anyone = app.test_client()

        response = _upload(anyone, data)

        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "ลายมือชื่อดิจิทัลถูกต้อง ลงนามโดยระบบนี้" in page
        assert "ตรงกับประวัติการอบรมที่ออกโดยระบบนี้" in page
        assert "นางสาวสมหญิง ใจงาม" in page and ">36<" in page and "2559–2560" in page
        assert f"<code>{code}</code>" in page
        assert "ไม่พบรหัสนี้ในระบบ" not in page
        assert "ไม่ได้ระบุรหัสตรวจสอบ" not in page

        # One byte changed inside the signed content: no facts are vouched for.
        tampered = bytearray(data)
        tampered[data.index(b"/Title") + 10] ^= 0x01
        page = _upload(anyone, bytes(tampered)).get_data(as_text=True)
        assert "ลายมือชื่อดิจิทัลไม่ถูกต้อง: ไฟล์ถูกแก้ไขหลังลงนาม" in page
        assert "ตรงกับประวัติการอบรม" not in page and "นางสาวสมหญิง ใจงาม" not in page
    finally:
        app.config.update(SIGNING_P12_PATH="", SIGNING_P12_PASSWORD="")
        configure_signing(app)


def test_xlsx_has_a_row_per_workshop_and_numbers_for_hours(client, record):
    login(client, record[0])
    response = client.get("/my/transcript.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("ปีงบประมาณ", "หลักสูตร", "หน่วยงานผู้จัด", "วันที่อบรม", "ชั่วโมงที่เข้าอบรม")
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title["การจัดทำแผนชุมชน"][0] == 2560
    assert by_title["การพัฒนาผู้นำชุมชน"][4] == 24
    assert by_title["รวมทั้งหมด 2 หลักสูตร"][4] == 36


def test_organizers_open_any_officers_transcript_and_others_cannot(app, client, record, organizer):
    officer, _, _ = record
    other = make_user("officer", email="other@example.go.th")
    url = f"/organizer/officers/{officer.id}/transcript"

    login(client, other)
    assert client.get(url).status_code == 403
    assert client.get(url + ".pdf").status_code == 403

    client = app.test_client()
    login(client, organizer)
    found = client.get("/organizer/transcripts?q=สมหญิง").get_data(as_text=True)
    assert url in found
    page = client.get(url)
    assert page.status_code == 200 and "การจัดทำแผนชุมชน" in page.get_data(as_text=True)
    assert client.get(url + ".pdf").status_code == 200
    assert client.get(url + ".xlsx").status_code == 200
    assert client.get(url + ".doc").status_code == 404
    assert client.get(f"/organizer/officers/{organizer.id}/transcript").status_code == 404
    assert client.get("/organizer/officers/999999/transcript.pdf").status_code == 404


def test_hr_export_lists_officer_workshop_hours_of_one_fiscal_year(client, record, organizer):
    _, first, _ = record
    second_officer = make_user("officer", email="b@example.go.th", first_name="กมล")
    seat(first, second_officer, organizer, attended=5)
    login(client, organizer)
    response = client.get("/organizer/reports/hours.csv?fy=2559")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "ลำดับ" and rows[0][-2] == "ชั่วโมงที่เข้าอบรม"
    assert [(r[2], r[7], r[-2]) for r in rows[1:]] == [
        ("กมล", "การพัฒนาผู้นำชุมชน", "30.00"),  # Thai order: กมล before สมหญิง
        ("สมหญิง", "การพัฒนาผู้นำชุมชน", "24.00"),
    ]
    book = load_workbook(io.BytesIO(client.get("/organizer/reports/hours.xlsx?fy=2560").data))
    sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert [(r[2], r[9]) for r in sheet_rows[1:]] == [("สมหญิง", 12)]
    bad = client.get("/organizer/reports/hours.csv?fy=abc")
    assert bad.status_code == 302
    assert "/organizer/reports/hours.csv" in str(client.get("/organizer/reports/fiscal-year").data)


def test_organizers_see_transcripts_of_people_in_their_offices_scope(client, record, organizer):
    """Issue 15/16: an organizer of another office gets 404 for the transcript, finds nobody and
    exports no hours; once the officer works for that office, its organizer sees them."""
    officer, _, _ = record
    district = make_office("สำนักงานพัฒนาชุมชนอำเภอวังทอง", parent_id=make_office().id)
    other = make_user("organizer", "district@example.go.th", office_id=district.id)

    def views(who) -> tuple[int, bool, int]:
        browser = client.application.test_client()
        login(browser, who)
        page = browser.get(f"/organizer/officers/{officer.id}/transcript").status_code
        found = browser.get("/organizer/transcripts?q=สมหญิง").get_data(as_text=True)
        export = browser.get("/organizer/reports/hours.csv?fy=2559").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(export)))[1:]
        return page, "ไม่พบเจ้าหน้าที่ที่ตรงกับคำค้น" not in found, len(rows)

    # The provincial office ran the workshops: its organizer sees the officer.
    assert views(organizer) == (200, True, 1)
    # The district office neither ran them nor employs the officer.
    assert views(other) == (404, False, 0)
    officer.office_id = district.id
    db.session.commit()
    assert views(other) == (200, True, 1)


def test_office_names_fit_their_column_or_wrap_before_the_province(client, record):
    """สำนักงานพัฒนาชุมชนอำเภอเมืองพิษณุโลก fits on one line of A4; a longer name wraps
    before จังหวัด…, not inside จังหวัด|พิษณุโลก. Also a date range across two months."""
    officer, first, second = record
    first.organizing_agency = "สำนักงานพัฒนาชุมชนอำเภอเมืองพิษณุโลก"
    second.organizing_agency = "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพิษณุโลก"
    db.session.commit()
    login(client, officer)

    lines = pdftotext(client.get("/my/transcript.pdf").data).splitlines()

    assert "สำนักงานพัฒนาชุมชนอำเภอเมืองพิษณุโลก" in lines
    at = lines.index("สำนักงานส่งเสริมการปกครองท้องถิ่น")
    assert lines[at + 1] == "จังหวัดพิษณุโลก"
    assert not any(line.endswith("จังหวัด") or line.endswith("อำเภอ") for line in lines)
