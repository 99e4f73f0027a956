"""Participants imported from a spreadsheet: XLSX and CSV (UTF-8, BOM, cp874), the preview,
the one-transaction confirmation in file order, idempotence, and every refusal."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook

from tests.integration import test_mail
from tests.integration.test_mail import Inbox, plain_text
from tests.support import login, make_user, open_workshop, submit_form
from workshop.extensions import db
from workshop.models import Registration, User, Workshop
from workshop.services.imports import COLUMNS

HEADER = [header for _key, header, _others in COLUMNS]
# The real SMTP server (aiosmtpd) and its inbox, as the mail tests use them.
smtp_server = test_mail.smtp_server
mail_config = test_mail.mail_config
inbox = test_mail.inbox


def person(n: int, **changes) -> list[str]:
    row = {
        "title_prefix": "นาย",
        "first_name": f"สมชาย{'กขคงจฉชซฌญ'[n % 10]}",
        "last_name": "ใจงาม",
        "position": "นักวิชาการพัฒนาชุมชน",
        "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        "district": "วังทอง",
        "email": f"person{n}@example.go.th",
        "phone": f"08{n % 10}1234567",
    }
    row.update(changes)
    return [row[key] for key, _header, _others in COLUMNS]


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str, bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(r) for r in [HEADER, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def upload(client, workshop_id: int, data: bytes, name: str):
    page = client.get(f"/organizer/workshops/{workshop_id}/import").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        f"/organizer/workshops/{workshop_id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, workshop_id: int, preview_html: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', preview_html).group(1)
    rows = re.search(r'name="rows" value="([^"]+)"', preview_html).group(1)
    return client.post(
        f"/organizer/workshops/{workshop_id}/import/confirm",
        data={"csrf_token": token, "rows": rows},
    )


def test_preview_then_confirm_seats_in_file_order_and_twice_adds_nothing(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=3)
    existing = make_user("officer", "person1@example.go.th")
    make_user("officer", "person2@example.go.th")
    from workshop.services.registrations import register_officer

    register_officer(workshop.id, existing)
    registered_before = Registration.query.count()
    rows = [
        person(1),  # existing account, registered already (above)
        person(2),  # existing account
        person(3),
        person(4),
        person(5, phone="123"),  # error: phone
        person(6),
        person(7, email="person3@example.go.th"),  # error: same e-mail as row 4
    ]
    login(client, organizer)
    response = upload(client, workshop.id, xlsx(rows), "รายชื่อ.xlsx")
    assert response.status_code == 200
    html = response.text
    for label in ("ลงทะเบียนไว้แล้ว", "มีบัญชีอยู่แล้ว", "บัญชีใหม่", "ผิดพลาด: โทรศัพท์"):
        assert label in html
    assert "อีเมลซ้ำกับแถวที่ 4" in html
    assert Registration.query.count() == registered_before  # nothing written yet
    assert User.query.filter_by(email="person3@example.go.th").count() == 0

    done = confirm(client, workshop.id, html)
    assert done.status_code == 302
    db.session.expire_all()
    order = (
        Registration.query.join(User, User.id == Registration.user_id)
        .filter(Registration.workshop_id == workshop.id)
        .order_by(Registration.id)
        .with_entities(User.email, Registration.status)
        .all()
    )
    assert order == [
        ("person1@example.go.th", "confirmed"),
        ("person2@example.go.th", "confirmed"),
        ("person3@example.go.th", "confirmed"),  # capacity 3 reached here
        ("person4@example.go.th", "waitlisted"),
        ("person6@example.go.th", "waitlisted"),
    ]
    new = User.query.filter_by(email="person3@example.go.th").one()
    assert (new.role, new.first_name, new.phone) == ("officer", "สมชายง", "+66831234567")
    # The counters agree with the rows, and the waitlist is numbered in file order.
    counters = db.session.get(Workshop, workshop.id)
    assert (counters.confirmed_count, counters.waitlist_count) == (3, 2)
    seqs = [
        r.waitlist_seq
        for r in Registration.query.filter_by(workshop_id=workshop.id, status="waitlisted")
        .order_by(Registration.id)
        .all()
    ]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2

    again = upload(client, workshop.id, xlsx(rows), "รายชื่อ.xlsx")
    assert "บัญชีใหม่" not in again.text
    count = Registration.query.count()
    assert confirm(client, workshop.id, again.text).status_code == 302
    assert Registration.query.count() == count


def test_imported_rows_queue_behind_the_seats_and_waitlist_already_there(client, venue, organizer):
    """A seat freed by a cancellation went to the waitlist's head; an import then seats nobody
    and numbers its rows after the waitlist, as registering one by one would."""
    from workshop.services.registrations import cancel_registration, register_officer

    workshop = open_workshop(venue, organizer, capacity=1)
    first, waiting = (
        make_user("officer", "a@example.go.th"),
        make_user("officer", "b@example.go.th"),
    )
    seat = register_officer(workshop.id, first)
    register_officer(workshop.id, waiting)  # waitlisted
    cancel_registration(seat.id, first)  # the waiting officer moves up
    login(client, organizer)
    response = upload(client, workshop.id, xlsx([person(8), person(9)]), "รายชื่อ.xlsx")
    assert confirm(client, workshop.id, response.text).status_code == 302
    db.session.expire_all()
    statuses = {
        u.email: r.status
        for r, u in db.session.query(Registration, User)
        .join(User, User.id == Registration.user_id)
        .filter(Registration.workshop_id == workshop.id, Registration.status != "cancelled")
    }
    assert statuses["b@example.go.th"] == "confirmed"
    assert sorted(s for e, s in statuses.items() if e.startswith("person")) == [
        "waitlisted",
        "waitlisted",
    ]
    counters = db.session.get(Workshop, workshop.id)
    assert (counters.confirmed_count, counters.waitlist_count) == (1, 2)


def test_csv_in_utf8_with_and_without_bom_and_in_cp874(client, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=10)
    login(client, organizer)
    for n, (encoding, bom) in enumerate((("utf-8", False), ("utf-8", True), ("cp874", False))):
        data = csv_bytes([person(10 + n)], encoding, bom)
        response = upload(client, workshop.id, data, "list.csv")
        assert response.status_code == 200, (encoding, bom)
        assert "บัญชีใหม่" in response.text and "สำนักงานพัฒนาชุมชนอำเภอวังทอง" in response.text
        assert confirm(client, workshop.id, response.text).status_code == 302
    assert Registration.query.filter_by(workshop_id=workshop.id).count() == 3


def test_whole_files_are_refused_with_a_reason_and_nothing_written(client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    login(client, organizer)
    before = (User.query.count(), Registration.query.count())
    cases = [
        (b"%PDF-1.4 not a list", "list.pdf", "รับเฉพาะไฟล์ .xlsx หรือ .csv"),
        (xlsx([person(1)], header=HEADER[:-1]), "list.xlsx", "ไม่มีคอลัมน์: โทรศัพท์"),
        (xlsx([[*person(1)[:-1], "=1+1"]]), "list.xlsx", "แถวที่ 2 มีสูตรคำนวณ"),
        (b"\xff\xfe\x00\x00garbage\x00", "list.csv", "อ่านตัวอักษรในไฟล์ไม่ได้"),
        (b"PK\x03\x04 broken", "list.xlsx", "เปิดไฟล์ XLSX นี้ไม่ได้"),
        (b"x" * (5 * 1024 * 1024 + 1), "list.csv", "ไฟล์ใหญ่เกิน 5 MB"),
        (csv_bytes([person(n) for n in range(5001)], "utf-8"), "list.csv", "ไม่เกิน 5,000 แถว"),
    ]
    for data, name, message in cases:
        response = upload(client, workshop.id, data, name)
        assert response.status_code == 422, name
        assert message in response.text, (name, message)
    assert (User.query.count(), Registration.query.count()) == before
    forged = client.post(
        f"/organizer/workshops/{workshop.id}/import/confirm",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', response.text)[1]},
    )
    assert forged.status_code == 422 and "กรุณาอัปโหลดไฟล์ใหม่" in forged.text


def test_the_template_has_the_columns(client, organizer):
    login(client, organizer)
    response = client.get("/organizer/import-template.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == HEADER


def test_new_accounts_are_invited_to_set_their_password(client, inbox: Inbox, venue, organizer):
    from workshop.services.accounts import authenticate

    workshop = open_workshop(venue, organizer, capacity=5)
    login(client, organizer)
    response = upload(client, workshop.id, xlsx([person(21)]), "list.xlsx")
    assert confirm(client, workshop.id, response.text).status_code == 302
    mails = [m for rcpt, m in inbox.messages() if rcpt == ["person21@example.go.th"]]
    invitations = [m for m in mails if "เชิญตั้งรหัสผ่าน" in str(m["Subject"])]
    assert len(mails) == 2 and len(invitations) == 1  # the invitation and the seat
    text = plain_text(invitations[0])
    assert "ภายใน 14 วัน" in text
    link = "/auth/reset/" + re.search(r"/auth/reset/([A-Za-z0-9_\-]+)", text).group(1)
    client.delete_cookie("session")
    new_password = "ตั้งครั้งแรก-2570"
    done = submit_form(client, link, {"password": new_password, "again": new_password})
    assert done.status_code == 302
    assert authenticate("person21@example.go.th", new_password).first_name == "สมชายข"
