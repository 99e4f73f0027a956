"""End-to-end journeys (issue 6 §1): each person's part of a workshop, through the real UI.

One test per journey. Each test builds what it needs before its journey starts through the
services (quick, and no test depends on another having run), then does everything the person does
in headless Chromium (typing Thai into forms, clicking buttons), and checks both the page and
the database.

Timeline. Registering needs an open registration window, which must close before the last
session ends; a certificate needs the last session to have ended; check-in is open from
``checkin_opens_minutes`` before a session to ``checkin_closes_minutes`` (30) after it. So no
single workshop can be registered for, checked into and certified within one test run without
waiting. The journeys therefore use:

* the organizer types a workshop two weeks ahead (registration open from yesterday);
* the officer registers for a workshop ten days ahead (registration open now);
* door staff, the certificate, the verification and the report use a one-day workshop that
  *finished minutes ago*: session 1 ended 20 minutes ago, session 2 a minute ago, so both
  check-in windows are still open (for another 10 and 29 minutes) and certificates can be issued.

Thai is the language of every journey but the officer's, which switches to English first.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, TIMEOUT_MS, sign_in
from tests.e2e.test_door_scanner import checkins, write_y4m
from tests.support import PASSWORD, make_officers, open_workshop, seat, workshop_input
from workshop.extensions import db
from workshop.models import Certificate, Registration, User, Venue, Workshop
from workshop.services.certificates import format_code, issue_certificate, verification_url
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token
from workshop.services.workshops import SessionInput, change_status, create_workshop
from workshop.thai.dates import bangkok_to_utc, fiscal_year, format_time_range, to_bangkok

pytestmark = pytest.mark.e2e

OFFICER_NAME = "นางสาวกิ่งแก้ว ปิ่นทอง"  # make_user's default officer, as printed
DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 900}, "is_mobile": False}
DESKTOP.update(device_scale_factor=1, has_touch=False)


@pytest.fixture(scope="module")
def camera(tmp_path_factory) -> Path:
    """The video every phone's camera in this module plays (tests write what it shows)."""
    video = tmp_path_factory.mktemp("camera") / "camera.y4m"
    show_camera(video, None)
    return video


@pytest.fixture(scope="module")
def browser(launch, camera):
    """One Chromium for all journeys, whose fake camera plays ``camera`` (read afresh each time
    a page starts the camera)."""
    fake_camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    )
    with launch(*fake_camera) as chromium:
        yield chromium


def show_camera(video: Path, ticket: str | None) -> None:
    """Put a ticket's QR code (or, with None, a white wall) in front of the fake camera.

    Written aside and renamed over, so a camera still reading the old video never sees half a
    file.
    """
    new = video.with_suffix(".new.y4m")
    if ticket is None:
        write_blank_y4m(new)
    else:
        write_y4m(new, ticket)
    new.replace(video)


def write_blank_y4m(path: Path, frames: int = 5) -> None:
    frame = b"FRAME\n" + bytes([255]) * (640 * 480) + bytes([128]) * (320 * 240 * 2)
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + frame * frames)


@pytest.fixture
def desktop(browser):
    """An organizer's laptop: a fresh wide browser profile."""
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def just_finished(venue, organizer):
    """A published one-day workshop that finished a minute ago (see the module's timeline)."""
    now = datetime.now(UTC).replace(microsecond=0)
    data = workshop_input(
        venue,
        title="อบรมการใช้ข้อมูล จปฐ. เพื่อวางแผนพัฒนาหมู่บ้าน",
        registration_opens_at=now - timedelta(days=7),
        registration_closes_at=now - timedelta(days=1),
        sessions=[
            SessionInput(
                title="บรรยาย: การอ่านข้อมูล จปฐ.",
                starts_at=now - timedelta(minutes=40),
                ends_at=now - timedelta(minutes=20),
            ),
            SessionInput(
                title="ฝึกปฏิบัติ: แผนพัฒนาหมู่บ้าน",
                starts_at=now - timedelta(minutes=15),
                ends_at=now - timedelta(minutes=1),
            ),
        ],
        signatory_name="นายสมชาย ใจดี",
        signatory_position="พัฒนาการจังหวัดพิษณุโลก",
        # Counted in sessions: these short sessions may fall in the lunch break (no hours).
        attendance_rule="sessions",
    )
    return change_status(create_workshop(data, organizer), "published", organizer)


def fresh(model):
    """A query that sees what the browser wrote through the server (a new snapshot first)."""
    db.session.rollback()
    return model.query


