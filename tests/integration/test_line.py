"""LINE: linking an officer's account through LINE Login, notices by LINE, e-mail or both, the
signed webhook, the share link, PDPA. Run against a local fake of the LINE Platform
(tests/line_fake.py) that checks every request's shape as LINE documents it, and the real
aiosmtpd server for the e-mail side (tests/integration/test_mail.py's fixtures)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.integration.test_mail import Inbox, inbox, mail_config, smtp_server  # noqa: F401
from tests.line_fake import FakeLine, webhook_body, webhook_event
from tests.support import login, make_user, open_workshop, submit_form
from workshop import create_app
from workshop.extensions import db
from workshop.models import AuditEvent, Notification, Registration, User
from workshop.services.accounts import issue_api_token
from workshop.services.line_accounts import link_line_account
from workshop.services.notifications import deliver_due
from workshop.services.registrations import cancel_registration, register_officer, rotate_ticket
from workshop.services.tickets import ticket_token

# LINE fetches images only from https addresses, so the system is "at" one in these tests.
BASE = "https://workshop.example.go.th"
CALLBACK = f"{BASE}/auth/line/callback"


@pytest.fixture
def line(app: Flask) -> Iterator[FakeLine]:
    """LINE configured for one test and pointed at a fresh fake; everything put back after.
    A request of the system that LINE would refuse as malformed fails the test."""
    fake = FakeLine().start()
    keys = (*fake.app_config(), "BASE_URL")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(fake.app_config(), BASE_URL=BASE)
    try:
        yield fake
    finally:
        app.config.update(saved)
        fake.stop()
    assert fake.problems == [], "requests LINE would refuse as malformed"


@pytest.fixture
def mails(request: pytest.FixtureRequest) -> Inbox:
    """The mail tests' real SMTP server (their ``inbox`` fixture), for each notice's e-mail."""
    return request.getfixturevalue("inbox")


@pytest.fixture
def signed_in(client: FlaskClient, officer: User) -> FlaskClient:
    login(client, officer)
    return client


def follow_to_line(response) -> str:
    """Where the system sent the browser: LINE's authorization URL."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def authorize_at_line(fake: FakeLine, authorization_url: str) -> str:
    """The officer approves on (fake) LINE: returns the callback URL LINE redirects back to."""
    parts = urlsplit(authorization_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return response.getheader("Location")
    finally:
        connection.close()


def callback(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(parts.path, query_string=parts.query)


def start_linking(client: FlaskClient) -> str:
    return follow_to_line(submit_form(client, "/auth/line", {}, action="/auth/line/link"))


def link_through_line(client: FlaskClient, fake: FakeLine) -> str:
    """The whole flow as a browser goes through it; returns the LINE user id linked."""
    response = callback(client, authorize_at_line(fake, start_linking(client)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/profile#line")
    return fake.next_user_id


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def choose(client: FlaskClient, channel: str) -> None:
    response = submit_form(
        client, "/auth/profile", {"channel": channel}, action="/auth/line/channel"
    )
    assert response.status_code == 302


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def signed_webhook(client: FlaskClient, fake: FakeLine, events: list[dict]):
    body = webhook_body(events)
    return client.post(
        "/line/webhook",
        data=body,
        headers={"X-Line-Signature": fake.sign(body), "Content-Type": "application/json"},
    )


def decode_qr(png: bytes) -> str:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    (result,) = zxingcpp.read_barcodes(image.convert("L"))
    return result.text


# --- configuration -----------------------------------------------------------------------------


def test_without_line_settings_nothing_about_line_shows(
    app, client, officer, organizer, venue, signed_in
):
    assert not app.config["LINE_CHANNEL_ACCESS_TOKEN"]
    workshop = open_workshop(venue, organizer)
    profile = signed_in.get("/auth/profile").get_data(as_text=True)
    assert "LINE" not in profile
    page = signed_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "LINE" not in page and "social-plugins.line.me" not in page
    assert signed_in.get("/auth/line").status_code == 404
    assert signed_in.get("/auth/line/callback?state=x&code=y").status_code == 404
    response = client.post("/line/webhook", data=b'{"events": []}')
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_half_a_line_configuration_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="WORKSHOP_LINE_LOGIN_CHANNEL_ID"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                "SECRET_KEY": "x",
                "LINE_CHANNEL_ACCESS_TOKEN": "token",
                "LINE_CHANNEL_SECRET": "secret",
            }
        )


def test_public_workshop_page_has_a_share_to_line_link(line, client, organizer, venue):
    workshop = open_workshop(venue, organizer)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    address = f"https%3A%2F%2Fworkshop.example.go.th%2Fworkshops%2F{workshop.id}"
    assert f'href="https://social-plugins.line.me/lineit/share?url={address}"' in page
    assert "แชร์ไปที่ LINE" in page


# --- linking -----------------------------------------------------------------------------------


def test_linking_through_line_login_with_pkce_state_and_nonce(line, signed_in, officer):
    profile = signed_in.get("/auth/profile").get_data(as_text=True)
    assert 'id="line"' in profile and "เชื่อมต่อบัญชี LINE" in profile
    consent = signed_in.get("/auth/line").get_data(as_text=True)
    for said in ("ข้อมูลที่ส่งให้ LINE", "รหัสผู้ใช้ LINE ของคุณเท่านั้น", "ยกเลิกได้ทุกเมื่อ"):
        assert said in consent

    authorization = start_linking(signed_in)
    assert authorization.startswith(f"{line.url}/oauth2/v2.1/authorize?")
    asked = query_of(authorization)
    assert asked["response_type"] == "code"
    assert asked["client_id"] == line.login_channel_id
    assert asked["redirect_uri"] == CALLBACK
    assert asked["scope"] == "openid"  # the LINE user id only: no name, picture or e-mail
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32

    back = authorize_at_line(line, authorization)
    assert query_of(back)["state"] == asked["state"]
    response = callback(signed_in, back)
    assert response.headers["Location"].endswith("/auth/profile#line")

    # The code went back with the verifier whose SHA-256 is the challenge; the ID token was
    # verified against the nonce of this attempt.
    (token_request,) = line.token_requests
    verifier = token_request["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert digest.rstrip(b"=").decode() == asked["code_challenge"]
    assert token_request["redirect_uri"] == CALLBACK
    (verify_request,) = line.verify_requests
    assert verify_request["nonce"] == asked["nonce"]
    assert verify_request["client_id"] == line.login_channel_id

    user = fresh(officer)
    assert user.line_user_id == line.next_user_id
    assert user.line_linked_at is not None and user.line_blocked_at is None
    assert user.notice_channel == "both"
    page = signed_in.get("/auth/profile").get_data(as_text=True)
    assert "เชื่อมต่อบัญชี LINE แล้ว" in page
    assert 'value="both" checked' in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == user.id))
    assert "user.line_link" in list(actions)

    # The same callback again (a replay): the attempt was used up.
    replay = callback(signed_in, back)
    assert replay.status_code == 400
    assert len(line.token_requests) == 1


def test_a_wrong_state_is_refused_and_nothing_changes(line, signed_in, officer):
    back = authorize_at_line(line, start_linking(signed_in))
    forged = back.replace(f"state={query_of(back)['state']}", "state=forged-by-another-site")
    response = callback(signed_in, forged)
    assert response.status_code == 400
    assert "คำขอเชื่อมต่อ LINE ไม่ถูกต้องหรือหมดอายุ" in response.get_data(as_text=True)
    assert line.token_requests == []  # the code was never exchanged
    assert fresh(officer).line_user_id is None
    # Nor does a callback that no linking on this browser started.
    assert callback(signed_in, back).status_code == 400
    assert fresh(officer).line_user_id is None


def test_an_id_token_for_another_nonce_is_refused(line, signed_in, officer):
    line.id_token_nonce = "nonce-of-another-login"
    response = callback(signed_in, authorize_at_line(line, start_linking(signed_in)))
    assert response.status_code == 302
    assert len(line.verify_requests) == 1  # LINE said no
    assert fresh(officer).line_user_id is None
    page = signed_in.get("/auth/profile").get_data(as_text=True)
    assert "เชื่อมต่อบัญชี LINE ไม่สำเร็จ" in page


def test_cancelling_on_line_changes_nothing(line, signed_in, officer):
    state = query_of(start_linking(signed_in))["state"]
    response = signed_in.get(
        "/auth/line/callback", query_string={"error": "access_denied", "state": state}
    )
    assert response.status_code == 302
    assert fresh(officer).line_user_id is None
    assert line.token_requests == []


def test_one_line_account_links_one_user(line, app, signed_in, officer):
    other = make_user("officer", "somsak@example.go.th", first_name="สมศักดิ์")
    link_line_account(other, line.next_user_id)
    link_through_line(signed_in, line)
    assert fresh(officer).line_user_id is None
    assert "เชื่อมกับบัญชีผู้ใช้อื่น" in signed_in.get("/auth/profile").get_data(as_text=True)


def test_unlinking_forgets_the_line_user_id(line, signed_in, officer):
    link_through_line(signed_in, line)
    response = submit_form(signed_in, "/auth/profile", {}, action="/auth/line/unlink")
    assert response.status_code == 302
    user = fresh(officer)
    assert (user.line_user_id, user.line_linked_at, user.notice_channel) == (None, None, "email")
    assert "line-linked" not in signed_in.get("/auth/profile").get_data(as_text=True)


def test_only_officers_link_line(line, client, staff):
    login(client, staff)
    assert client.get("/auth/line").status_code == 403


# --- notices -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "pushes", "mailed"), [("line", 1, 0), ("email", 0, 1), ("both", 1, 1)]
)
def test_notices_go_where_the_officer_chose(
    line, mails, signed_in, officer, organizer, venue, channel, pushes, mailed
):
    user_id = link_through_line(signed_in, line)
    choose(signed_in, channel)
    assert fresh(officer).notice_channel == channel

    registration = register_officer(open_workshop(venue, organizer).id, officer)

    assert len(line.pushes_to(user_id)) == pushes
    assert len(mails.envelopes) == mailed
    notice = Notification.query.one()
    assert notice.sent_at is not None and notice.attempts == 1
    assert (notice.line_sent_at is not None) == bool(pushes)
    assert (notice.mailed_at is not None) == bool(mailed)
    if pushes:
        (push,) = line.pushes
        assert push.headers["authorization"] == f"Bearer {line.channel_access_token}"
        assert uuid.UUID(push.headers["x-line-retry-key"])
        (message,) = push.body["messages"]
        assert message["type"] == "flex"
        title = registration.workshop.title
        assert message["altText"] == f"ยืนยันที่นั่ง: {title}"
        bubble = message["contents"]
        texts = json.dumps(bubble, ensure_ascii=False)
        assert title in texts and ticket_token(registration) in texts
        assert bubble["footer"]["contents"][0]["action"]["uri"] == f"{BASE}/my/registrations"


