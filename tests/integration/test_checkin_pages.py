"""Door check-in pages: who may open them, the session picked by default, the scanner shell."""

import hashlib
import json
import re

import pytest

from tests.e2e.support import workshop_running_now
from tests.support import login, make_user, open_workshop, workshop_input
from workshop.services.workshops import change_status, create_workshop
from workshop.web.checkin import CACHE_NAME


@pytest.fixture
def running(venue, organizer):
    return workshop_running_now(venue, organizer, before=1)


def test_anonymous_visitors_are_sent_to_sign_in(client, running):
    for path in ("/checkin", f"/checkin/{running.id}/{running.sessions[1].id}", "/checkin/csrf"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/auth/login" in response.headers["Location"]


def test_officers_may_not_open_the_door_pages(client, officer, running):
    login(client, officer)
    for path in (
        "/checkin",
        f"/checkin?workshop_id={running.id}",
        f"/checkin/{running.id}/{running.sessions[1].id}",
        "/checkin/csrf",
    ):
        assert client.get(path).status_code == 403, path
    assert "/checkin" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["staff", "organizer"])
def test_door_roles_see_the_nav_link_and_the_workshops(client, request, who, running, venue):
    organizer = request.getfixturevalue("organizer")
    draft = create_workshop(workshop_input(venue, title="ร่างที่ยังไม่เผยแพร่"), organizer)
    upcoming = open_workshop(venue, organizer, title="การอบรมที่กำลังจะมาถึง")
    cancelled = change_status(
        open_workshop(venue, organizer, title="การอบรมที่ยกเลิกแล้ว"),
        "cancelled",
        organizer,
        reason="ทดสอบ",
    )
    login(client, request.getfixturevalue(who))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/checkin"' in home
    page = client.get("/checkin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert running.title in html and upcoming.title in html
    assert draft.title not in html and cancelled.title not in html
    # The workshop running now comes first, with a direct link to its open session.
    assert html.index(running.title) < html.index(upcoming.title)
    assert f'href="/checkin/{running.id}/{running.sessions[1].id}"' in html


def test_the_session_open_now_is_chosen_by_default(client, staff, running):
    login(client, staff)
    html = client.get(f"/checkin?workshop_id={running.id}").get_data(as_text=True)
    checked = re.findall(r'name="session_id" value="(\d+)" checked', html)
    # Three sessions: yesterday's, the one running now, tomorrow's.
    assert [int(s) for s in checked] == [running.sessions[1].id]
    assert html.count('name="session_id"') == 3


def test_the_next_session_is_the_default_before_any_opens(client, staff, venue, organizer):
    upcoming = open_workshop(venue, organizer)
    login(client, staff)
    html = client.get(f"/checkin?workshop_id={upcoming.id}").get_data(as_text=True)
    assert re.findall(r'name="session_id" value="(\d+)" checked', html) == [
        str(upcoming.sessions[0].id)
    ]


def test_choosing_a_session_opens_the_scanner(client, staff, running):
    login(client, staff)
    session = running.sessions[2]
    response = client.get(f"/checkin?workshop_id={running.id}&session_id={session.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/checkin/{running.id}/{session.id}"


def test_unknown_or_unsuitable_workshops_and_sessions_are_404(client, staff, venue, organizer):
    running = workshop_running_now(venue, organizer)
    other = open_workshop(venue, organizer)
    draft = create_workshop(workshop_input(venue), organizer)
    login(client, staff)
    for path in (
        "/checkin?workshop_id=999999",
        f"/checkin?workshop_id={draft.id}",
        f"/checkin?workshop_id={running.id}&session_id={other.sessions[0].id}",
        "/checkin/999999/1",
        f"/checkin/{running.id}/999999",
        f"/checkin/{running.id}/{other.sessions[0].id}",
        f"/checkin/{draft.id}/{draft.sessions[0].id}",
    ):
        assert client.get(path).status_code == 404, path


def test_scanner_page_is_a_shell_for_the_script(client, staff, running):
    login(client, staff)
    session = running.sessions[1]
    response = client.get(f"/checkin/{running.id}/{session.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"  # the service worker keeps it
    html = response.get_data(as_text=True)
    # No inline script: data comes in a JSON block, code from static/js/scanner.js.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('type="application/json"' in attrs or not body.strip() for attrs, body in scripts)
    assert any("js/scanner.js" in attrs for attrs, _ in scripts)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    raw = re.search(
        r'<script type="application/json" id="checkin-config">(.*?)</script>', html, re.S
    )
    config = json.loads(raw.group(1))
    assert config["workshopId"] == running.id and config["sessionId"] == session.id
    assert config["counts"] == {"checked_in": 0, "confirmed": 0}
    assert config["urls"]["roster"] == (
        f"/api/v1/workshops/{running.id}/roster?session_id={session.id}"
    )
    assert config["urls"]["serviceWorker"] == "/checkin/sw.js"
    assert config["urls"]["scope"] == "/checkin/"
    assert config["strings"]["checkedIn"] == "เช็กอินแล้ว {time}"
    assert config["strings"]["counter"] == "เช็กอินแล้ว {n} / {m}"
    assert "เช็กอินแล้ว 0 / 0" in html
    assert "window-closed" not in html


def test_scanner_warns_when_the_session_is_not_open_now(client, staff, running):
    login(client, staff)
    html = client.get(f"/checkin/{running.id}/{running.sessions[2].id}").get_data(as_text=True)
    assert "ตอนนี้ไม่อยู่ในเวลาเช็กอินของช่วงนี้" in html


def test_scanner_strings_follow_the_chosen_language(client, staff, running):
    login(client, staff)
    client.get("/lang/en")
    html = client.get(f"/checkin/{running.id}/{running.sessions[1].id}").get_data(as_text=True)
    assert 'lang="en"' in html


def test_service_worker_is_served_under_the_checkin_scope(client):
    response = client.get("/checkin/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"addEventListener('fetch'" in response.data
    # The page script and the worker share one Cache Storage name.
    assert f"var CACHE = '{CACHE_NAME}';".encode() in response.data


def test_fresh_csrf_token_for_a_cached_scanner_page(client, staff, running):
    login(client, staff)
    response = client.get("/checkin/csrf")
    assert response.status_code == 200
    token = response.json["csrf_token"]
    session = running.sessions[1]
    roster = client.get(
        f"/api/v1/workshops/{running.id}/roster?session_id={session.id}",
        headers={"X-CSRFToken": token},
    )
    assert roster.status_code == 200
    assert (
        client.get(f"/api/v1/workshops/{running.id}/roster?session_id={session.id}").status_code
        == 401
    )


def test_organizer_home_links_the_door(client):
    organizer = make_user("organizer", "second-organizer@example.go.th")
    login(client, organizer)
    assert 'href="/checkin"' in client.get("/organizer/workshops").get_data(as_text=True)


def test_only_the_scanner_page_may_compile_webassembly(client, staff, running):
    """The barcode-detector polyfill runs ZXing-C++ as wasm: 'wasm-unsafe-eval' on the
    scanner page, and nowhere else (it never allows eval of script)."""
    login(client, staff)
    scanner = client.get(f"/checkin/{running.id}/{running.sessions[1].id}")
    policy = scanner.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in policy
    assert "'unsafe-eval'" not in policy.replace("'wasm-unsafe-eval'", "")
    for path in ("/", "/checkin", "/checkin/sw.js"):
        assert "wasm" not in client.get(path).headers["Content-Security-Policy"], path


def test_the_worker_precaches_the_scanner_files_the_page_lists(client, staff, running):
    """The service worker's PRECACHE and the page's assets are the same files, each served,
    the wasm as application/wasm (compiled while it streams) and as the polyfill expects."""
    from workshop.web.checkin import SCANNER_ASSETS

    worker = client.get("/checkin/sw.js").get_data(as_text=True)
    listed = re.search(r"var PRECACHE = \[(.*?)\];", worker, re.S).group(1)
    assert tuple(re.findall(r"'([^']+)'", listed)) == SCANNER_ASSETS
    login(client, staff)
    html = client.get(f"/checkin/{running.id}/{running.sessions[1].id}").get_data(as_text=True)
    raw = re.search(r'id="checkin-config">(.*?)</script>', html, re.S).group(1)
    urls = json.loads(raw)["urls"]
    assert urls["assets"] == [f"/static/{name}" for name in SCANNER_ASSETS]
    assert urls["polyfill"] in urls["assets"] and urls["polyfillWasm"] in urls["assets"]
    for url in urls["assets"]:
        assert client.get(url).status_code == 200, url
    wasm = client.get(urls["polyfillWasm"])
    assert wasm.headers["Content-Type"] == "application/wasm"
    glue = client.get("/static/vendor/barcode-detector/zxing-exported.js").get_data(as_text=True)
    assert hashlib.sha256(wasm.data).hexdigest() in glue  # its ZXING_WASM_SHA256
    # No CDN: the wasm comes from here (the glue's default points at one).
    assert "locateFile" in client.get("/static/js/scanner/camera.js").get_data(as_text=True)
