"""Pages under the Content-Security-Policy in a real browser: nothing is refused."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, sign_in, watch_csp
from tests.support import open_workshop

pytestmark = pytest.mark.e2e


def test_pages_work_under_the_csp(phone, live_server, organizer, venue):
    """The phone fixture fails the test on any CSP violation."""
    from tests.support import make_office
    from workshop.services.quotas import create_nomination_link, set_quotas

    workshop = open_workshop(venue, organizer)
    office = make_office("สำนักงานพัฒนาชุมชนอำเภอวังทอง", parent_id=organizer.office_id)
    set_quotas(workshop.id, {office.id: 2}, None, organizer)
    _, token = create_nomination_link(
        workshop.id, office.id, head_name="", head_email="", days=3, actor=organizer
    )
    page = phone.new_page()
    for path in ("/", "/auth/signup", f"/workshops/{workshop.id}", f"/nominate/{token}"):
        assert page.goto(live_server + path).status == 200
    sign_in(page, live_server, organizer)
    for path in (
        "/organizer/workshops",
        f"/organizer/workshops/{workshop.id}",
        f"/organizer/workshops/{workshop.id}/registrations",
        f"/organizer/workshops/{workshop.id}/quotas",
        "/organizer/venues",
        "/organizer/audit",
        "/checkin",
        "/auth/password",
    ):
        assert page.goto(live_server + path).status == 200, path
    page.click("form[data-signout] button")  # the sign-out script runs under the policy
    page.wait_for_url(live_server + "/")


def test_an_inline_script_would_be_reported(browser, live_server):
    context = browser.new_context(**PHONE)
    violations = watch_csp(context)
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.ran = true'; document.body.appendChild(s); }"
        )
        assert page.evaluate("window.ran === undefined")
    finally:
        context.close()
    assert violations and "Content Security Policy" in violations[0]
