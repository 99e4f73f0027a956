"""No cache keeps personal data: every GET route of ``app.url_map`` is walked as each kind of
caller of the access matrix, and every response that can hold someone's data (anything for a
signed-in browser or an API token, and the public certificate check) says
``Cache-Control: private, no-store``. A new route is walked without being listed here."""

from __future__ import annotations

from tests.integration.test_access_matrix import (
    CALLERS,
    build_world,
    call,
    rules,
    sign_in,
    url_for_rule,
)
from workshop.web.security import NOT_PERSONAL_ENDPOINTS, PRIVATE, PUBLIC_PERSONAL_ENDPOINTS


def test_every_response_with_personal_data_is_kept_by_no_cache(app):
    world = build_world()
    callers = [sign_in(app, name, world.users.get(name)) for name in CALLERS]
    problems = []
    answered: set[str] = set()
    for rule, method in rules(app):
        if method != "GET" or rule.endpoint in NOT_PERSONAL_ENDPOINTS:
            continue
        path = url_for_rule(rule, world)
        api = rule.endpoint.startswith("api.")
        for caller in callers:
            response = call(caller, "GET", path, api, world)
            personal = caller.name != "anonymous" or rule.endpoint in PUBLIC_PERSONAL_ENDPOINTS
            if not personal:
                continue
            answered.add(f"{rule.endpoint} {response.status_code}")
            if response.headers.get("Cache-Control") != PRIVATE:
                problems.append(
                    f"GET {path} as {caller.name}: {response.status_code}, "
                    f"Cache-Control {response.headers.get('Cache-Control')!r}"
                )
    assert not problems, "\n".join(problems)
    # The walk reached the pages that matter (not only refusals and redirects).
    for seen in (
        "registration.mine 200",
        "registration.ticket_pdf 200",
        "auth.my_data 200",
        "organizer.registrations 200",
        "reports.attendance_csv 200",
        "checkin.scanner 200",
        "certificates.verify 200",
        "api.workshop_roster 200",
        "api.my_data 200",
        "api.certificate_verify 200",
    ):
        assert seen in answered, seen
    assert len({entry for entry in answered if entry.endswith(" 200")}) >= 50


def test_public_pages_for_anonymous_visitors_stay_cacheable(client):
    for path in ("/", "/auth/login", "/verify"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
