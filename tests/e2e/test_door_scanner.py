"""The door scanner in a real browser: camera scans decoded by the vendored polyfill (offline
too) or by the server, codes typed by a USB scanner or by hand, name search, undo, and offline
scans that survive a reload and sync later."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, TIMEOUT_MS, sign_in, watch_csp
from tests.e2e.support import workshop_running_now
from tests.support import make_officers
from workshop.extensions import db
from workshop.models import CheckIn
from workshop.qr import qr_matrix
from workshop.services.registrations import cancel_registration, register_officer
from workshop.services.tickets import ticket_fingerprint, ticket_token
from workshop.services.workshops import cancel_workshop
from workshop.thai.dates import THAI_MONTHS_SHORT, to_bangkok

pytestmark = pytest.mark.e2e

QUEUE_KEY = "workshop-checkin-queue"


@pytest.fixture
def door(venue, organizer):
    """A workshop running now with one seat: one officer confirmed, one on the waiting list."""
    workshop = workshop_running_now(venue, organizer, capacity=1)
    first, second = make_officers(2)
    confirmed = register_officer(workshop.id, first, actor=organizer)
    waiting = register_officer(workshop.id, second, actor=organizer)
    assert (confirmed.status, waiting.status) == ("confirmed", "waitlisted")
    return workshop, workshop.sessions[0], confirmed, waiting


def scanner_url(base: str, workshop, session) -> str:
    return f"{base}/checkin/{workshop.id}/{session.id}"


def open_scanner(page, base: str, staff, workshop, session, *, offline_ready: bool = False):
    sign_in(page, base, staff)
    page.goto(scanner_url(base, workshop, session))
    expect(page.locator("#scanner")).to_have_attribute("data-roster", "ready")
    if offline_ready:
        expect(page.locator("#scanner")).to_have_attribute("data-offline-ready", "1")


def count_requests(page, method: str, path: str) -> list[str]:
    """The URLs of the page's ``method`` requests to ``path``, as they are sent."""
    sent: list[str] = []

    def on_request(request) -> None:
        if request.method == method and urlsplit(request.url).path == path:
            sent.append(request.url)

    page.on("request", on_request)
    return sent


def enter_code(page, code: str) -> None:
    page.fill("#code", code)
    page.press("#code", "Enter")


def bangkok_clock(moment: datetime) -> str:
    local = to_bangkok(moment)
    return f"{local.hour:02d}.{local.minute:02d} น."


def checkins() -> list[CheckIn]:
    db.session.rollback()  # a new read snapshot: the browser wrote through the server
    return list(CheckIn.query.order_by(CheckIn.id))


# ---------------------------------------------------------------------- camera