def test_the_confirmation_shows_the_ticket_qr_in_the_chat(
    line, signed_in, client, officer, organizer, venue
):
    link_through_line(signed_in, line)
    choose(signed_in, "line")
    registration = register_officer(open_workshop(venue, organizer).id, officer)
    (push,) = line.pushes
    hero = push.body["messages"][0]["contents"]["hero"]
    token = ticket_token(registration)
    assert hero["url"] == f"{BASE}/line/tickets/{token}.png"
    assert hero["action"]["uri"] == hero["url"]  # tap: the QR full size
    assert "แสดงคิวอาร์โค้ดนี้ต่อเจ้าหน้าที่" in json.dumps(push.body, ensure_ascii=False)

    # What LINE's servers fetch: no sign-in, the ticket's own QR.
    client.post("/auth/logout", data={})
    image = client.get(urlsplit(hero["url"]).path)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert decode_qr(image.data) == token

    rotate_ticket(registration, organizer)  # reissued: the old QR image is gone
    assert client.get(urlsplit(hero["url"]).path).status_code == 404
    assert client.get("/line/tickets/T1FORGED.png").status_code == 404


def test_without_an_https_address_the_ticket_code_goes_as_text(
    line, app, signed_in, officer, organizer, venue
):
    link_through_line(signed_in, line)
    choose(signed_in, "line")
    app.config["BASE_URL"] = "http://192.0.2.10:5000"  # LINE cannot fetch images from here
    registration = register_officer(open_workshop(venue, organizer).id, officer)
    (push,) = line.pushes
    bubble = push.body["messages"][0]["contents"]
    assert "hero" not in bubble
    said = json.dumps(bubble, ensure_ascii=False)
    assert ticket_token(registration) in said
    assert "คิวอาร์โค้ดในหน้าบัตรเข้างาน (ปุ่มด้านล่าง)" in said  # not "this QR": there is none


