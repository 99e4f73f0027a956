"""PDPA: downloading one's data, deleting one's account, the retention purge (test client)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from tests.integration.test_api_auth import assert_error, bearer
from tests.support import (
    PASSWORD,
    finished_workshop,
    login,
    make_user,
    open_workshop,
    seat,
    submit_form,
)
from workshop.extensions import db
from workshop.models import (
    ApiToken,
    AuditEvent,
    Certificate,
    CheckIn,
    Notification,
    Registration,
    User,
    Workshop,
)
from workshop.services import privacy
from workshop.services.certificates import format_code, issue_certificate
from workshop.services.errors import NotAllowed
from workshop.services.registrations import register_officer
from workshop.services.transactions import begin_write


@pytest.fixture
def history(venue, organizer):
    """Two officers of one finished workshop (both attended, both certified) and one open
    workshop with a single seat: ``me`` holds it, ``waiting`` is first on the waitlist."""
    me = make_user(
        "officer",
        "me@example.go.th",
        title_prefix="นางสาว",
        first_name="กิ่งแก้ว",
        last_name="ปิ่นทอง",
        position="นักวิชาการพัฒนาชุมชน",
        agency="สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        district="วังทอง",
        province="พิษณุโลก",
    )
    other = make_user(
        "officer", "other@example.go.th", title_prefix="นาย", first_name="สมศักดิ์", last_name="รักดี"
    )
    waiting = make_user(
        "officer", "waiting@example.go.th", title_prefix="นาง", first_name="มาลี", last_name="ศรีสุข"
    )
    me.phone, me.pdpa_consent_at = "+66812345678", datetime(2015, 10, 1, 2, 0, tzinfo=UTC)
    db.session.commit()
    finished = finished_workshop(venue, organizer, sessions=2)
    mine = seat(finished, me, organizer, attended=2)
    theirs = seat(finished, other, organizer, attended=2)
    certificate = issue_certificate(mine.id)
    issue_certificate(theirs.id)
    upcoming = open_workshop(venue, organizer, capacity=1, title="การอบรมรุ่นถัดไป")
    seat_held = register_officer(upcoming.id, me)
    queued = register_officer(upcoming.id, waiting)
    assert (seat_held.status, queued.status) == ("confirmed", "waitlisted")
    return {
        "me": me,
        "other": other,
        "waiting": waiting,
        "finished": finished,
        "upcoming": upcoming,
        "certificate_code": certificate.code,
        "certificate_number": certificate.number_text,
        "seat": seat_held.id,
        "queued": queued.id,
    }


def _state(user_id: int) -> tuple:
    """Everything a deletion changes, to compare before and after a refused one."""
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return (
        user.email,
        user.first_name,
        user.active,
        user.deleted_at,
        sorted(
            db.session.execute(
                select(Registration.id, Registration.status).where(Registration.user_id == user_id)
            ).all()
        ),
        db.session.scalar(select(func.count()).select_from(ApiToken)),
        db.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.revoked_at.is_not(None))
        ),
    )


# ---------------------------------------------------------------- export


def test_download_my_data_has_my_records_and_nobody_elses(client, history):
    login(client, history["me"])
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "ข้อมูลส่วนบุคคลของฉัน" in page and "/auth/my-data.json" in page

    response = client.get("/auth/my-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    data = json.loads(text)
    account = data["account"]
    assert (account["email"], account["full_name"], account["phone"]) == (
        "me@example.go.th",
        "นางสาวกิ่งแก้ว ปิ่นทอง",
        "+66812345678",
    )
    assert data["consent"]["given_at"] == "2015-10-01T02:00:00Z"
    assert "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล" in data["consent"]["purpose"]
    statuses = {r["workshop"]["title"]: r["status"] for r in data["registrations"]}
    assert statuses == {history["finished"].title: "confirmed", "การอบรมรุ่นถัดไป": "confirmed"}
    assert len(data["check_ins"]) == 2
    assert {c["session"] for c in data["check_ins"]} == {"วันที่ 1", "วันที่ 2"}
    (certificate,) = data["certificates"]
    assert certificate["number"] == history["certificate_number"]
    assert certificate["code"] == format_code(history["certificate_code"])
    assert certificate["status"] == "valid"
    actions = {e["action"] for e in data["audit_events"]}
    assert {"registration.create", "certificate.issue"} <= actions
    # Nothing about the other officers, and no secrets.
    for leak in ("other@example.go.th", "สมศักดิ์", "waiting@example.go.th", "มาลี"):
        assert leak not in text
    for secret in ("password", "scrypt", "pbkdf2", "digest", "ticket_secret"):
        assert secret not in text
    registration = db.session.get(Registration, history["seat"])
    assert registration.ticket_secret not in text


def test_organizer_export_lists_their_actions_on_others_without_details(client, history):
    organizer = db.session.scalar(select(User).where(User.role == "organizer"))
    login(client, organizer)
    data = client.get("/auth/my-data.json").get_json()
    assert data["registrations"] == [] and data["certificates"] == []
    on_others = [e for e in data["audit_events"] if e["on"] == "registrations"]
    assert on_others and all(set(e) == {"at", "action", "on"} for e in on_others)


def test_api_me_data_matches_the_web_export(client, history):
    response = client.get("/api/v1/me/data", headers=bearer(client, history["other"]))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_json()
    assert data["account"]["email"] == "other@example.go.th"
    assert [r["status"] for r in data["registrations"]] == ["confirmed"]
    assert "me@example.go.th" not in response.get_data(as_text=True)
    assert_error(client.get("/api/v1/me/data"), 401, "unauthorized")


def test_the_page_download_and_the_api_serve_one_export(client, app, history):
    """The export is built once: the page's download and ``GET /api/v1/me/data`` give the same
    document for the same person, field for field, but for the moment it was made."""
    from_api = client.get("/api/v1/me/data", headers=bearer(client, history["me"])).get_json()
    browser = app.test_client()
    login(browser, history["me"])
    from_page = json.loads(browser.get("/auth/my-data.json").data)

    assert from_api.pop("exported_at") and from_page.pop("exported_at")
    assert from_page == from_api
    assert from_api["registrations"] and from_api["check_ins"] and from_api["certificates"]


# ---------------------------------------------------------------- deletion (web)


def test_delete_page_explains_the_consequences(client, history):
    login(client, history["me"])
    html = client.get("/auth/delete").get_data(as_text=True)
    assert "ย้อนกลับไม่ได้" in html
    assert "การอบรมรุ่นถัดไป" in html  # the registration that will be cancelled
    assert history["certificate_number"] in html  # the certificate that will be revoked
    assert 'type="password"' in html and 'type="checkbox"' in html


def test_wrong_password_or_no_checkbox_changes_nothing(client, history):
    me = history["me"]
    headers = bearer(client, me)
    before = _state(me.id)
    login(client, me)

    wrong = submit_form(client, "/auth/delete", {"password": "not-my-password", "understood": "y"})
    assert wrong.status_code == 422
    assert "รหัสผ่านไม่ถูกต้อง" in wrong.get_data(as_text=True)
    unticked = submit_form(client, "/auth/delete", {"password": PASSWORD})
    assert unticked.status_code == 422
    assert "กรุณาติ๊กยืนยันก่อนลบบัญชี" in unticked.get_data(as_text=True)

    assert _state(me.id) == before
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_deleting_my_account_anonymises_and_keeps_the_statistics(client, history):
    me, finished, upcoming = history["me"], history["finished"], history["upcoming"]
    me_id = me.id
    headers = bearer(client, me)
    checkins_before = db.session.scalar(select(func.count()).select_from(CheckIn))
    login(client, me)

    response = submit_form(
        client, "/auth/delete", {"password": PASSWORD, "understood": "y"}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "ลบบัญชีและข้อมูลส่วนบุคคลของคุณเรียบร้อยแล้ว" in response.get_data(as_text=True)
    assert client.get("/auth/profile").status_code == 302  # signed out
    db.session.expire_all()
    user = db.session.get(User, me_id)
    assert user.email == f"deleted-{me_id}@deleted.invalid"
    assert (user.title_prefix, user.first_name, user.last_name) == ("", "ผู้ใช้ที่ถูกลบ", "")
    assert (user.position, user.phone, user.pdpa_consent_at) == ("", "", None)
    assert (user.agency, user.district, user.province) == (
        "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        "วังทอง",
        "พิษณุโลก",
    )
    assert not user.active and user.deleted_at is not None and not user.mailable
    # The seat went to the waitlist; the finished workshop's figures did not move.
    assert db.session.get(Registration, history["seat"]).status == "cancelled"
    assert db.session.get(Registration, history["queued"]).status == "confirmed"
    assert db.session.get(Workshop, upcoming.id).confirmed_count == 1
    assert db.session.get(Workshop, upcoming.id).waitlist_count == 0
    kept = db.session.scalars(
        select(Registration.status).where(Registration.workshop_id == finished.id)
    ).all()
    assert sorted(kept) == ["confirmed", "confirmed"]
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == checkins_before
    # The certificate keeps its number and says why it was revoked, without the name.
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.code == history["certificate_code"])
    )
    assert certificate.number_text == history["certificate_number"]
    assert (certificate.revoked, certificate.revoke_reason) == (True, "account deleted")
    page = client.get(f"/verify/{format_code(certificate.code)}").get_data(as_text=True)
    assert "ถูกเพิกถอนแล้ว" in page and "บัญชีของผู้รับถูกลบตามคำขอ" in page
    assert "กิ่งแก้ว" not in page and "ข้อมูลของผู้รับถูกลบแล้ว" in page
    verified = client.get(f"/api/v1/certificates/{certificate.code}").get_json()
    assert verified["valid"] is False and "กิ่งแก้ว" not in verified["name"]
    assert "account deleted" in verified["revoked_reason"]
    # No way back in, no mail to the deleted address, no personal data in the audit trail.
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    failed = submit_form(client, "/auth/login", {"email": "me@example.go.th", "password": PASSWORD})
    assert failed.status_code == 422
    pending = db.session.scalars(
        select(Notification.registration_id).where(Notification.sent_at.is_(None))
    ).all()
    assert history["seat"] not in pending
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.delete"))
    assert (event.actor_id, event.entity_id) == (me_id, me_id)
    assert event.details["registrations_cancelled"] == 1
    assert event.details["certificates_revoked"] == 1
    assert "กิ่งแก้ว" not in json.dumps(event.details, ensure_ascii=False)


def test_a_failure_half_way_leaves_everything_as_it_was(client, history, monkeypatch):
    me = history["me"]
    before = _state(me.id)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy, "revoke_certificates_locked", broken)
    with pytest.raises(RuntimeError):
        privacy.delete_account(db.session.get(User, me.id), PASSWORD)

    assert _state(me.id) == before
    assert db.session.get(Registration, history["queued"]).status == "waitlisted"


# ---------------------------------------------------------------- deletion (API)


def test_api_delete_me(client, history):
    other = history["other"]
    headers = bearer(client, other)

    assert_error(client.delete("/api/v1/me", headers=headers), 400, "invalid_json")
    wrong = assert_error(
        client.delete("/api/v1/me", headers=headers, json={"password": "nope"}),
        422,
        "validation_failed",
    )
    assert wrong["fields"] == {"password": "รหัสผ่านไม่ถูกต้อง"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    response = client.delete("/api/v1/me", headers=headers, json={"password": PASSWORD})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "deleted": True,
        "registrations_cancelled": 0,
        "promoted": 0,
        "certificates_revoked": 1,
    }
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert_error(
        client.post(
            "/api/v1/auth/token", json={"email": "other@example.go.th", "password": PASSWORD}
        ),
        401,
        "invalid_credentials",
    )


def test_the_last_organizer_cannot_delete_their_account(client, organizer):
    headers = bearer(client, organizer)
    assert_error(
        client.delete("/api/v1/me", headers=headers, json={"password": PASSWORD}),
        409,
        "last_organizer",
    )
    assert db.session.get(User, organizer.id).active
    make_user("organizer", "second@example.go.th")
    response = client.delete("/api/v1/me", headers=headers, json={"password": PASSWORD})
    assert response.status_code == 200


# ---------------------------------------------------------------- retention


def test_purge_expired_anonymises_only_inactive_officers(app, history):
    long_ago = datetime.now(UTC) - timedelta(days=8 * 365)
    for user in (history["me"], history["other"], history["waiting"]):
        user.created_at = long_ago
    db.session.commit()
    other_id, me_id, waiting_id = history["other"].id, history["me"].id, history["waiting"].id
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would anonymise 1 account(s)" in dry.output
    assert db.session.get(User, other_id).deleted_at is None

    result = runner.invoke(args=["purge-expired"])

    assert result.exit_code == 0, result.output
    assert "anonymised 1 account(s) inactive for more than 5 year(s)" in result.output
    db.session.expire_all()
    purged = db.session.get(User, other_id)
    assert purged.deleted and purged.first_name == "ผู้ใช้ที่ถูกลบ"
    # Registered for a workshop still ahead: kept.
    assert not db.session.get(User, me_id).deleted
    assert not db.session.get(User, waiting_id).deleted
    revoked = db.session.scalar(
        select(Certificate.revoke_reason).where(Certificate.revoked_at.is_not(None))
    )
    assert revoked == "retention period ended"
    assert runner.invoke(args=["purge-expired"]).output.startswith("anonymised 0 account(s)")
    # A longer retention period keeps everyone.
    assert privacy.expired_accounts(years=20) == []


@pytest.mark.parametrize("years", [0, -1, "five", True])
def test_retention_years_must_be_a_whole_number_of_years(tmp_path, years):
    from workshop import create_app

    with pytest.raises(ValueError, match="WORKSHOP_RETENTION_YEARS"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                "SECRET_KEY": "x",
                "MAIL_DELIVERY": "manual",
                "RETENTION_YEARS": years,
            }
        )


def _lock_waiters() -> Callable[[], bool]:
    """Whether another transaction now waits for the lock this test's session holds: on
    PostgreSQL a server process blocked by ours, on SQLite a writer queued on the write-lock
    file (a blocked flock, listed with "->" in /proc/locks)."""
    if db.engine.dialect.name == "postgresql":
        holder = db.session.scalar(text("SELECT pg_backend_pid()"))
        watcher = create_engine(db.engine.url, poolclass=NullPool)

        def blocked_by_us() -> bool:
            with watcher.connect() as conn:
                query = (
                    "SELECT count(*) FROM pg_stat_activity WHERE :me = ANY(pg_blocking_pids(pid))"
                )
                return conn.scalar(text(query), {"me": holder}) > 0

        return blocked_by_us
    inode = os.stat(f"{db.engine.url.database}.write-lock").st_ino

    def queued_behind_us() -> bool:
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if fields[1] == "->" and fields[-3].endswith(f":{inode}"):
                return True
        return False

    return queued_behind_us


def test_registering_while_the_account_is_being_deleted_waits_and_is_refused(app, venue, organizer):
    """A deletion holds the account row while it cancels the account's registrations; a
    registration made at that moment (another browser tab) must wait for it and then be
    refused, not slip in beside it and survive on the anonymised account."""
    officer = make_user("officer", "tab@example.go.th")
    workshop = open_workshop(venue, organizer, capacity=5)
    officer_id, workshop_id = officer.id, workshop.id
    # The deletion's transaction, begun as the services begin theirs (SQLite: the write lock),
    # holding the account row (PostgreSQL).
    begin_write()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": officer_id}
        )
    waiting_for_the_deletion = _lock_waiters()

    def register() -> str:
        with app.app_context():
            try:
                register_officer(workshop_id, db.session.get(User, officer_id))
                return "registered"
            except NotAllowed:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=1) as pool:
        attempt = pool.submit(register)
        deadline = time.monotonic() + 60
        while not waiting_for_the_deletion():
            assert not attempt.done(), f"did not wait for the deletion: {attempt.result()}"
            assert time.monotonic() < deadline, "the registration never queued for the lock"
            time.sleep(0.01)  # polling interval
        db.session.execute(
            text("UPDATE users SET active = :no, deleted_at = :now WHERE id = :id"),
            {"no": False, "now": datetime.now(UTC).replace(tzinfo=None), "id": officer_id},
        )
        db.session.commit()
        assert attempt.result(timeout=60) == "refused"
    db.session.rollback()
    assert Registration.query.filter_by(user_id=officer_id).count() == 0