def write_y4m(path: Path, text: str, frames: int = 20) -> None:
    """A 640×480 video of a QR code, big and centred on white (4:2:0, full-range Y)."""
    matrix = qr_matrix(text)
    module = 360 // len(matrix)
    size = module * len(matrix)
    image = Image.new("L", (640, 480), 255)
    draw = ImageDraw.Draw(image)
    left, top = (640 - size) // 2, (480 - size) // 2
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = left + x * module, top + y * module
                draw.rectangle([x0, y0, x0 + module - 1, y0 + module - 1], fill=0)
    luma = image.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_camera_scan_is_decoded_and_checks_in_once(
    launch, live_server, staff, door, tmp_path, shoot
):
    workshop, session, confirmed, _waiting = door
    video = tmp_path / "ticket.y4m"
    write_y4m(video, ticket_token(confirmed))
    camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    with launch(*camera) as chromium:
        context = chromium.new_context(**PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        violations = watch_csp(context)
        try:
            page = context.new_page()
            check_in_requests = count_requests(page, "POST", "/api/v1/checkins")
            open_scanner(page, live_server, staff, workshop, session)
            result = page.locator("#result")
            expect(result).to_have_attribute("data-state", "checked_in")
            expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
            expect(page.locator("#result-agency")).to_have_text(confirmed.user.agency)
            expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
            native = page.evaluate("typeof BarcodeDetector !== 'undefined'")
            decoder = page.locator("#scanner").get_attribute("data-decoder")
            # Headless Linux Chromium has no BarcodeDetector: the vendored polyfill reads.
            assert decoder == ("native" if native else "polyfill")
            # The code stays in front of the camera: the next frames decode it again, and it
            # must not be posted again. Three more frames read, still one check-in.
            page.wait_for_function(
                "n => Number(document.getElementById('scanner').dataset.framesRead) >= n",
                arg=int(page.locator("#scanner").get_attribute("data-frames-read")) + 3,
            )
            assert len(check_in_requests) == 1
            expect(result).to_have_attribute("data-state", "checked_in")
            shoot(page, "camera-checked-in")
        finally:
            context.close()
    assert violations == [], "Content-Security-Policy violations"
    rows = checkins()
    assert len(rows) == 1
    assert (rows[0].registration_id, rows[0].session_id) == (confirmed.id, session.id)
    assert rows[0].method == "qr"


HIDE_NATIVE_DETECTOR = "delete window.BarcodeDetector"  # as on iPhones, Firefox, Linux


def test_offline_camera_scan_decodes_through_the_polyfill(
    launch, live_server, staff, door, tmp_path, shoot
):
    """A browser without BarcodeDetector, offline: the polyfill and its wasm come from the
    service worker's cache (stored on install, never used online on this device), and the QR
    code in front of the camera checks the person in on the device, sent when back online."""
    workshop, session, confirmed, _waiting = door
    video = tmp_path / "ticket.y4m"
    write_y4m(video, ticket_token(confirmed))
    # No --use-fake-ui-for-media-stream: the camera is refused until permission is granted.
    with launch(
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"
    ) as chromium:
        context = chromium.new_context(**PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(HIDE_NATIVE_DETECTOR)
        violations = watch_csp(context)
        wasm_requests: list[str] = []
        context.on(
            "request",
            lambda r: wasm_requests.append(r.url) if r.url.endswith(".wasm") else None,
        )
        try:
            page = context.new_page()
            scanner = page.locator("#scanner")
            open_scanner(page, live_server, staff, workshop, session, offline_ready=True)
            expect(scanner).to_have_attribute("data-camera", "off")  # refused: no decoder yet
            assert scanner.get_attribute("data-decoder") == "none"

            context.grant_permissions(["camera"])
            context.set_offline(True)
            wasm_requests.clear()
            response = page.reload()
            assert response is not None and response.from_service_worker
            result = page.locator("#result")
            expect(result).to_have_attribute("data-state", "checked_in")
            expect(result).to_have_attribute("data-offline", "1")
            expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
            assert scanner.get_attribute("data-decoder") == "polyfill"
            assert page.evaluate("typeof window.BarcodeDetector") == "undefined"
            assert scanner.get_attribute("data-frames-sent") is None  # nothing to the server
            assert wasm_requests, "the wasm was loaded"
            expect(page.locator("#net")).to_have_text("ออฟไลน์: รอส่ง 1 รายการ")
            shoot(page, "offline-polyfill-camera")
            assert checkins() == []

            context.set_offline(False)
            expect(page.locator("#net")).to_have_attribute("data-queue", "0")
        finally:
            context.close()
    assert violations == [], "Content-Security-Policy violations"
    rows = checkins()
    assert [(r.registration_id, r.method) for r in rows] == [(confirmed.id, "offline")]


def test_camera_falls_back_to_the_server_when_the_polyfill_cannot_load(
    launch, live_server, staff, door, tmp_path
):
    workshop, session, confirmed, _waiting = door
    video = tmp_path / "ticket.y4m"
    write_y4m(video, ticket_token(confirmed))
    camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    with launch(*camera) as chromium:
        # No service worker, so that the browser's own route sees every request.
        context = chromium.new_context(**PHONE, service_workers="block")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(HIDE_NATIVE_DETECTOR)
        context.route("**/*.wasm", lambda route: route.abort())
        try:
            page = context.new_page()
            open_scanner(page, live_server, staff, workshop, session)
            expect(page.locator("#result")).to_have_attribute("data-state", "checked_in")
            scanner = page.locator("#scanner")
            assert scanner.get_attribute("data-decoder") == "server"
            assert int(scanner.get_attribute("data-frames-sent")) >= 1
        finally:
            context.close()
    assert [r.method for r in checkins()] == ["qr"]


# ---------------------------------------------------------------------- results


def test_green_amber_and_red_results(phone, live_server, staff, organizer, door, shoot):
    workshop, session, confirmed, waiting = door
    page = phone.new_page()
    sign_in(page, live_server, staff)
    # From the menu: the workshop list, then the sessions with the one open now chosen.
    page.click(".topbar >> text=เช็กอินหน้างาน")
    expect(page.locator("h2").first).to_have_text("เปิดเช็กอินอยู่ตอนนี้")
    shoot(page, "picker-workshops")
    page.click("text=เลือกช่วงการอบรม")
    expect(page.locator(f'input[name="session_id"][value="{session.id}"]')).to_be_checked()
    shoot(page, "picker-sessions")
    page.click("text=เปิดหน้าสแกน")
    page.wait_for_url(scanner_url(live_server, workshop, session))
    expect(page.locator("#scanner")).to_have_attribute("data-roster", "ready")
    shoot(page, "ready")
    result = page.locator("#result")

    enter_code(page, ticket_token(confirmed))
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
    (row,) = checkins()
    assert row.method == "manual"
    expect(page.locator("#result-headline")).to_have_text(
        f"เช็กอินแล้ว {bangkok_clock(row.scanned_at)}"
    )
    shoot(page, "green-checked-in")

    enter_code(page, ticket_token(confirmed).lower())
    expect(result).to_have_attribute("data-state", "already_checked_in")
    expect(page.locator("#result-headline")).to_have_text(
        f"เช็กอินไปแล้วเมื่อ {bangkok_clock(row.scanned_at)}"
    )
    expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
    shoot(page, "amber-already-checked-in")

    enter_code(page, "T1" + "A" * 36)
    expect(result).to_have_attribute("data-state", "error")
    expect(result).to_have_attribute("data-code", "invalid_ticket")
    # What to do next: ask the name, in the search that now has the focus.
    expect(page.locator("#result-headline")).to_have_text("ไม่พบบัตรนี้ — ลองค้นหาชื่อ")
    expect(page.locator("#result-detail")).to_contain_text("บัตรไม่ถูกต้อง")
    expect(page.locator("#search")).to_be_focused()
    shoot(page, "red-forged-ticket")

    enter_code(page, ticket_token(waiting))
    expect(result).to_have_attribute("data-code", "not_confirmed")
    headline = page.locator("#result-headline")
    expect(headline).to_contain_text("อยู่ในรายชื่อสำรอง ยังไม่ได้ที่นั่ง")
    expect(headline).to_contain_text("ผู้จัดรับเป็นผู้เข้าอบรมหน้างาน (walk-in) ได้")
    # The roster on the device knows whose ticket it is.
    expect(page.locator("#result-name")).to_have_text(waiting.user.full_name)
    shoot(page, "red-waitlisted")

    cancel_registration(waiting.id, organizer)
    enter_code(page, ticket_token(waiting))
    expect(headline).to_contain_text("การลงทะเบียนของผู้ถือบัตรถูกยกเลิกแล้ว")
    expect(headline).to_contain_text("walk-in")

    assert len(checkins()) == 1
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")


def test_usb_scanner_name_search_and_undo(phone, live_server, staff, door, shoot):
    workshop, session, confirmed, waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session)
    result = page.locator("#result")

    # A USB scanner is a keyboard that types the code in a burst and presses Enter; the field
    # has the focus without anyone clicking it.
    page.keyboard.type(ticket_token(confirmed))
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-state", "checked_in")
    assert [r.method for r in checkins()] == ["qr"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#undo")
    expect(result).to_have_attribute("data-state", "undone")
    expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 0 / 1")
    expect(page.locator("#undo")).to_be_disabled()
    assert checkins() == []
    shoot(page, "undone")

    page.fill("#search", confirmed.user.first_name)
    button = page.locator(f'#search-results button[data-registration-id="{confirmed.id}"]')
    expect(page.locator("#search-results li")).to_contain_text([confirmed.user.full_name])
    page.locator("#search-results").scroll_into_view_if_needed()
    shoot(page, "name-search")
    button.click()
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
    assert [r.method for r in checkins()] == ["search"]
    expect(page.locator("#code")).to_be_focused()

    # The search says who is in already, and since when (Bangkok time, Buddhist-Era year).
    (row,) = checkins()
    local = to_bangkok(row.scanned_at)
    when = f"{local.day} {THAI_MONTHS_SHORT[local.month - 1]} {(local.year + 543) % 100:02d}"
    page.fill("#search", confirmed.user.first_name)
    found = page.locator(f'#search-results li:has(button[data-registration-id="{confirmed.id}"])')
    expect(found.locator(".search-checked-in")).to_have_text(
        f"เช็กอินแล้ว {when} {bangkok_clock(row.scanned_at)}"
    )
    shoot(page, "name-search-checked-in")
    page.fill("#search", waiting.user.first_name)
    found = page.locator(f'#search-results li:has(button[data-registration-id="{waiting.id}"])')
    expect(found.locator(".search-not-yet")).to_have_text("ยังไม่ได้เช็กอิน")


def test_code_field_gives_the_keyboard_on_a_tap_and_still_takes_a_scanner(
    phone, live_server, staff, door
):
    workshop, session, confirmed, _waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session)
    code = page.locator("#code")
    # Focused by the page: no on-screen keyboard over the result, but a scanner types in.
    expect(code).to_be_focused()
    expect(code).to_have_attribute("inputmode", "none")
    page.tap("#search")
    page.tap("#code")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("inputmode", "text")
    page.keyboard.type(ticket_token(confirmed))
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-state", "checked_in")

    # A ticket not found sends the door to the name search; the next person's ticket from a
    # hardware scanner lands there, and is still read as a ticket.
    enter_code(page, "T1" + "C" * 36)
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type(ticket_token(confirmed))
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-state", "already_checked_in")
    expect(page.locator("#search")).to_have_value("")
    assert [r.method for r in checkins()] == ["qr"]


# ---------------------------------------------------------------------- offline


def test_offline_scans_survive_a_reload_and_sync_later(phone, live_server, staff, door, shoot):
    workshop, session, confirmed, waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session, offline_ready=True)
    result = page.locator("#result")
    net = page.locator("#net")

    phone.set_offline(True)
    expect(net).to_have_attribute("data-online", "0")
    enter_code(page, ticket_token(confirmed))
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(result).to_have_attribute("data-offline", "1")
    expect(page.locator("#result-name")).to_have_text(confirmed.user.full_name)
    expect(net).to_have_text("ออฟไลน์: รอส่ง 1 รายการ")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
    shoot(page, "offline-green-queued")

    # Checked against the roster on the device: the waiting list and forgeries stay out.
    enter_code(page, ticket_token(waiting))
    expect(result).to_have_attribute("data-code", "not_confirmed")
    expect(page.locator("#result-name")).to_have_text(waiting.user.full_name)
    enter_code(page, "T1" + "B" * 36)
    expect(result).to_have_attribute("data-code", "invalid_ticket")
    shoot(page, "offline-red-unknown")
    (queued,) = page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    assert queued["fingerprint"] == ticket_fingerprint(ticket_token(confirmed))
    assert checkins() == []

    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(net).to_have_text("ออฟไลน์: รอส่ง 1 รายการ")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
    enter_code(page, ticket_token(confirmed))
    expect(result).to_have_attribute("data-state", "already_checked_in")
    expect(result).to_have_attribute("data-offline", "1")
    expect(net).to_have_attribute("data-queue", "1")
    shoot(page, "offline-after-reload")

    # The sync comes at least 300 ms after the scan, so the server's time differs from it.
    scanned_ms = datetime.fromisoformat(queued["scanned_at"].replace("Z", "+00:00")).timestamp()
    page.wait_for_function("t => Date.now() >= t", arg=scanned_ms * 1000 + 300)
    phone.set_offline(False)
    expect(net).to_have_attribute("data-queue", "0")
    expect(net).to_have_text("ออนไลน์")
    expect(page.locator("#counter")).to_have_text("เช็กอินแล้ว 1 / 1")
    (row,) = checkins()
    assert (row.registration_id, row.session_id, row.method) == (
        confirmed.id,
        session.id,
        "offline",
    )
    scanned = datetime.fromisoformat(queued["scanned_at"].replace("Z", "+00:00"))
    assert abs(row.scanned_at - scanned) < timedelta(milliseconds=1)
    assert row.recorded_at - row.scanned_at >= timedelta(milliseconds=300)
    shoot(page, "offline-synced")