@pytest.mark.parametrize("status", [400, 403])
def test_a_blocked_user_is_recorded_not_retried_and_gets_mail(
    line, mails, signed_in, officer, organizer, venue, status
):
    user_id = link_through_line(signed_in, line)
    choose(signed_in, "line")
    line.blocked = {user_id}
    line.blocked_status = status

    registration = register_officer(open_workshop(venue, organizer).id, officer)

    assert len(line.push_attempts) == 1 and line.pushes == []
    assert len(mails.envelopes) == 1  # fell back to e-mail
    notice = Notification.query.one()
    assert notice.sent_at is not None  # done: not retried
    assert notice.line_error.startswith(f"LINE {status}")
    assert notice.line_sent_at is None and notice.mailed_at is not None
    assert fresh(officer).line_blocked_at is not None
    assert deliver_due(now=notice.created_at + timedelta(days=2)) == 0
    assert len(line.push_attempts) == 1

    # No more pushes to them: the next notice goes straight to e-mail.
    cancel_registration(registration.id, officer, reason="ติดราชการ")
    assert len(line.push_attempts) == 1
    assert len(mails.envelopes) == 2
    page = signed_in.get("/auth/profile").get_data(as_text=True)
    assert "LINE แจ้งว่าส่งข้อความถึงคุณไม่ได้" in page