def be_date(day: date) -> str:
    """A date as an officer types it: day/month/Buddhist-Era year."""
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "download.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def download(page, control) -> bytes:
    """Click a link to a PDF, or a form's button whose POST redirects to one, and return the
    file the browser was sent.

    Chromium shows PDFs in its viewer (no download event, and the page's response is the
    viewer's), so the file is taken on its way to the browser. A redirect is followed inside
    the browser without passing the route: then the PDF's address, as the browser was sent
    it, is fetched again with the page's cookies (a GET changes nothing).
    """
    sent: list[bytes] = []

    def keep(route) -> None:
        response = route.fetch()
        assert response.ok and response.headers["content-type"] == "application/pdf"
        sent.append(response.body())
        route.fulfill(response=response)

    page.route("**/*.pdf", keep)
    try:
        with page.expect_response(lambda r: r.url.endswith(".pdf")) as shown:
            control.click()
    finally:
        page.unroute("**/*.pdf", keep)
    response = shown.value
    assert response.ok and response.headers["content-type"] == "application/pdf"
    if not sent:
        again = page.request.get(response.url)
        assert again.ok and again.headers["content-type"] == "application/pdf"
        sent.append(again.body())
    (body,) = sent
    return body


# ---------------------------------------------------------------------- organizer


def test_organizer_creates_a_venue_and_a_two_session_workshop_and_publishes_it(
    desktop, live_server, organizer, shoot
):
    page = desktop.new_page()
    sign_in(page, live_server, organizer)

    # A venue; its capacity typed in Thai digits.
    page.click(".topbar >> text=สถานที่จัดอบรม")
    page.click("text=เพิ่มสถานที่")
    page.fill("#name", "ห้องประชุมศูนย์ราชการจังหวัดพิษณุโลก")
    page.fill("#address", "ถนนบรมไตรโลกนารถ ตำบลในเมือง")
    page.fill("#district", "เมืองพิษณุโลก")
    page.fill("#province", "พิษณุโลก")
    page.fill("#capacity", "๘๐")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(
        "บันทึกสถานที่ ห้องประชุมศูนย์ราชการจังหวัดพิษณุโลก แล้ว"
    )
    expect(page.locator("tbody tr")).to_contain_text(["ห้องประชุมศูนย์ราชการจังหวัดพิษณุโลก"])
    venue = fresh(Venue).filter_by(name="ห้องประชุมศูนย์ราชการจังหวัดพิษณุโลก").one()
    assert (venue.district, venue.province, venue.capacity) == ("เมืองพิษณุโลก", "พิษณุโลก", 80)

    # A workshop two weeks ahead, two sessions on one day; dates typed in Buddhist Era.
    today = to_bangkok(datetime.now(UTC)).date()
    day = today + timedelta(days=14)
    page.click('.nav >> text="การอบรม"')
    page.click("text=สร้างการอบรม")
    title = "อบรมเชิงปฏิบัติการการเขียนโครงการพัฒนาชุมชน รุ่นที่ 1"
    page.fill("#title", title)
    page.fill("#organizing_agency", "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก")
    page.fill("#objectives", "เพื่อให้เจ้าหน้าที่เขียนโครงการได้ตามแนวทางของกรม")
    page.fill("#topics", "การวิเคราะห์ปัญหาชุมชน\nการเขียนวัตถุประสงค์และตัวชี้วัด")
    page.select_option("#venue_id", label="ห้องประชุมศูนย์ราชการจังหวัดพิษณุโลก (พิษณุโลก, 80)")
    page.fill("#capacity", "40")
    page.fill("#sessions-0-day", be_date(day))
    page.fill("#sessions-0-starts", "09:00")
    page.fill("#sessions-0-ends", "12:00")
    page.fill("#sessions-0-title", "ภาคเช้า: วิเคราะห์ปัญหา")
    page.click("text=เพิ่มช่วงการอบรม")  # a round trip that keeps what was typed
    expect(page.locator("#sessions-0-day")).to_have_value(be_date(day))
    page.fill("#sessions-1-day", be_date(day))
    page.fill("#sessions-1-starts", "13.00 น.")
    page.fill("#sessions-1-ends", "16:30")
    page.fill("#sessions-1-title", "ภาคบ่าย: เขียนโครงการ")
    page.fill("#opens_day", be_date(today - timedelta(days=1)))
    page.fill("#opens_time", "08:30")
    page.fill("#closes_day", be_date(day - timedelta(days=1)))
    page.fill("#closes_time", "16:30")
    page.fill("#signatory_name", "นายสมชาย ใจดี")
    page.fill("#signatory_position", "พัฒนาการจังหวัดพิษณุโลก")
    shoot(page, "journey-organizer-workshop-form")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text("บันทึกการอบรมแล้ว")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".badge")).to_have_text("ร่าง")
    (workshop,) = fresh(Workshop).all()
    assert workshop.status == "draft"

    page.get_by_role("button", name="เผยแพร่").click()
    expect(page.locator(".flash-success")).to_have_text("สถานะการอบรมตอนนี้: เผยแพร่แล้ว")
    expect(page.locator(".badge")).to_have_text("เผยแพร่แล้ว")
    morning = (bangkok_to_utc(day, time(9, 0)), bangkok_to_utc(day, time(12, 0)))
    afternoon = (bangkok_to_utc(day, time(13, 0)), bangkok_to_utc(day, time(16, 30)))
    sessions = page.locator("ol.sessions li")
    expect(sessions).to_have_count(2)
    expect(sessions.nth(0)).to_contain_text(format_time_range(*morning))
    expect(sessions.nth(1)).to_contain_text(format_time_range(*afternoon))
    expect(sessions.nth(1)).to_contain_text(f"{day.day} ")
    expect(sessions.nth(1)).to_contain_text(str(day.year + 543))
    shoot(page, "journey-organizer-published")

    workshop = fresh(Workshop).one()
    assert (workshop.title, workshop.status, workshop.venue_id) == (title, "published", venue.id)
    assert (workshop.capacity, workshop.attendance_threshold) == (40, 80)
    assert workshop.fiscal_year == fiscal_year(morning[0])
    assert [(s.title, s.starts_at, s.ends_at) for s in workshop.sessions] == [
        ("ภาคเช้า: วิเคราะห์ปัญหา", *morning),
        ("ภาคบ่าย: เขียนโครงการ", *afternoon),
    ]
    assert workshop.registration_opens_at == bangkok_to_utc(today - timedelta(days=1), time(8, 30))
    assert workshop.registration_closes_at == bangkok_to_utc(day - timedelta(days=1), time(16, 30))

    # What officers see: registration is open.
    page.click("text=ดูหน้าที่ผู้สมัครเห็น")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".register-box")).to_contain_text("รับสมัครถึง")