def test_fingerprints_by_webcrypto_match_the_server(phone, live_server, staff, door):
    """Web Crypto's SHA-256 (a secure context: localhost here, https at a venue) gives the
    server's ticket fingerprints, so tickets are checked against the roster offline."""
    workshop, session, confirmed, _waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session)
    samples = [
        f"  {ticket_token(confirmed).lower()} ",
        ticket_token(confirmed),
        "abc",
        "ก" * 40,
        "x" * 55,
        "y" * 64,
        "z" * 1000,
    ]
    fingerprints = page.evaluate(
        "samples => Promise.all(samples.map(s => checkinScanner.fingerprint(s)))", samples
    )
    assert fingerprints == [ticket_fingerprint(s) for s in samples]
    assert fingerprints[0] == ticket_fingerprint(ticket_token(confirmed))
    assert json.loads(page.locator("#checkin-config").text_content())["sessionId"] == session.id


def test_signing_out_forgets_the_rosters_but_keeps_unsent_scans(phone, live_server, staff, door):
    workshop, session, confirmed, _waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session, offline_ready=True)
    phone.set_offline(True)
    enter_code(page, ticket_token(confirmed))
    expect(page.locator("#net")).to_have_text("ออฟไลน์: รอส่ง 1 รายการ")
    phone.set_offline(False)
    page.route("**/api/v1/checkins", lambda route: route.abort())  # keep the scan unsent

    def stored() -> list[str]:
        return page.evaluate("Object.keys(window.localStorage)")

    assert any(k.startswith("workshop-checkin-roster:") for k in stored())
    page.goto(live_server + "/")
    # Already on "/": wait for the sign-out's own navigation, not for the URL.
    with page.expect_navigation():
        page.click("form[data-signout] button")
    expect(page.locator(".flash")).to_contain_text("ออกจากระบบแล้ว")
    keys = stored()
    assert not any(
        k.startswith(("workshop-checkin-roster:", "workshop-checkin-counts:")) for k in keys
    )
    assert QUEUE_KEY in keys
    assert page.evaluate("caches.has('workshop-checkin-v2')") is False