@pytest.mark.parametrize("status", [500, 503, 429])
def test_line_5xx_and_429_are_retried_through_the_queue(
    line, mails, signed_in, officer, organizer, venue, status
):
    user_id = link_through_line(signed_in, line)  # notices to both
    line.push_failures = [status]

    register_officer(open_workshop(venue, organizer).id, officer)

    assert line.pushes == [] and len(line.push_attempts) == 1
    assert len(mails.envelopes) == 1  # e-mail is not held up by LINE
    notice = Notification.query.one()
    assert (notice.sent_at, notice.line_sent_at, notice.attempts) == (None, None, 1)
    assert notice.mailed_at is not None
    assert f"LINE {status}" in notice.last_error
    assert notice.line_error == ""
    assert fresh(officer).line_blocked_at is None

    assert deliver_due() == 0  # not due yet
    assert deliver_due(now=notice.due_at + timedelta(seconds=1)) == 1
    assert len(line.pushes_to(user_id)) == 1
    first, retry = line.push_attempts
    assert first.headers["x-line-retry-key"] == retry.headers["x-line-retry-key"]
    assert len(mails.envelopes) == 1  # the mail was not sent again
    db.session.expire_all()
    assert Notification.query.one().sent_at is not None


def test_a_push_that_line_accepted_but_whose_answer_was_lost_is_delivered_once(
    line, signed_in, officer, organizer, venue
):
    user_id = link_through_line(signed_in, line)
    choose(signed_in, "line")
    line.accept_before_failing = True
    line.push_failures = [500]

    register_officer(open_workshop(venue, organizer).id, officer)
    notice = Notification.query.one()
    assert notice.sent_at is None and len(line.pushes_to(user_id)) == 1

    assert deliver_due(now=notice.due_at + timedelta(seconds=1)) == 1  # LINE answers 409
    assert len(line.push_attempts) == 2
    assert len(line.pushes_to(user_id)) == 1
    db.session.expire_all()
    notice = Notification.query.one()
    assert notice.sent_at is not None and notice.line_sent_at is not None
    assert (notice.line_error, notice.mailed_at) == ("", None)  # delivered on LINE: no mail


