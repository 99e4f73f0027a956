"""Forms in a real browser: every error of a submit at once, in a summary that takes focus and
links to each field; a date read as it is typed; a password reset from the mail to signing in.

Screenshots of each state at 390 px (a phone) and 1366 px (an office desktop) go to
test-output/e2e/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, TIMEOUT_MS, watch_csp
from tests.integration import test_mail
from tests.integration.test_mail import plain_text
from tests.support import PASSWORD, make_user
from workshop.extensions import db
from workshop.models import User, Workshop

pytestmark = pytest.mark.e2e

DESKTOP = {**PHONE, "viewport": {"width": 1366, "height": 900}, "is_mobile": False}
DESKTOP.update(device_scale_factor=1, has_touch=False)
NEW_PASSWORD = "ลืมแล้วตั้งใหม่-2570"

# The real SMTP server (aiosmtpd) of the mail tests, and the app pointed at it.
smtp_server = test_mail.smtp_server
mail_config = test_mail.mail_config
inbox = test_mail.inbox


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390", "1366"])
def context(request, browser) -> Iterator:
    """A fresh browser profile at the phone's or the desktop's size; no CSP violations."""
    created = browser.new_context(**request.param)
    created.set_default_timeout(TIMEOUT_MS)
    violations = watch_csp(created)
    try:
        yield created
    finally:
        created.close()
    assert violations == [], "Content-Security-Policy violations"


def width(page) -> str:
    return str(page.viewport_size["width"])


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def expect_summary(page, count: int) -> None:
    """The error summary is focused and lists ``count`` errors, each a link to a field."""
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'error-summary'"
    )
    expect(summary.locator("li a")).to_have_count(count)
    for href in summary.locator("li a").evaluate_all("links => links.map(a => a.hash)"):
        assert page.locator(href).count() == 1, f"{href} links to no field"


def test_sign_up_shows_every_problem_at_once(live_server, context, shoot):
    make_user("officer", "taken@example.go.th")
    page = context.new_page()
    page.goto(f"{live_server}/auth/signup")
    prefix = page.locator("#title_prefix")
    expect(prefix.locator("option:checked")).to_have_text("กรุณาเลือก")
    prefix.select_option("นางสาว")
    page.fill("#last_name", "ปิ่นทอง")
    page.fill("#position", "นักวิชาการพัฒนาชุมชน")
    page.fill("#agency", "สำนักงานพัฒนาชุมชนอำเภอวังทอง")
    page.fill("#district", "วังทอง")
    page.fill("#province", "พิษณุโลก")
    page.fill("#phone", "12345")
    page.fill("#email", "taken@example.go.th")
    page.fill("#password", "ดอกแก้ว-วังทอง-2559")
    page.fill("#password_again", "ดอกแก้ว-วังทอง-2560")
    page.click("form button[type=submit]")

    # First name empty, phone, address taken, passwords differ, no consent: one submit.
    expect_summary(page, 5)
    shoot(page, f"forms-signup-errors-{width(page)}")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone")).to_have_value("12345")
    expect(page.locator("#last_name")).to_have_value("ปิ่นทอง")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("#password-note")).to_contain_text("ไม่เก็บรหัสผ่าน")
    expect(page.locator("#email-taken a", has_text="ลืมรหัสผ่าน")).to_be_visible()

    page.locator("#error-summary a[href='#phone']").click()
    assert focused_id(page) == "phone"
    db.session.rollback()
    assert User.query.count() == 1


def test_workshop_form_lists_session_row_errors_and_reads_dates(
    live_server, context, shoot, organizer, venue
):
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto(f"{live_server}/organizer/workshops/new")
    expect(page.locator("#venue_id option:checked")).to_have_text("กรุณาเลือก")
    expect(page.locator("#sessions-0-ends")).to_have_attribute("placeholder", "16:30")

    page.fill("#organizing_agency", "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก")
    page.locator("#venue_id").select_option(str(venue.id))
    page.fill("#capacity", "60")
    # Typed CE, two digits, Thai digits: each read as it is typed, and said so.
    page.type("#sessions-0-day", "20/01/2027")
    expect(page.locator("#sessions-0-day-preview")).to_have_text(
        "20/01/2027 → 20 ม.ค. 2570 (ปี ค.ศ. 2027 แปลงเป็น พ.ศ. 2570)"
    )
    page.fill("#sessions-0-starts", "13:00")
    page.fill("#sessions-0-ends", "12:00")  # before it starts
    page.type("#opens_day", "๑/๑/๗๐")
    expect(page.locator("#opens_day-preview")).to_have_text("→ 1 ม.ค. 2570")
    page.fill("#closes_day", "15/01/2570")
    shoot(page, f"forms-date-preview-{width(page)}")
    page.locator("form button.primary[type=submit]").click()

    expect_summary(page, 2)  # the title, and session 1's end
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("ช่วงที่ 1 · สิ้นสุด: เวลาสิ้นสุดต้องหลังเวลาเริ่ม")
    shoot(page, f"forms-workshop-errors-{width(page)}")
    summary.locator("a[href='#sessions-0-ends']").click()
    assert focused_id(page) == "sessions-0-ends"
    expect(page.locator("#sessions-0-ends")).to_have_attribute("aria-invalid", "true")
    # What was typed is still there, and still read the same way.
    expect(page.locator("#sessions-0-day")).to_have_value("20/01/2027")
    expect(page.locator("#sessions-0-day-preview")).to_contain_text("20 ม.ค. 2570")

    page.fill("#title", "อบรมการใช้ข้อมูล จปฐ.")
    page.fill("#sessions-0-ends", "16:30")
    page.locator("form button.primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/organizer/workshops/\d+$"))
    db.session.rollback()  # a new read: the page wrote after this session last read
    workshop = Workshop.query.one()
    assert workshop.sessions[0].starts_at.year == 2027


def test_password_reset_from_the_mail_to_signing_in(live_server, context, shoot, inbox, officer):
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_role("link", name="ลืมรหัสผ่าน").click()
    page.fill("#email", officer.email)
    shoot(page, f"forms-forgot-{width(page)}")
    page.get_by_role("button", name="ส่งลิงก์ตั้งรหัสผ่านใหม่").click()
    expect(page.locator("h1")).to_have_text("ตรวจสอบอีเมลของคุณ")
    shoot(page, f"forms-forgot-sent-{width(page)}")

    message = inbox.to(officer.email)
    link = re.search(r"https?://\S+/auth/reset/(\S+)", plain_text(message)).group(1)
    page.goto(f"{live_server}/auth/reset/{link}")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#again", "something else")
    page.get_by_role("button", name="ตั้งรหัสผ่านใหม่").click()
    expect_summary(page, 1)
    shoot(page, f"forms-reset-errors-{width(page)}")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#again", NEW_PASSWORD)
    page.get_by_role("button", name="ตั้งรหัสผ่านใหม่").click()
    page.wait_for_url(re.compile(r"/auth/login$"))
    expect(page.locator(".flash-success")).to_contain_text("ตั้งรหัสผ่านใหม่แล้ว")

    # The old password no longer signs in; the new one does.
    page.fill("#email", officer.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    expect_summary(page, 1)
    expect(page.locator("#error-summary")).to_contain_text("อีเมลหรือรหัสผ่านไม่ถูกต้อง")
    page.fill("#password", NEW_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    expect(page.locator("a.who")).to_be_visible()
    # The link was used up.
    page.goto(f"{live_server}/auth/reset/{link}")
    expect(page.locator("h1")).to_have_text("ลิงก์ใช้ไม่ได้")


def test_english_sign_in_summary_and_reset_link(live_server, context, shoot, officer):
    page = context.new_page()
    page.goto(f"{live_server}/lang/en?next=/auth/login")
    page.click("form button[type=submit]")  # nothing typed
    expect_summary(page, 2)
    expect(page.locator("#error-summary h2")).to_have_text("Please fix these 2 problems")
    expect(page.locator("#error-summary")).to_contain_text("Email: ")
    shoot(page, f"forms-signin-errors-en-{width(page)}")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.locator("h1")).to_have_text("Forgot your password?")
    shoot(page, f"forms-forgot-en-{width(page)}")
