"""LINE pages: linking an officer's LINE account (LINE Login), the notice channel, LINE's webhook,
and the ticket QR images that LINE's servers fetch for the notices.

Every route answers 404 while LINE is not configured (``services.line.line_settings``).
"""

from __future__ import annotations

import hmac
import json
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from workshop.error_responses import error_page, json_error
from workshop.extensions import csrf
from workshop.models import Role
from workshop.qr import qr_png
from workshop.services.errors import DomainError
from workshop.services.line import (
    LineSettings,
    LineUnavailable,
    LoginAttempt,
    authorization_url,
    finish_login,
    line_settings,
    new_login_attempt,
    signature_matches,
)
from workshop.services.line_accounts import (
    apply_webhook_events,
    choose_notice_channel,
    link_line_account,
    unlink_line_account,
)
from workshop.services.tickets import registration_for_ticket
from workshop.web.access import role_required
from workshop.web.security import policy_with_form_action

bp = Blueprint("line", __name__)

SESSION_KEY = "line_login"
# A linking attempt must come back from LINE within this time (LINE's own login page included).
ATTEMPT_SECONDS = 15 * 60
QR_IMAGE_BOX = 20  # 20-pixel modules: a sharp, large image in the chat (about 740 pixels)


def _settings() -> LineSettings:
    settings = line_settings()
    if settings is None:
        abort(404)
    return settings


def _back_to_profile():
    return redirect(url_for("auth.profile", _anchor="line"))


@bp.get("/auth/line")
@role_required(Role.OFFICER)
def start():
    """What linking sends to LINE and receives from it, before the officer goes there."""
    settings = _settings()
    response = make_response(render_template("auth/line.html"))
    access = urlsplit(settings.access_url)
    response.headers["Content-Security-Policy"] = policy_with_form_action(
        f"{access.scheme}://{access.netloc}"
    )
    return response


@bp.post("/auth/line/link")
@role_required(Role.OFFICER)
def link():
    settings = _settings()
    attempt = new_login_attempt()
    # The browser's session is signed, and SameSite=Lax still sends it on LINE's redirect back.
    session[SESSION_KEY] = {
        "state": attempt.state,
        "nonce": attempt.nonce,
        "verifier": attempt.code_verifier,
        "user": current_user.id,
        "at": int(time.time()),
    }
    return redirect(authorization_url(settings, attempt))


def _pending_attempt(state: str) -> LoginAttempt | None:
    """The attempt this callback belongs to, used once; None for a forged, stale or replayed
    callback, or one that another account of this browser started."""
    saved = session.pop(SESSION_KEY, None)
    if not isinstance(saved, dict):
        return None
    fresh = int(time.time()) - int(saved.get("at", 0)) <= ATTEMPT_SECONDS
    expected = str(saved.get("state", ""))
    if (
        not fresh
        or saved.get("user") != current_user.id
        or not expected
        or not hmac.compare_digest(state.encode(), expected.encode())
    ):
        return None
    return LoginAttempt(
        state=expected, nonce=str(saved["nonce"]), code_verifier=str(saved["verifier"])
    )


@bp.get("/auth/line/callback")
@role_required(Role.OFFICER)
def callback():
    settings = _settings()
    attempt = _pending_attempt(request.args.get("state", ""))
    if attempt is None:
        return error_page(
            400, _("คำขอเชื่อมต่อ LINE ไม่ถูกต้องหรือหมดอายุ ไม่มีการเปลี่ยนแปลงใด ๆ กรุณาเริ่มใหม่จากหน้าข้อมูลส่วนตัว")
        )
    if request.args.get("error"):  # the officer cancelled on LINE's consent screen
        flash(_("คุณยกเลิกที่หน้าของ LINE จึงยังไม่ได้เชื่อมต่อบัญชี LINE"), "info")
        return _back_to_profile()
    try:
        line_user_id = finish_login(settings, request.args.get("code", ""), attempt)
        link_line_account(current_user, line_user_id)
    except LineUnavailable:
        flash(_("ติดต่อ LINE ไม่ได้ในขณะนี้ กรุณาลองใหม่อีกครั้ง"), "error")
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("เชื่อมต่อบัญชี LINE แล้ว การแจ้งเตือนจะส่งทางช่องทางที่เลือกด้านล่าง"), "success")
    return _back_to_profile()


@bp.post("/auth/line/unlink")
@role_required(Role.OFFICER)
def unlink():
    _settings()
    unlink_line_account(current_user)
    flash(_("ยกเลิกการเชื่อมต่อบัญชี LINE แล้ว การแจ้งเตือนจะส่งทางอีเมลเท่านั้น"), "success")
    return _back_to_profile()


@bp.post("/auth/line/channel")
@role_required(Role.OFFICER)
def channel():
    _settings()
    try:
        choose_notice_channel(current_user, request.form.get("channel", ""))
    except DomainError as exc:
        message = getattr(exc, "fields", {}).get("channel", exc.message)
        flash(message, "error")
    else:
        flash(_("บันทึกช่องทางรับการแจ้งเตือนแล้ว"), "success")
    return _back_to_profile()


@bp.post("/line/webhook")
@csrf.exempt  # LINE signs the body instead (X-Line-Signature)
def webhook():
    """LINE's webhook: follow and unfollow events change where notices go."""
    settings = line_settings()
    if settings is None:
        return json_error(404, "not_found", _("ไม่ได้ตั้งค่า LINE"))
    body = request.get_data(cache=False)
    if not signature_matches(settings, body, request.headers.get("X-Line-Signature")):
        return json_error(401, "invalid_signature", _("ลายเซ็น X-Line-Signature ไม่ถูกต้อง"))
    try:
        payload = json.loads(body)
        events = payload["events"]
        if not isinstance(events, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return json_error(400, "bad_request", _("ข้อมูลจาก LINE อ่านไม่ได้"))
    apply_webhook_events(events)
    return jsonify({"status": "ok"})


@bp.get("/line/tickets/<token>.png")
def ticket_image(token: str):
    """The QR of a ticket that stands, for the LINE notice's image. Knowing the ticket code is
    what lets one draw its QR anyway, so the code alone opens it; a reissued or cancelled
    ticket's image is gone."""
    _settings()
    registration = registration_for_ticket(token)
    if registration is None:
        abort(404)
    return Response(
        qr_png(token.strip().upper(), QR_IMAGE_BOX),
        mimetype="image/png",
        headers={"Cache-Control": "no-store"},
    )