# ---------------------------------------------------------------------- officer (English)


def test_officer_signs_up_registers_and_sees_the_qr_ticket_in_english(
    phone, live_server, venue, organizer, shoot
):
    workshop = open_workshop(venue, organizer)
    page = phone.new_page()
    page.goto(live_server + "/")
    page.click(".lang a")  # "English"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".topbar")).to_contain_text("Sign in")
    page.click(f"text={workshop.title}")
    page.click("text=Create an account to register")
    expect(page.locator("h1")).to_have_text("Create a participant account")

    page.select_option("#title_prefix", "นางสาว")
    page.fill("#first_name", "กิ่งแก้ว")
    page.fill("#last_name", "ปิ่นทอง")
    page.fill("#position", "นักวิชาการพัฒนาชุมชนปฏิบัติการ")
    page.fill("#agency", "สำนักงานพัฒนาชุมชนอำเภอวังทอง")
    page.fill("#district", "วังทอง")
    page.fill("#province", "พิษณุโลก")
    page.fill("#phone", "081-234-5678")
    page.fill("#email", "kingkaew.p@example.go.th")

    def passwords_and_submit() -> None:
        page.fill("#password", PASSWORD)
        page.fill("#password_again", PASSWORD)
        page.click("form button[type=submit]")

    # Without the PDPA consent there is no account.
    passwords_and_submit()
    expect(page.locator("fieldset.consent")).to_have_class("consent has-error")
    expect(page.locator("fieldset.consent .error")).to_be_visible()
    assert fresh(User).filter_by(role="officer").count() == 0

    page.check("#consent")
    passwords_and_submit()
    expect(page.locator(".flash-success")).to_have_text(
        "Your account has been created. Welcome, กิ่งแก้ว."
    )
    expect(page.locator("h1")).to_have_text(workshop.title)  # back where they started
    officer = fresh(User).filter_by(email="kingkaew.p@example.go.th").one()
    assert (officer.role, officer.full_name) == ("officer", OFFICER_NAME)
    assert (officer.agency, officer.phone) == ("สำนักงานพัฒนาชุมชนอำเภอวังทอง", "+66812345678")
    assert officer.pdpa_consent_at is not None

    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(
        "Registered: your seat is confirmed. Your QR ticket is below."
    )
    expect(page.locator("h1")).to_have_text("My registrations")
    ticket = page.locator("article.ticket")
    expect(ticket.locator(".badge")).to_have_text("Seat confirmed")
    expect(ticket).to_contain_text("Show this QR code at the on-site registration desk.")
    registration = fresh(Registration).filter_by(user_id=officer.id).one()
    assert (registration.workshop_id, registration.status) == (workshop.id, "confirmed")

    # The QR on the screen is this registration's ticket (decoded from what is displayed).
    qr = ticket.locator(".ticket-qr img")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    image = Image.open(io.BytesIO(qr.screenshot()))
    decoded = zxingcpp.read_barcodes(image)
    assert [code.text for code in decoded] == [ticket_token(registration)]
    expect(ticket.locator(".ticket-code")).to_have_text(ticket_token(registration))
    shoot(page, "journey-officer-ticket-en")