def test_a_cancelled_workshop_stops_the_door_even_offline(
    phone, live_server, staff, organizer, door, shoot
):
    """Cancelled while the door is open: the next roster refresh tells the device, which then
    refuses scans made offline (and after a reload) instead of queueing them."""
    workshop, session, confirmed, _waiting = door
    page = phone.new_page()
    open_scanner(page, live_server, staff, workshop, session, offline_ready=True)
    cancel_workshop(workshop.id, organizer, "น้ำท่วมศูนย์ศึกษาและพัฒนาชุมชน")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the 30 s refresh, now
    scanner = page.locator("#scanner")
    expect(scanner).to_have_attribute("data-roster", "cancelled")
    expect(page.locator("#roster-info")).to_have_text("การอบรมนี้ถูกยกเลิกแล้ว เช็กอินไม่ได้")

    phone.set_offline(True)
    result = page.locator("#result")
    enter_code(page, ticket_token(confirmed))
    expect(result).to_have_attribute("data-code", "workshop_cancelled")
    expect(result).to_have_attribute("data-offline", "1")
    expect(page.locator("#net")).to_have_attribute("data-queue", "0")
    # The browser's Thai dictionary would break เช็|กอิน at a line end: kept in one piece.
    expect(page.locator("#result-headline .nowrap")).to_have_text("เช็กอิน")
    shoot(page, "offline-red-cancelled")
    page.reload()
    expect(scanner).to_have_attribute("data-roster", "cancelled")
    enter_code(page, ticket_token(confirmed))
    expect(result).to_have_attribute("data-code", "workshop_cancelled")
    assert page.evaluate(f"localStorage.getItem('{QUEUE_KEY}')") in (None, "[]")
    phone.set_offline(False)
    assert checkins() == []
