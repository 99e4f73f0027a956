"""LINE on the officer's profile in Chromium, at a phone's 390 px and a desktop's 1366 px: the
consent page, linking through (fake) LINE and back, the notice channel, the blocked warning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in, watch_csp
from tests.line_fake import FakeLine
from workshop.extensions import db
from workshop.models import User
from workshop.models.types import utcnow

pytestmark = pytest.mark.e2e

DESKTOP = {
    "viewport": {"width": 1366, "height": 900},
    "locale": "th-TH",
    "timezone_id": "Asia/Bangkok",
}


@pytest.fixture
def line(app: Flask, live_server: str) -> Iterator[FakeLine]:
    """LINE configured and pointed at a fake that approves at once and sends the browser back."""
    fake = FakeLine().start()
    saved = {key: app.config.get(key) for key in (*fake.app_config(), "BASE_URL")}
    app.config.update(fake.app_config(), BASE_URL=live_server)
    try:
        yield fake
    finally:
        app.config.update(saved)
        fake.stop()
    assert fake.problems == []


def full_page(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def section_shot(page, name: str) -> None:
    """The LINE section alone: a phone's full profile page is several screens tall."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#line").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def fits_the_width(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


def stored(officer: User) -> User:
    db.session.rollback()  # a fresh snapshot: the server committed in its own session
    return db.session.get(User, officer.id)


def test_officer_links_line_and_chooses_where_notices_go(
    phone, browser, live_server, line, officer
):
    page = phone.new_page()
    sign_in(page, live_server, officer)
    page.goto(f"{live_server}/auth/profile")
    section = page.locator("#line")
    expect(section).to_contain_text("การแจ้งเตือนทาง LINE")
    fits_the_width(page)
    full_page(page, "line-profile-unlinked-390")
    section_shot(page, "line-section-unlinked-390")

    section.get_by_role("link", name="เชื่อมต่อบัญชี LINE").click()
    page.wait_for_url("**/auth/line")
    expect(page.locator("h1")).to_have_text("เชื่อมต่อบัญชี LINE")
    expect(page.locator("main")).to_contain_text("ข้อมูลที่ส่งให้ LINE")
    expect(page.locator("main")).to_contain_text("ยกเลิกได้ทุกเมื่อ")
    fits_the_width(page)
    full_page(page, "line-consent-390")

    # To (fake) LINE's authorization endpoint and back to the callback: the page's policy
    # must let its form lead there.
    page.get_by_role("button", name="ยินยอมและเชื่อมต่อบัญชี LINE").click()
    page.wait_for_url("**/auth/profile#line")
    expect(page.locator(".flash-success")).to_contain_text("เชื่อมต่อบัญชี LINE แล้ว")
    expect(section.locator("input[value=both]")).to_be_checked()
    assert stored(officer).line_user_id == line.next_user_id
    fits_the_width(page)
    full_page(page, "line-profile-linked-390")
    section_shot(page, "line-section-linked-390")

    section.get_by_label("LINE เท่านั้น").check()
    section.get_by_role("button", name="บันทึกช่องทาง").click()
    expect(page.locator(".flash-success")).to_have_text("บันทึกช่องทางรับการแจ้งเตือนแล้ว")
    expect(section.locator("input[value=line]")).to_be_checked()
    assert stored(officer).notice_channel == "line"

    # LINE said the officer blocked the Official Account: the profile says so.
    user = stored(officer)
    user.line_blocked_at = utcnow()
    db.session.commit()
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(10_000)
    violations = watch_csp(context)
    try:
        desk = context.new_page()
        sign_in(desk, live_server, officer)
        desk.goto(f"{live_server}/auth/profile")
        expect(desk.locator("#line .flash-error")).to_contain_text("LINE แจ้งว่าส่งข้อความถึงคุณไม่ได้")
        fits_the_width(desk)
        full_page(desk, "line-profile-blocked-1366")
        section_shot(desk, "line-section-blocked-1366")
        desk.goto(f"{live_server}/auth/line")
        full_page(desk, "line-consent-1366")

        page.reload()
        full_page(page, "line-profile-blocked-390")
        section_shot(page, "line-section-blocked-390")
        page.locator("#line").get_by_role("button", name="ยกเลิกการเชื่อมต่อ LINE").click()
        expect(page.locator(".flash-success")).to_contain_text("ยกเลิกการเชื่อมต่อบัญชี LINE แล้ว")
        expect(page.locator("#line")).to_contain_text("เชื่อมต่อบัญชี LINE")
        assert stored(officer).line_user_id is None
    finally:
        context.close()
    assert violations == []