# ---------------------------------------------------------------------- door staff


def test_staff_checks_the_officer_in_for_both_sessions_at_the_door(
    phone, camera, live_server, staff, organizer, officer, just_finished, shoot
):
    workshop = just_finished
    morning, afternoon = workshop.sessions
    registration = register_officer(workshop.id, officer, actor=organizer)
    (other,) = make_officers(1)
    register_officer(workshop.id, other, actor=organizer)
    token = ticket_token(registration)
    scanner = phone.new_page().locator("#scanner")
    page = scanner.page
    sign_in(page, live_server, staff)

    # Session 1: the phone's camera sees the officer's QR.
    show_camera(camera, token)
    page.click(".topbar >> text=เช็กอินหน้างาน")
    expect(page.locator("h2").first).to_have_text("เปิดเช็กอินอยู่ตอนนี้")
    page.click("text=เลือกช่วงการอบรม")
    # Both sessions' windows are open; the first open one is chosen for the door.
    expect(page.locator(".session-choice.is-open")).to_have_count(2)
    expect(page.locator(f'input[name=session_id][value="{morning.id}"]')).to_be_checked()
    page.click("text=เปิดหน้าสแกน")
    page.wait_for_url(f"{live_server}/checkin/{workshop.id}/{morning.id}")
    expect(page.locator("#result")).to_have_attribute("data-state", "checked_in")
    expect(page.locator("#result-name")).to_have_text(OFFICER_NAME)
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 2")
    assert scanner.get_attribute("data-camera") == "on"
    shoot(page, "journey-staff-camera-session1")
    rows = checkins()
    assert [(r.registration_id, r.session_id, r.method) for r in rows] == [
        (registration.id, morning.id, "qr")
    ]
    assert rows[0].staff_id == staff.id

    # Session 2: the camera sees nobody; a USB scanner types the code into the focused field
    # and presses Enter.
    show_camera(camera, None)
    page.click("text=เปลี่ยนช่วง")
    page.click(f"label.session-choice:has(input[value='{afternoon.id}'])")
    page.click("text=เปิดหน้าสแกน")
    page.wait_for_url(f"{live_server}/checkin/{workshop.id}/{afternoon.id}")
    expect(page.locator(".scanner-what")).to_contain_text("ฝึกปฏิบัติ: แผนพัฒนาหมู่บ้าน")
    expect(scanner).to_have_attribute("data-roster", "ready")
    expect(scanner).to_have_attribute("data-camera", "on")
    if scanner.get_attribute("data-decoder") == "server":  # no BarcodeDetector: frames go up
        expect(scanner).to_have_attribute("data-frames-sent", re.compile(r"[1-9]\d*"))
    expect(page.locator("#result")).to_have_attribute("data-state", "idle")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 0 / 2")
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-state", "checked_in")
    expect(page.locator("#result-name")).to_have_text(OFFICER_NAME)
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 2")
    shoot(page, "journey-staff-usb-session2")

    rows = checkins()
    assert [(r.registration_id, r.session_id) for r in rows] == [
        (registration.id, morning.id),
        (registration.id, afternoon.id),
    ]
    assert all(r.staff_id == staff.id for r in rows)


# ---------------------------------------------------------------------- certificate


