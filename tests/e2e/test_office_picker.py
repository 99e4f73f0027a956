"""The office pick list on the sign-up form: searchable, with "อื่น ๆ" and a typed agency."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support import PASSWORD, make_office
from workshop.models import User


def test_officer_finds_their_office_by_typing_part_of_its_name(phone, live_server, shoot):
    province = make_office()
    for district in ("วังทอง", "นครไทย", "บางระกำ"):
        make_office(f"สำนักงานพัฒนาชุมชนอำเภอ{district}", parent_id=province.id)
    page = phone.new_page()
    page.goto(live_server + "/auth/signup")
    agency = page.locator("#agency")
    expect(agency).to_be_visible()  # nothing picked yet: the name may be typed

    page.fill(".office-filter", "นครไทย")
    expect(page.locator("#office_choice")).to_have_value(
        str(User.query.session.scalar(_office_id("สำนักงานพัฒนาชุมชนอำเภอนครไทย")))
    )
    expect(agency).to_be_hidden()
    shoot(page, "signup-office-picked")
    visible = page.locator("#office_choice option:not([hidden])")
    expect(visible).to_have_count(3)  # the prompt, นครไทย's office, "อื่น ๆ"

    page.select_option("#office_choice", "other")
    expect(agency).to_be_visible()
    page.fill(".office-filter", "")
    page.select_option("#office_choice", label="สำนักงานพัฒนาชุมชนอำเภอวังทอง")
    expect(agency).to_be_hidden()

    page.select_option("#title_prefix", "นาย")
    page.fill("#first_name", "สมชาย")
    page.fill("#last_name", "ใจงาม")
    page.fill("#position", "นักวิชาการพัฒนาชุมชน")
    page.fill("#district", "วังทอง")
    page.fill("#province", "พิษณุโลก")
    page.fill("#phone", "081-234-5678")
    page.fill("#email", "somchai.picker@example.go.th")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.check("#consent")
    page.click("form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    User.query.session.rollback()  # end the test's read, which began before the sign-up
    officer = User.query.filter_by(email="somchai.picker@example.go.th").one()
    assert officer.agency == "สำนักงานพัฒนาชุมชนอำเภอวังทอง" and officer.office_id is not None


def _office_id(name: str):
    from sqlalchemy import select

    from workshop.models import Office

    return select(Office.id).where(Office.name == name)
