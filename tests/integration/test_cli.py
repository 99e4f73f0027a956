"""The flask commands: create-user and seed-demo."""

from workshop.models import (
    CheckIn,
    EvaluationForm,
    EvaluationResponse,
    EvaluationSubmission,
    Notification,
    PasswordReset,
    RefusedScan,
    Registration,
    User,
    Venue,
    Workshop,
)
from workshop.services.accounts import authenticate
from workshop.services.demo import DEMO_ACCOUNTS, TITLE, UPCOMING_TITLE
from workshop.services.registrations import registration_open


def test_create_user_command(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "Kingkaew@Example.go.th",
            "--password",
            "wangthong-river-2559",
            "--role",
            "staff",
            "--name",
            "นางสาวกิ่งแก้ว ปิ่นทอง",
        ]
    )
    assert result.exit_code == 0, result.output
    user = authenticate("kingkaew@example.go.th", "wangthong-river-2559")
    assert (user.role, user.title_prefix, user.first_name, user.last_name) == (
        "staff",
        "นางสาว",
        "กิ่งแก้ว",
        "ปิ่นทอง",
    )
    assert user.full_name == "นางสาวกิ่งแก้ว ปิ่นทอง"


def test_create_user_refuses_duplicates_and_bad_input(app):
    runner = app.test_cli_runner()
    args = [
        "create-user",
        "--email",
        "a@example.go.th",
        "--password",
        "wangthong-river-2559",
        "--role",
        "organizer",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "อีเมลนี้มีผู้ใช้แล้ว" in again.output
    short = runner.invoke(
        args=["create-user", "--email", "b@example.go.th", "--password", "x", "--role", "staff"]
    )
    assert short.exit_code == 1
    assert "password" in short.output
    common = runner.invoke(
        args=[
            *("create-user", "--email", "b@example.go.th", "--password", "Password2559!"),
            *("--role", "staff"),
        ]
    )
    assert common.exit_code == 1
    assert "เดาได้ง่าย" in common.output
    bad_email = runner.invoke(
        args=[
            "create-user",
            "--email",
            "not-an-email",
            "--password",
            "wangthong-river-2559",
            "--role",
            "staff",
        ]
    )
    assert bad_email.exit_code == 1
    assert User.query.count() == 1


def test_seed_demo_loads_the_reference_workshop_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "organizer@demo.cdd.go.th" in first.output
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    # The demo accounts, and the person Wang Thong's head named through a nomination link.
    assert User.query.count() == len(DEMO_ACCOUNTS) + 1
    assert Venue.query.count() == 1
    workshop = Workshop.query.filter_by(title=TITLE).one()
    assert workshop.fiscal_year == 2559
    assert workshop.status == "published"
    assert workshop.venue.name == "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก"
    assert workshop.venue.district == "วังทอง"
    assert len(workshop.sessions) == 2
    assert "OTOP" in workshop.topics
    assert workshop.presiding_official.startswith("นายชูชาติ กีฬาแปง")
    # The demo's officer accounts (not the person named through the quota workshop's link).
    demo_emails = {account.email for account in DEMO_ACCOUNTS}
    officers = [u for u in User.query.filter_by(role="officer").all() if u.email in demo_emails]
    assert len(officers) >= 5
    assert len({o.district for o in officers}) >= 5
    for account in DEMO_ACCOUNTS:
        assert authenticate(account.email, account.password).role == account.role
    # Every demo officer attended the reference workshop; the follow-up is open right now.
    assert workshop.confirmed_count == len(officers)
    upcoming = Workshop.query.filter_by(title=UPCOMING_TITLE, cohort=1).one()
    assert registration_open(upcoming)
    assert upcoming.confirmed_count == 8
    both = Registration.workshop_id.in_([workshop.id, upcoming.id])
    assert Registration.query.filter(both).count() == len(officers) + 8
    # The reference workshop as held: check-ins from the sign-in sheet (one officer left at
    # noon, one was away on official duty in the afternoon), and an open evaluation answered
    # by every attendee but officer1, who can try it.
    held = CheckIn.session_id.in_([s.id for s in workshop.sessions])
    assert CheckIn.query.filter(held).count() == 2 * len(officers) - 2
    form = EvaluationForm.query.one()
    assert (form.workshop_id, form.status) == (workshop.id, "open")
    assert EvaluationResponse.query.count() == len(officers) - 2
    officer1 = User.query.filter_by(email="officer1@demo.cdd.go.th").one()
    assert EvaluationSubmission.query.filter_by(user_id=officer1.id).count() == 0
    # One officer asked for a password reset link (once, however often the demo is loaded);
    # the other links are invitations of accounts made for people named into a quota.
    forgetful = User.query.filter_by(email="officer2@demo.cdd.go.th").one()
    reset = PasswordReset.query.filter_by(user_id=forgetful.id).one()
    assert Notification.query.filter_by(password_reset_id=reset.id).count() == 1


def test_demo_shows_a_transcript_over_two_fiscal_years_and_a_queued_reminder(app, client):
    from tests.support import login
    from workshop.models import Notification
    from workshop.services.demo import SOON_TITLE

    app.test_cli_runner().invoke(args=["seed-demo"])
    officer1 = User.query.filter_by(email="officer1@demo.cdd.go.th").one()
    account = next(a for a in DEMO_ACCOUNTS if a.email == officer1.email)
    login(client, officer1, account.password)
    page = client.get("/my/transcript").get_data(as_text=True)
    assert "ปีงบประมาณ พ.ศ. 2559" in page and "ปีงบประมาณ พ.ศ. 2560" in page
    assert "2 หลักสูตร 21 ชั่วโมง" in page and "1 หลักสูตร 7 ชั่วโมง" in page
    soon = Workshop.query.filter_by(title=SOON_TITLE).one()
    reminders = (
        Notification.query.join(Registration)
        .filter(Registration.workshop_id == soon.id, Notification.event == "reminder")
        .all()
    )
    assert len(reminders) == soon.confirmed_count == 6
    # Loading again adds nothing.
    app.test_cli_runner().invoke(args=["seed-demo"])
    assert Notification.query.filter_by(event="reminder").count() == 6


def test_demo_organizer_sees_the_reference_workshop(app, client):
    from tests.support import login, submit_form

    app.test_cli_runner().invoke(args=["seed-demo"])
    organizer = User.query.filter_by(email="organizer@demo.cdd.go.th").one()
    account = next(a for a in DEMO_ACCOUNTS if a.role == "organizer")
    login(client, organizer, account.password)
    html = client.get("/organizer/workshops").get_data(as_text=True)
    assert "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน" in html
    assert "20 ต.ค. 58" in html
    # A scan an offline door sent three days late waits for the organizer on the workshop page.
    workshop = Workshop.query.filter_by(title=TITLE).one()
    page = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert "ผลสแกนที่ถูกปฏิเสธเมื่อซิงก์" in page
    assert "เครื่องส่งผลสแกนช้าเกินกำหนดหลังปิดเช็กอิน" in page
    refused = RefusedScan.query.one()
    afternoon = {"registration_id": refused.registration_id, "session_id": refused.session_id}
    assert CheckIn.query.filter_by(**afternoon).count() == 0  # no signature on the sheet
    submit_form(
        client,
        f"/organizer/workshops/{workshop.id}",
        {"reason": "เจ้าหน้าที่หน้างานยืนยันว่ากลับเข้าห้องภาคบ่าย"},
        action=f"/organizer/refused-scans/{refused.id}/accept",
    )
    assert CheckIn.query.filter_by(**afternoon).one().scanned_at == refused.scanned_at


def test_demo_shows_hours_an_excused_absence_and_sign_in_sheets(app, client):
    from tests.support import login
    from workshop.services.certificates import explain_eligibility
    from workshop.services.demo import EXCUSED_OFFICER

    app.test_cli_runner().invoke(args=["seed-demo"])
    organizer = User.query.filter_by(email="organizer@demo.cdd.go.th").one()
    account = next(a for a in DEMO_ACCOUNTS if a.role == "organizer")
    login(client, organizer, account.password)
    workshop = Workshop.query.filter_by(title=TITLE).one()
    morning = workshop.sessions[0]

    page = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert "3.5 ชั่วโมง" in page
    sheet = f"/organizer/workshops/{workshop.id}/sessions/{morning.id}/signin-sheet.pdf"
    assert sheet in page
    assert client.get(sheet).mimetype == "application/pdf"
    report = client.get(f"/organizer/workshops/{workshop.id}/report").get_data(as_text=True)
    assert "ลา/ไปราชการ (คน-ช่วง)" in report
    away = (
        Registration.query.join(User, User.id == Registration.user_id)
        .filter(User.email == EXCUSED_OFFICER, Registration.workshop_id == workshop.id)
        .one()
    )
    standing = explain_eligibility(away)
    assert (standing.attendance.present, standing.attendance.excused) == (1, 1)
    upcoming = Workshop.query.filter_by(title=UPCOMING_TITLE, cohort=1).one()
    assert upcoming.checkout_enabled and upcoming.sessions[0].hours == 3


def test_seed_demo_shows_quotas_and_a_pending_nomination_link(app, client):
    from workshop.models import NominationLink, Registration, WorkshopQuota
    from workshop.services.demo import DEMO_NOMINATION_TOKEN, QUOTA_TITLE

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    workshop = Workshop.query.filter_by(title=QUOTA_TITLE).one()
    quotas = WorkshopQuota.query.filter_by(workshop_id=workshop.id).all()
    assert sorted((q.seats, q.filled) for q in quotas) == [(3, 0), (3, 0), (4, 2)]
    assert workshop.reserved_unfilled == 8 and workshop.quota_release_at is not None
    assert Registration.query.filter(Registration.quota_id.is_not(None)).count() == 2
    pending = [link for link in NominationLink.query.all() if link.last_used_at is None]
    assert len(pending) == 1
    page = client.get(f"/nominate/{DEMO_NOMINATION_TOKEN}")
    assert page.status_code == 200
    assert "เหลือ 3 ที่" in page.get_data(as_text=True)


def test_demo_has_a_meeting_under_way_for_the_door(app, client):
    """Loaded at any hour, the demo has a session running today with four of six seats checked
    in, one officer waitlisted and one cancelled, for the scanner's messages and name search."""
    from tests.support import login
    from workshop.models.types import utcnow
    from workshop.services.demo import TODAY_TITLE
    from workshop.services.tickets import ticket_token
    from workshop.thai.dates import to_bangkok

    app.test_cli_runner().invoke(args=["seed-demo"])
    now = utcnow()
    workshop = Workshop.query.filter_by(title=TODAY_TITLE).one()
    (session,) = workshop.sessions
    assert session.starts_at <= now < session.ends_at
    assert to_bangkok(session.starts_at).date() == to_bangkok(now).date()
    statuses = sorted(r.status for r in Registration.query.filter_by(workshop_id=workshop.id))
    assert statuses == ["cancelled"] + ["confirmed"] * 6 + ["waitlisted"]

    staff = User.query.filter_by(role="staff").one()
    account = next(a for a in DEMO_ACCOUNTS if a.role == "staff")
    login(client, staff, account.password)
    door = client.get("/checkin").get_data(as_text=True)
    assert TODAY_TITLE in door
    assert client.get(f"/checkin/{workshop.id}/{session.id}").status_code == 200

    # The name search (all are at district offices) says who came, and when.
    token = client.post(
        "/api/v1/auth/token", json={"email": staff.email, "password": account.password}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    found = client.get(
        f"/api/v1/workshops/{workshop.id}/attendees",
        query_string={"q": "สำนักงานพัฒนาชุมชนอำเภอ", "session_id": session.id},
        headers=headers,
    ).get_json()
    assert sorted(p["status"] for p in found) == ["confirmed"] * 6 + ["waitlisted"]
    times = [p["checked_in_at"] for p in found if p["checked_in_at"]]
    assert len(times) == 4 and len(set(times)) == 4
    assert CheckIn.query.filter_by(session_id=session.id).count() == 4

    # Their tickets at the door: the waiting list, and a registration cancelled.
    for status, words in (("waitlisted", "รายชื่อสำรอง"), ("cancelled", "ถูกยกเลิกแล้ว")):
        holder = Registration.query.filter_by(workshop_id=workshop.id, status=status).one()
        response = client.post(
            "/api/v1/checkins",
            json={"session_id": session.id, "ticket": ticket_token(holder)},
            headers=headers,
        )
        assert response.status_code == 409
        error = response.get_json()["error"]
        assert error["code"] == "not_confirmed" and words in error["message"]
    assert CheckIn.query.filter_by(session_id=session.id).count() == 4

    # Loading the demo again adds nothing.
    app.test_cli_runner().invoke(args=["seed-demo"])
    assert Workshop.query.filter_by(title=TODAY_TITLE).count() == 1


def test_the_demo_meeting_is_under_way_at_any_hour_it_is_loaded():
    from datetime import date, datetime, time, timedelta

    from workshop.services.demo import today_session_times
    from workshop.thai.dates import bangkok_to_utc, to_bangkok

    day = date(2026, 12, 4)
    expected = {
        time(0, 10): ("00:00", "03:00"),
        time(7, 0): ("06:00", "10:00"),
        time(9, 30): ("08:30", "16:30"),
        time(14, 0): ("08:30", "16:30"),
        time(15, 45): ("14:30", "18:30"),
        time(21, 10): ("20:00", "00:00"),
    }
    for clock, (starts_text, ends_text) in expected.items():
        now: datetime = bangkok_to_utc(day, clock)
        starts, ends = today_session_times(now)
        assert starts <= now < ends
        assert to_bangkok(starts).date() == day
        assert ends - now >= timedelta(hours=2, minutes=30)
        assert to_bangkok(starts).strftime("%H:%M") == starts_text
        assert to_bangkok(ends).strftime("%H:%M") == ends_text