# --- webhook -----------------------------------------------------------------------------------


def test_a_bad_webhook_signature_changes_nothing(line, client, signed_in, officer):
    user_id = link_through_line(signed_in, line)
    body = webhook_body([webhook_event("unfollow", user_id)])
    for headers in (
        {},
        {"X-Line-Signature": "not-a-signature"},
        {"X-Line-Signature": FakeLine().sign(body)},  # another channel's secret
        {"X-Line-Signature": line.sign(body + b" ")},  # a signature of another body
    ):
        response = client.post("/line/webhook", data=body, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_signature"
    assert fresh(officer).line_blocked_at is None
    # Signed, but not LINE's JSON: refused too.
    garbage = b"not json"
    response = client.post(
        "/line/webhook", data=garbage, headers={"X-Line-Signature": line.sign(garbage)}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_unfollow_stops_pushes_and_follow_resumes_them(
    line, mails, client, signed_in, officer, organizer, venue
):
    user_id = link_through_line(signed_in, line)
    choose(signed_in, "line")
    stranger = "U" + "f" * 32
    # LINE's endpoint verification sends no events; other events and strangers are ignored.
    assert signed_webhook(client, line, []).get_json() == {"status": "ok"}
    response = signed_webhook(
        client,
        line,
        [
            webhook_event("unfollow", user_id),
            webhook_event("unfollow", stranger),
            {**webhook_event("follow", user_id), "type": "message"},
        ],
    )
    assert response.status_code == 200
    assert fresh(officer).line_blocked_at is not None

    registration = register_officer(open_workshop(venue, organizer).id, officer)
    assert line.push_attempts == []  # blocked: e-mail instead
    assert len(mails.envelopes) == 1

    signed_webhook(client, line, [webhook_event("follow", user_id, unblocked=True)])
    assert fresh(officer).line_blocked_at is None
    cancel_registration(registration.id, officer, reason="ติดราชการ")
    (push,) = line.pushes_to(user_id)
    assert push.body["messages"][0]["altText"].startswith("ยกเลิกการลงทะเบียนแล้ว:")
    assert len(mails.envelopes) == 1


# --- personal data -----------------------------------------------------------------------------


def test_the_pdpa_export_has_the_line_id_and_erasure_removes_it(line, signed_in, officer):
    user_id = link_through_line(signed_in, line)
    data = json.loads(signed_in.get("/auth/my-data.json").data)
    assert data["line"]["user_id"] == user_id
    assert data["line"]["notices_by"] == "both"
    token = issue_api_token(officer, 1)
    api = signed_in.application.test_client().get(
        "/api/v1/me/data", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.get_json()["line"]["user_id"] == user_id

    response = submit_form(
        signed_in, "/auth/delete", {"password": "correct-horse-2559", "understood": "y"}
    )
    assert response.status_code == 302
    user = fresh(officer)
    assert user.deleted_at is not None
    assert user.line_user_id is None and user.line_linked_at is None
    assert db.session.scalar(select(User.id).where(User.line_user_id == user_id)) is None
    assert Registration.query.count() == 0