def test_officer_downloads_the_certificate_with_their_name(
    phone, live_server, organizer, officer, just_finished, tmp_path, shoot
):
    registration = seat(just_finished, officer, organizer, attended=2)
    page = phone.new_page()
    sign_in(page, live_server, officer)
    page.click(".topbar >> text=การลงทะเบียนของฉัน")
    ticket = page.locator(f"#registration-{registration.id}")
    expect(ticket.locator(".certificate-status")).to_contain_text(
        "มีสิทธิ์ได้รับเกียรติบัตร: เข้าร่วม 2 จาก 2 ช่วง"
    )
    assert fresh(Certificate).count() == 0

    # Not issued yet: the words are a button, whose POST issues it and leads to the PDF.
    expect(ticket.get_by_role("link", name="ดาวน์โหลดเกียรติบัตร (PDF)")).to_have_count(0)
    pdf = download(page, ticket.get_by_role("button", name="ดาวน์โหลดเกียรติบัตร (PDF)"))
    assert pdf.startswith(b"%PDF")
    certificate = fresh(Certificate).filter_by(registration_id=registration.id).one()
    assert certificate.revoked_at is None
    text = pdf_text(pdf, tmp_path)
    assert OFFICER_NAME in text
    assert just_finished.title in " ".join(text.split())
    assert format_code(certificate.code) in text

    page.go_back()  # from the PDF viewer to the list, as a person would
    page.reload()
    expect(ticket.locator(".certificate-status")).to_contain_text(
        f"ได้รับเกียรติบัตร เลขที่ {certificate.number_text}"
    )
    shoot(page, "journey-certificate-issued")
    # Issued: now a plain link to the same certificate; nothing new is issued.
    again = download(page, ticket.get_by_role("link", name="ดาวน์โหลดเกียรติบัตร (PDF)"))
    assert format_code(certificate.code) in pdf_text(again, tmp_path)
    assert fresh(Certificate).count() == 1


# ---------------------------------------------------------------------- verification


def test_anyone_verifies_the_certificate_by_code_and_by_its_qr_address(
    browser, live_server, organizer, officer, just_finished, shoot
):
    registration = seat(just_finished, officer, organizer, attended=2)
    certificate = issue_certificate(registration.id)
    context = browser.new_context(**PHONE)  # nobody signed in
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/verify")
        # Typed from the paper the way people do: lower case, spaces instead of dashes.
        page.fill("#code", format_code(certificate.code).lower().replace("-", " "))
        page.get_by_role("button", name="ตรวจสอบ", exact=True).click()  # not ตรวจสอบไฟล์
        page.wait_for_url(f"{live_server}/verify/{format_code(certificate.code)}")
        verdict = page.locator(".verdict")
        expect(verdict).to_have_text("✓ เกียรติบัตรฉบับนี้ออกโดยระบบจริงและยังมีผล")
        expect(page.locator(".person")).to_have_text(OFFICER_NAME)
        expect(page.locator(".facts")).to_contain_text(certificate.number_text)
        expect(page.locator(".facts")).to_contain_text(just_finished.title)
        shoot(page, "journey-verify-valid")

        # The address printed on the certificate and inside its QR code, opened by a phone's
        # camera app (on this test server rather than the configured BASE_URL).
        page.goto(live_server + urlsplit(verification_url(certificate)).path)
        expect(verdict).to_have_text("✓ เกียรติบัตรฉบับนี้ออกโดยระบบจริงและยังมีผล")
        expect(page.locator(".person")).to_have_text(OFFICER_NAME)
    finally:
        context.close()
    stored = fresh(Certificate).one()
    assert stored.revoked_at is None
    assert stored.registration.user.full_name == OFFICER_NAME


# ---------------------------------------------------------------------- organizer's report


def test_organizer_downloads_the_workshop_report(
    desktop, live_server, organizer, officer, just_finished, tmp_path, shoot
):
    seat(just_finished, officer, organizer, attended=2)
    (absent,) = make_officers(1)
    seat(just_finished, absent, organizer, attended=1)
    page = desktop.new_page()
    sign_in(page, live_server, organizer)
    page.click(f"text={just_finished.title}")
    expect(page.locator("h1")).to_have_text(just_finished.title)
    page.click("text=รายงานสรุปและส่งออกข้อมูล")
    expect(page.locator(".report-totals")).to_contain_text("ไม่มาเข้าร่วมเลย")
    shoot(page, "journey-report-page")
    report = page.locator('a[href$="/report.pdf"]')
    pdf = download(page, report)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert just_finished.title in text
    assert OFFICER_NAME in text
