"""Issue 14 §4 in the browser: a past workshop is not under "open", and has its own page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import finished_workshop, open_workshop

pytestmark = pytest.mark.e2e


def test_a_past_workshop_is_not_under_open(phone, live_server, venue, organizer):
    coming = open_workshop(venue, organizer, title="อบรมที่เปิดรับสมัครอยู่")
    past = finished_workshop(venue, organizer, sessions=1, title="อบรมเมื่อปี 2558")
    page = phone.new_page()
    page.goto(live_server + "/")
    current = page.locator('section[aria-labelledby="current-heading"]')
    expect(current.get_by_role("link", name=coming.title)).to_be_visible()
    expect(current.get_by_text(past.title)).to_have_count(0)
    card = current.locator("article", has_text=coming.title)
    expect(card).to_contain_text("ว่าง 100 จาก 100 ที่นั่ง")
    expect(card).to_contain_text("รับสมัครถึง")
    page.get_by_role("link", name="การอบรมที่จัดไปแล้ว (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("การอบรมที่จัดไปแล้ว")
    expect(page.get_by_role("link", name=past.title)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("เผยแพร่แล้ว")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
