"""Door check-in pages: choosing a workshop and session, and the scanner that calls the API.

The scanner page is a thin shell: ``static/js/scanner.js`` does the scanning and talks to the
JSON API with the page's CSRF token (see ``api.auth.bearer_user``). A service worker, served
from ``/checkin/sw.js`` so that its scope covers the scanner pages, keeps the page usable
offline.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask import url_for as flask_url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workshop.models import Role, Workshop, WorkshopSession
from workshop.models.types import utcnow
from workshop.services.checkins import checkin_window, current_session, session_counts
from workshop.services.errors import NotConfirmed, NotFound
from workshop.services.offices import managed_workshop
from workshop.services.registrations import registration_status_label
from workshop.services.workshops import PUBLIC_STATUSES, list_workshops
from workshop.thai.dates import BE_OFFSET, ENGLISH_MONTHS, THAI_MONTHS_SHORT
from workshop.web.access import role_required
from workshop.web.i18n import current_locale
from workshop.web.request_input import query_id
from workshop.web.security import policy_with_wasm

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

DOOR = (Role.STAFF, Role.ORGANIZER)
# The Cache Storage name shared by the page script and the service worker.
CACHE_NAME = "workshop-checkin-v2"
# The scanner's files under static/: its ES modules, the BarcodeDetector polyfill with its
# wasm (used where the browser has none) and the styles. The page stores them for offline use
# and the service worker precaches them; static/js/checkin-sw.js lists the same files (a test
# keeps the two lists equal).
POLYFILL = "vendor/barcode-detector/ponyfill.js"
POLYFILL_WASM = "vendor/barcode-detector/zxing_reader.wasm"
SCANNER_ASSETS = (
    "js/scanner.js",
    "js/scanner/api.js",
    "js/scanner/camera.js",
    "js/scanner/feedback.js",
    "js/scanner/queue.js",
    "js/scanner/search.js",
    POLYFILL,
    "vendor/barcode-detector/zxing-exported.js",
    POLYFILL_WASM,
    "css/app.css",
    "css/checkin.css",
)
PAST_SHOWN = 10


def _door_workshop(workshop_id: int) -> Workshop:
    """A workshop of the door's office people can be checked into: published or closed, with
    sessions (else 404)."""
    try:
        workshop = managed_workshop(workshop_id, current_user)
    except NotFound:
        abort(404)
    if workshop.status not in PUBLIC_STATUSES or not workshop.sessions:
        abort(404)
    return workshop


def _session_of(workshop: Workshop, session_id: int) -> WorkshopSession:
    for session in workshop.sessions:
        if session.id == session_id:
            return session
    abort(404)


def _window_open(session: WorkshopSession, now: datetime) -> bool:
    opens, closes = checkin_window(session)
    return opens <= now <= closes


@bp.get("")
@role_required(*DOOR)
def index():
    """Pick a workshop, then one of its sessions (the one open for check-in now by default)."""
    workshop_id = query_id("workshop_id")
    if workshop_id is None:
        return _workshop_list()
    workshop = _door_workshop(workshop_id)
    session_id = query_id("session_id")
    if session_id is not None:
        session = _session_of(workshop, session_id)
        return redirect(flask_url_for(".scanner", workshop_id=workshop.id, session_id=session.id))
    now = utcnow()
    default = current_session(workshop, now)
    return render_template(
        "checkin/sessions.html",
        workshop=workshop,
        default=default,
        windows={s.id: checkin_window(s) for s in workshop.sessions},
        open_now={s.id for s in workshop.sessions if _window_open(s, now)},
    )


def _workshop_list():
    now = utcnow()
    workshops = [
        w
        for w in list_workshops(current_user, managed=True)
        if w.status in PUBLIC_STATUSES and w.sessions
    ]
    open_now, upcoming, past = [], [], []
    current: dict[int, WorkshopSession] = {}
    for workshop in workshops:
        session = next((s for s in workshop.sessions if _window_open(s, now)), None)
        if session is not None:
            current[workshop.id] = session
            open_now.append(workshop)
        elif workshop.ends_at is not None and workshop.ends_at > now:
            upcoming.append(workshop)
        else:
            past.append(workshop)
    upcoming.reverse()  # soonest first (the list comes latest first)
    return render_template(
        "checkin/index.html",
        open_now=open_now,
        upcoming=upcoming,
        past=past[:PAST_SHOWN],
        current=current,
    )


@bp.get("/<int:workshop_id>/<int:session_id>")
@role_required(*DOOR)
def scanner(workshop_id: int, session_id: int):
    workshop = _door_workshop(workshop_id)
    session = _session_of(workshop, session_id)
    # ``?mode=out``: the exit, for workshops that scan people out (hours from the two scans).
    mode = request.args.get("mode", "in")
    if mode not in ("in", "out") or (mode == "out" and not workshop.checkout_enabled):
        abort(404)
    opens, closes = checkin_window(session)
    checked, confirmed = session_counts(session.id)
    config = {
        "workshopId": workshop.id,
        "sessionId": session.id,
        "mode": mode,
        "csrfToken": generate_csrf(),
        "generatedAt": utcnow().isoformat(),
        "cacheName": CACHE_NAME,
        "window": {"opens": opens.isoformat(), "closes": closes.isoformat()},
        "counts": {"checked_in": checked, "confirmed": confirmed},
        "urls": {
            "checkin": flask_url_for("api.checkin_create"),
            "checkout": flask_url_for("api.checkout_create"),
            "undo": flask_url_for("api.checkin_undo", checkin_id=0).rsplit("/", 1)[0] + "/",
            "decode": flask_url_for("api.decode_frame"),
            "roster": flask_url_for(
                "api.workshop_roster", workshop_id=workshop.id, session_id=session.id
            ),
            "attendees": flask_url_for("api.workshop_attendees", workshop_id=workshop.id),
            "csrf": flask_url_for(".csrf_token"),
            "serviceWorker": flask_url_for(".service_worker"),
            "scope": flask_url_for(".index") + "/",
            "login": flask_url_for("auth.login", next=request.path),
            "polyfill": flask_url_for("static", filename=POLYFILL),
            "polyfillWasm": flask_url_for("static", filename=POLYFILL_WASM),
            "assets": [flask_url_for("static", filename=name) for name in SCANNER_ASSETS],
        },
        "strings": _scanner_strings(),
        "dates": _date_parts(),
    }
    page = render_template(
        "checkin/scanner.html",
        workshop=workshop,
        session=session,
        opens=opens,
        closes=closes,
        counts=(checked, confirmed),
        window_open=opens <= utcnow() <= closes,
        config=config,
        mode=mode,
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = policy_with_wasm()
    return response


def _date_parts() -> dict[str, object]:
    """How the scanner script writes a date (as the ``thai_date`` filter's short style does):
    Thai short months and a two-digit Buddhist-Era year, or English months and the CE year."""
    if current_locale() == "en":
        return {"months": [m[:3] for m in ENGLISH_MONTHS], "yearOffset": 0, "shortYear": False}
    return {"months": list(THAI_MONTHS_SHORT), "yearOffset": BE_OFFSET, "shortYear": True}


def _scanner_strings() -> dict[str, str]:
    """Text the scanner script shows, translated here; ``{name}`` marks are filled in by it."""
    return {
        "ready": _("พร้อมสแกน"),
        "readyDetail": _("ส่องบัตร QR ที่กล้อง ใช้เครื่องสแกน หรือพิมพ์รหัสบัตร"),
        "checking": _("กำลังตรวจบัตร…"),
        "time": _("%(hh)s.%(mm)s น.", hh="{hh}", mm="{mm}"),
        "checkedIn": _("เช็กอินแล้ว %(time)s", time="{time}"),
        "alreadyCheckedIn": _("เช็กอินไปแล้วเมื่อ %(time)s", time="{time}"),
        "savedOffline": _("ออฟไลน์: บันทึกไว้ในเครื่อง จะส่งเมื่อกลับมาออนไลน์"),
        # What to do next: a ticket not found sends the door to the name search.
        "unknownTicket": _("ไม่พบบัตรนี้ — ลองค้นหาชื่อ"),
        "unknownTicketDetail": _("ไม่พบบัตรนี้ในรายชื่อของช่วงนี้ (บัตรปลอม ถูกเปลี่ยนใหม่ หรือของการอบรมอื่น)"),
        "notConfirmed": NotConfirmed().message,
        "notConfirmedWaitlisted": NotConfirmed("waitlisted").message,
        "notConfirmedCancelled": NotConfirmed("cancelled").message,
        "noFingerprint": _(
            "เบราว์เซอร์นี้ตรวจบัตรแบบออฟไลน์ไม่ได้ (ไม่ได้เปิดผ่าน HTTPS): บันทึกไว้ จะตรวจเมื่อกลับมาออนไลน์"
        ),
        "notCheckedInYet": _("ยังไม่ได้เช็กอิน"),
        "sessionNotOpen": _(
            "ช่วงนี้เช็กอินได้ระหว่าง %(opens)s ถึง %(closes)s", opens="{opens}", closes="{closes}"
        ),
        "noRoster": _("ออฟไลน์และยังไม่มีรายชื่อในเครื่อง: บันทึกไว้ จะตรวจเมื่อกลับมาออนไลน์"),
        "unverified": _("ยังตรวจบัตรไม่ได้"),
        "serverError": _("ระบบขัดข้อง กรุณาลองใหม่"),
        "signedOut": _("หมดเวลาเข้าสู่ระบบ กรุณาเข้าสู่ระบบใหม่"),
        "signIn": _("เข้าสู่ระบบ"),
        "error": _("เช็กอินไม่ได้"),
        "counter": _("เช็กอินแล้ว %(n)s / %(m)s", n="{n}", m="{m}"),
        "online": _("ออนไลน์"),
        "offline": _("ออฟไลน์"),
        "queueOffline": _("ออฟไลน์: รอส่ง %(n)s รายการ", n="{n}"),
        "queueOnline": _("ออนไลน์: กำลังส่ง %(n)s รายการ", n="{n}"),
        "queueStuck": _("รอส่ง %(n)s รายการ: กรุณาเข้าสู่ระบบใหม่เพื่อส่ง", n="{n}"),
        "rosterInfo": _("รายชื่อในเครื่อง %(n)s คน (อัปเดต %(time)s)", n="{n}", time="{time}"),
        "noRosterYet": _("ยังไม่มีรายชื่อในเครื่อง"),
        "undoConfirm": _("ยกเลิกการเช็กอินของ %(name)s ใช่หรือไม่?", name="{name}"),
        "undone": _("ยกเลิกการเช็กอินแล้ว"),
        "undoFailed": _("ยกเลิกไม่ได้"),
        "cameraInsecure": _("กล้องใช้ได้เมื่อเปิดหน้านี้ผ่าน HTTPS เท่านั้น ใช้เครื่องสแกนหรือพิมพ์รหัสแทน"),
        "cameraFailed": _("เปิดกล้องไม่ได้ (ไม่ได้รับอนุญาตหรือไม่มีกล้อง) ใช้เครื่องสแกนหรือพิมพ์รหัสแทน"),
        "cameraOff": _("ปิดกล้องอยู่"),
        "cameraStart": _("เปิดกล้อง"),
        "cameraStop": _("ปิดกล้อง"),
        "cameraOfflineDecode": _("ออฟไลน์: เบราว์เซอร์นี้อ่าน QR จากกล้องเองไม่ได้ ใช้เครื่องสแกนหรือพิมพ์รหัสแทน"),
        "searchNone": _("ไม่พบชื่อนี้"),
        "searchShort": _("พิมพ์อย่างน้อย 2 ตัวอักษร"),
        "searchFailed": _("ค้นหาไม่ได้"),
        "checkInButton": _("เช็กอิน"),
        "statusConfirmed": registration_status_label("confirmed"),
        "statusWaitlisted": registration_status_label("waitlisted"),
        "syncRefused": _(
            "ไม่รับผลสแกนออฟไลน์: %(name)s (สแกนเวลา %(time)s) — %(message)s "
            "ผู้จัดตรวจรายการนี้ได้ในหน้าการอบรม",
            name="{name}",
            time="{time}",
            message="{message}",
        ),
        "syncRefusedNotKept": _(
            "ไม่รับผลสแกนออฟไลน์: %(name)s (สแกนเวลา %(time)s) — %(message)s",
            name="{name}",
            time="{time}",
            message="{message}",
        ),
        "syncNotSeatedNow": _(
            "ส่งผลสแกนแล้ว: %(name)s เช็กอินเวลา %(time)s "
            "แต่ตอนนี้ไม่ได้อยู่ในรายชื่อผู้ได้ที่นั่งแล้ว จึงไม่นับในจำนวนผู้เช็กอิน",
            name="{name}",
            time="{time}",
        ),
        "unknownPerson": _("ไม่ทราบชื่อ"),
        "checkedOut": _("สแกนออกแล้ว %(time)s", time="{time}"),
        "alreadyCheckedOut": _("สแกนออกไว้แล้วเมื่อ %(time)s", time="{time}"),
        "hoursPresent": _("เวลาเข้าอบรมช่วงนี้ %(hours)s ชั่วโมง", hours="{hours}"),
        "notCheckedIn": _("ผู้นี้ยังไม่ได้เช็กอินช่วงนี้ จึงสแกนออกไม่ได้"),
        "checkOutButton": _("สแกนออก"),
        "readyOut": _("พร้อมสแกนออก"),
    }


@bp.get("/csrf")
@role_required(*DOOR)
def csrf_token():
    """A fresh CSRF token for a scanner page that was served from the offline cache."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.get("/sw.js")
def service_worker():
    """The offline service worker, served from here so its default scope is ``/checkin/``."""
    response = current_app.send_static_file("js/checkin-sw.js")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response
