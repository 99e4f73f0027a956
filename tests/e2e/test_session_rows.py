"""Issue 14 §6: "เพิ่มช่วงการอบรม" adds a session row in the page, without a reload, and puts
the focus in it; the server still adds one when scripts are off (test_organizer_pages)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_add_session_row_without_a_reload_keeps_focus(phone, live_server, organizer, venue):
    page = phone.new_page()
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/organizer/workshops/new")
    rows = page.locator(".session-row")
    before = rows.count()
    page.evaluate("window.notReloaded = true")
    page.click('button[name="add_session"]')
    expect(rows).to_have_count(before + 1)
    assert page.evaluate("window.notReloaded === true")  # the same page, not a new one
    new_day = page.locator(f'[name="sessions-{before}-day"]')
    expect(new_day).to_be_focused()
    expect(new_day).to_have_value("")
    expect(page.locator("[data-session-status]")).to_contain_text(str(before + 1))
    # Its field and label carry the row's own number, as the server names them.
    assert page.locator(f'[id="sessions-{before}-day"]').count() == 1
    assert page.locator(f'label[for="sessions-{before}-day"]').count() == 1
