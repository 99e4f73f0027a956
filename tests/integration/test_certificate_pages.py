"""Certificate pages, downloads, verification and uploads through the test client."""

import io
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.integration.test_ticket_pdf import decode_qr
from tests.support import (
    finished_workshop,
    login,
    make_officers,
    make_user,
    my_certificate,
    seat,
    submit_form,
)
from workshop.extensions import db
from workshop.models import AuditEvent, Certificate, CertificateImage
from workshop.services.certificates import format_code, issue_certificate, revoke_certificate


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def png(width: int = 120, height: int = 60) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 40, 120, 255)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def finished(venue, organizer):
    """A finished two-session workshop: one officer attended both, one only the first."""
    workshop = finished_workshop(venue, organizer, sessions=2, signatory_name="นายสมชาย ใจดี")
    attended, absent = make_officers(2)
    attended.title_prefix, attended.first_name, attended.last_name = "นางสาว", "กิ่งแก้ว", "ปิ่นทอง"
    db.session.commit()
    return workshop, seat(workshop, attended, organizer, 2), seat(workshop, absent, organizer, 1)


def test_officer_sees_why_and_downloads_their_certificate(client, finished, tmp_path):
    _workshop, good, short = finished
    login(client, good.user)
    page = client.get("/my/registrations").get_data(as_text=True)
    assert "มีสิทธิ์ได้รับเกียรติบัตร: เข้าร่วม 12 จาก 12 ชั่วโมง" in page
    # Not issued yet: the button is a form that issues by POST (a GET changes nothing).
    assert f'action="/my/registrations/{good.id}/certificate"' in page
    assert "ดาวน์โหลดเกียรติบัตร (PDF)</button>" in page
    assert f"/my/registrations/{good.id}/certificate.pdf" not in page

    pressed = my_certificate(client, good.id, follow_redirects=False)
    assert pressed.status_code == 303
    assert pressed.headers["Location"].endswith(f"/my/registrations/{good.id}/certificate.pdf")
    response = client.get(pressed.headers["Location"])

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    certificate = Certificate.query.one()
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in text
    assert "ขอมอบเกียรติบัตรฉบับนี้ไว้เพื่อแสดงว่า" in text
    assert f"เลขที่ {certificate.number_text}" in text
    assert format_code(certificate.code) in text
    assert "ให้ไว้ ณ วันที่ 21 ตุลาคม พ.ศ. 2558" in text
    assert "ระหว่างวันที่ 20–21 ตุลาคม พ.ศ. 2558" in text
    assert decode_qr(response.data, tmp_path) == [
        f"http://127.0.0.1:5000/verify/{format_code(certificate.code)}"
    ]
    # Issued: the same words are now a plain link to the PDF.
    page = client.get("/my/registrations").get_data(as_text=True)
    link = f'href="/my/registrations/{good.id}/certificate.pdf">ดาวน์โหลดเกียรติบัตร (PDF)</a>'
    assert link in page
    assert f'action="/my/registrations/{good.id}/certificate"' not in page
    # Someone else's certificate is not there for them.
    assert client.get(f"/my/registrations/{short.id}/certificate.pdf").status_code == 404
    assert my_certificate(client, short.id).status_code == 404


def test_officer_below_the_threshold_is_told_why(client, finished):
    _workshop, _good, short = finished
    login(client, short.user)
    page = client.get("/my/registrations").get_data(as_text=True)
    assert "ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง ต่ำกว่าเกณฑ์ 80%" in page
    assert "certificate.pdf" not in page
    assert f"/my/registrations/{short.id}/certificate" not in page

    pressed = my_certificate(client, short.id)
    followed = client.get(f"/my/registrations/{short.id}/certificate.pdf", follow_redirects=True)

    for response in (pressed, followed):
        assert response.request.path == "/my/registrations"
        assert "ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง" in response.get_data(as_text=True)
    assert Certificate.query.count() == 0


def test_following_the_download_link_issues_nothing_and_says_what_to_press(
    client, finished, organizer
):
    """An eligible officer (or an organizer) following the PDF address before anything is
    issued: no certificate, no number, no audit event; the officer is sent back to the
    registration on their list and told to press the button, which issues it."""
    _workshop, good, _short = finished
    login(client, good.user)
    events = AuditEvent.query.count()
    pdf = f"/my/registrations/{good.id}/certificate.pdf"

    response = client.get(pdf)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/registrations#registration-{good.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("ยังไม่ได้ออกเกียรติบัตรฉบับนี้ กดปุ่ม “ดาวน์โหลดเกียรติบัตร (PDF)” ในหน้านี้เพื่อออกและดาวน์โหลด") in page
    assert (Certificate.query.count(), AuditEvent.query.count()) == (0, events)

    organizer_browser = client.application.test_client()
    login(organizer_browser, organizer)
    back = organizer_browser.get(pdf, follow_redirects=True)
    assert back.request.path == f"/organizer/workshops/{good.workshop_id}/certificates"
    assert "ยังไม่ได้ออกเกียรติบัตรฉบับนี้ กดออกก่อนแล้วจึงดาวน์โหลด" in back.get_data(as_text=True)
    assert (Certificate.query.count(), AuditEvent.query.count()) == (0, events)

    # The button issues it, and the same address then downloads it.
    assert my_certificate(client, good.id).mimetype == "application/pdf"
    assert client.get(pdf).mimetype == "application/pdf"
    assert Certificate.query.count() == 1


def test_the_button_issues_one_certificate_however_often_it_is_pressed(client, finished):
    _workshop, good, _short = finished
    login(client, good.user)

    first = my_certificate(client, good.id, follow_redirects=False)
    again = my_certificate(client, good.id, follow_redirects=False)

    assert (first.status_code, again.status_code) == (303, 303)
    certificate = Certificate.query.one()
    assert certificate.issued_by_id == good.user_id
    issued = AuditEvent.query.filter_by(action="certificate.issue").all()
    assert [(e.actor_id, e.entity_id) for e in issued] == [(good.user_id, certificate.id)]
    assert client.get(again.headers["Location"]).mimetype == "application/pdf"
    assert Certificate.query.count() == 1


def test_only_the_owner_and_organizers_may_press_the_button(client, finished, staff, organizer):
    """Like the ticket: staff and other officers get 404 whether they ask by GET or POST, and
    nothing is issued; an organizer's press issues it (and is theirs in the audit)."""
    _workshop, good, short = finished
    for user in (staff, short.user):
        browser = client.application.test_client()
        login(browser, user)
        assert my_certificate(browser, good.id).status_code == 404, user.role
        assert browser.get(f"/my/registrations/{good.id}/certificate.pdf").status_code == 404
    assert Certificate.query.count() == 0

    login(client, organizer)
    assert my_certificate(client, good.id).mimetype == "application/pdf"
    assert Certificate.query.one().issued_by_id == organizer.id


def test_the_button_needs_the_pages_csrf_token(client, finished):
    _workshop, good, _short = finished
    login(client, good.user)
    action = f"/my/registrations/{good.id}/certificate"

    missing = client.post(action)
    forged = client.post(action, data={"csrf_token": "forged"})

    for response in (missing, forged):
        assert response.status_code == 400
        assert "แบบฟอร์มหมดอายุหรือไม่ได้ส่งจากหน้านี้" in response.get_data(as_text=True)
    assert Certificate.query.count() == 0
    assert my_certificate(client, good.id).mimetype == "application/pdf"


def test_organizer_pages_are_for_organizers_only(client, finished, staff):
    workshop, good, _short = finished
    paths = [
        f"/organizer/workshops/{workshop.id}/certificates",
        f"/organizer/workshops/{workshop.id}/certificates.pdf",
        f"/organizer/registrations/{good.id}/certificate.pdf",
    ]
    for path in paths:
        assert client.get(path).status_code == 302  # to the sign-in page
    for user in (staff, good.user):
        browser = client.application.test_client()
        login(browser, user)
        for path in paths:
            assert browser.get(path).status_code == 403, (user.role, path)


def test_organizer_issues_grants_revokes_and_downloads_all(client, finished, organizer):
    workshop, good, short = finished
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/certificates"
    html = client.get(page).get_data(as_text=True)
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in html
    assert "ไม่ได้รับเกียรติบัตร: เข้าร่วม 6 จาก 12 ชั่วโมง" in html

    issued = submit_form(client, page, {}, action=f"{page}/issue", follow_redirects=True)
    assert "ออกเกียรติบัตรใหม่ 1 ฉบับ" in issued.get_data(as_text=True)

    grant = f"/organizer/registrations/{short.id}/certificate/grant"
    refused = submit_form(client, page, {"reason": ""}, action=grant, follow_redirects=True)
    assert "กรุณาระบุเหตุผล" in refused.get_data(as_text=True)
    assert Certificate.query.count() == 1
    submit_form(client, page, {"reason": "ลาป่วยมีใบรับรองแพทย์"}, action=grant)
    assert Certificate.query.count() == 2

    revoke = f"/organizer/registrations/{good.id}/certificate/revoke"
    submit_form(client, page, {"reason": "ส่งชื่อผิด"}, action=revoke)
    revoked = db.session.get(
        Certificate, Certificate.query.filter_by(registration_id=good.id).one().id
    )
    db.session.refresh(revoked)
    assert revoked.revoke_reason == "ส่งชื่อผิด"
    actions = {e.action for e in AuditEvent.query.filter_by(entity_type="certificates")}
    assert {"certificate.issue", "certificate.grant", "certificate.revoke"} <= actions

    all_in_one = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf")
    assert all_in_one.status_code == 200
    assert len(PdfReader(io.BytesIO(all_in_one.data)).pages) == 1  # the revoked one is left out
    one = client.get(f"/organizer/registrations/{short.id}/certificate.pdf")
    assert one.status_code == 200


def test_all_in_one_pdf_has_a_page_per_eligible_officer(client, venue, organizer, tmp_path):
    workshop = finished_workshop(venue, organizer, sessions=1)
    officers = make_officers(4)
    for officer in officers[:3]:
        seat(workshop, officer, organizer, 1)
    seat(workshop, officers[3], organizer, 0)
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/certificates"
    submit_form(client, page, {}, action=f"{page}/issue")

    response = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf")

    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    names = [page.extract_text() for page in reader.pages]
    for officer in officers[:3]:
        assert sum(officer.full_name in text for text in names) == 1
    assert sorted(c.number for c in Certificate.query) == [1, 2, 3]


def test_verify_page_and_api_valid_revoked_unknown(client, finished, organizer):
    workshop, good, _short = finished
    certificate = issue_certificate(good.id)
    code = format_code(certificate.code)

    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ออกโดยระบบจริงและยังมีผล" in html
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in html and certificate.number_text in html
    assert good.user.email not in html and good.user.agency not in html
    api = client.get(f"/api/v1/certificates/{certificate.code.lower()}").get_json()
    assert api == {
        "valid": True,
        "status": "valid",
        "revoked_reason": None,
        "kind": "เกียรติบัตร",
        "number": certificate.number_text,
        "code": code,
        "name": "นางสาวกิ่งแก้ว ปิ่นทอง",
        "workshop": workshop.title,
        "starts_on": "2015-10-20",
        "ends_on": "2015-10-21",
        "issued_on": "2015-10-21",
    }

    revoke_certificate(good.id, organizer, "ส่งชื่อผิด")
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "ถูกเพิกถอนแล้ว" in html and "ส่งชื่อผิด" in html
    api = client.get(f"/api/v1/certificates/{code}").get_json()
    assert (api["valid"], api["status"], api["revoked_reason"]) == (False, "revoked", "ส่งชื่อผิด")

    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    answers = []
    for bad in (tampered, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not-a-code", "x" * 300):
        response = client.get(f"/verify/{bad}")
        assert response.status_code == 404
        assert "นางสาวกิ่งแก้ว" not in response.get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{bad}")
        assert api.status_code == 404
        answers.append(api.get_json())
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["error"]["code"] == "not_found"


def test_verify_form_accepts_a_typed_code(client, finished):
    _workshop, good, _short = finished
    certificate = issue_certificate(good.id)
    typed = certificate.code.lower()

    response = client.get(f"/verify?code={typed}")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{format_code(certificate.code)}")
    assert client.get("/verify").status_code == 200


def test_api_certificate_refuses_with_the_reason(client, finished):
    _workshop, good, short = finished
    headers = bearer_for(client, short.user)

    for response in (
        client.post(f"/api/v1/registrations/{short.id}/certificate", headers=headers),
        client.get(f"/api/v1/registrations/{short.id}/certificate.pdf", headers=headers),
    ):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "not_eligible"
        assert "6 จาก 12 ชั่วโมง" in response.get_json()["error"]["message"]
    for other in (
        client.post(f"/api/v1/registrations/{good.id}/certificate", headers=headers),
        client.get(f"/api/v1/registrations/{good.id}/certificate.pdf", headers=headers),
    ):
        assert other.status_code == 404
    assert Certificate.query.count() == 0


def test_api_get_issues_nothing_and_post_issues_once(client, finished, staff, organizer):
    _workshop, good, short = finished
    headers = bearer_for(client, good.user)
    pdf = f"/api/v1/registrations/{good.id}/certificate.pdf"
    issue = f"/api/v1/registrations/{good.id}/certificate"
    events = AuditEvent.query.count()

    not_yet = client.get(pdf, headers=headers)

    assert not_yet.status_code == 409
    assert not_yet.get_json()["error"] == {
        "code": "not_issued",
        "message": "ยังไม่ได้ออกเกียรติบัตรฉบับนี้ กดออกก่อนแล้วจึงดาวน์โหลด",
    }
    assert (Certificate.query.count(), AuditEvent.query.count()) == (0, events)
    for user in (staff, short.user):  # not theirs: as if it did not exist
        assert client.post(issue, headers=bearer_for(client, user)).status_code == 404
    assert Certificate.query.count() == 0

    first = client.post(issue, headers=headers)
    again = client.post(issue, headers=headers)
    by_organizer = client.post(issue, headers=bearer_for(client, organizer))

    certificate = Certificate.query.one()
    assert first.status_code == 201
    assert first.get_json() == client.get(f"/api/v1/certificates/{certificate.code}").get_json()
    assert first.get_json()["number"] == certificate.number_text
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert (by_organizer.status_code, by_organizer.get_json()) == (200, first.get_json())
    assert AuditEvent.query.filter_by(action="certificate.issue").count() == 1
    downloaded = client.get(pdf, headers=headers)
    assert (downloaded.status_code, downloaded.mimetype) == (200, "application/pdf")


def upload(client, workshop_id: int, kind: str, data: bytes, filename: str = "logo.png"):
    page = f"/organizer/workshops/{workshop_id}/certificates"
    return submit_form(
        client,
        page,
        {"kind": kind, "file": (io.BytesIO(data), filename)},
        action=f"/organizer/workshops/{workshop_id}/certificate-images",
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_uploads_are_checked_by_content_and_size(client, finished, organizer, tmp_path):
    workshop, good, _short = finished
    login(client, organizer)

    not_image = upload(client, workshop.id, "logo", b"<svg xmlns='...'></svg>", "logo.png")
    assert "อ่านไฟล์รูปไม่ได้ รับเฉพาะไฟล์ PNG หรือ JPEG" in not_image.get_data(as_text=True)
    gif = io.BytesIO()
    Image.new("RGB", (40, 40)).save(gif, "GIF")
    assert "รับเฉพาะไฟล์ PNG หรือ JPEG" in upload(
        client, workshop.id, "logo", gif.getvalue(), "logo.png"
    ).get_data(as_text=True)
    too_big = upload(client, workshop.id, "logo", png() + b"\0" * (2 * 1024 * 1024), "big.png")
    assert "ไฟล์ใหญ่เกินไป" in too_big.get_data(as_text=True)
    huge = upload(client, workshop.id, "signature", png(5000, 20))
    assert "รูปใหญ่เกินไป" in huge.get_data(as_text=True)
    assert CertificateImage.query.count() == 0

    for kind in ("logo", "signature"):
        assert "บันทึกรูปแล้ว" in upload(client, workshop.id, kind, png()).get_data(as_text=True)
    assert CertificateImage.query.count() == 2
    shown = client.get(f"/organizer/workshops/{workshop.id}/certificate-images/logo")
    assert shown.mimetype == "image/png"

    page = f"/organizer/workshops/{workshop.id}/certificates"
    issue = f"/organizer/registrations/{good.id}/certificate/issue"
    response = submit_form(client, page, {}, action=issue, follow_redirects=True)
    assert response.status_code == 200
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in pdf_text(response.data, tmp_path)


def test_a_long_name_shrinks_onto_one_line(client, venue, organizer, tmp_path):
    workshop = finished_workshop(venue, organizer, sessions=1)
    officer = make_user(
        "officer",
        "long@example.go.th",
        title_prefix="ว่าที่ร้อยตรีหญิง",
        first_name="เกียรติศักดิ์สิทธิ์ประเสริฐวงศ์ศรีสุขเจริญผล",
        last_name="ณ อยุธยา วงศ์สวัสดิ์ศักดิ์สิทธิ์ทองคำรุ่งเรืองชื่นชมอินทร์แก้ว",
    )
    registration = seat(workshop, officer, organizer, 1)
    login(client, officer)

    text = pdf_text(my_certificate(client, registration.id).data, tmp_path)

    assert officer.full_name in text.splitlines()


def jpeg_with_metadata(width: int = 160, height: int = 80, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: GPS position, a description, a comment, an ICC profile."""
    from PIL import ImageCms

    exif = Image.Exif()
    exif[0x010E] = "Logo photographed at 99 Moo 4 Wang Thong"  # ImageDescription
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (16.0, 49.0, 27.0), 3: "E", 4: (100.0, 25.0, 52.0)}  # GPS
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 40, 120)).save(
        buffer, "JPEG", exif=exif.tobytes(), icc_profile=profile, comment=b"Home office"
    )
    return buffer.getvalue()


def embedded_images(pdf: bytes, tmp_path) -> list[bytes]:
    """Every image stream of the PDF as pdfimages writes it (a JPEG exactly as embedded)."""
    source = tmp_path / "images.pdf"
    source.write_bytes(pdf)
    out = tmp_path / "extracted"
    out.mkdir()
    subprocess.run(["pdfimages", "-all", str(source), str(out / "img")], check=True)
    return [path.read_bytes() for path in sorted(out.iterdir())]


def test_uploaded_images_lose_their_metadata_but_keep_the_colour_profile(
    client, finished, organizer, tmp_path
):
    workshop, good, _short = finished
    upload_data = jpeg_with_metadata()
    assert b"Wang Thong" in upload_data and b"Home office" in upload_data
    login(client, organizer)
    assert "บันทึกรูปแล้ว" in upload(client, workshop.id, "logo", upload_data, "logo.jpg").get_data(
        as_text=True
    )
    # A phone photo taken sideways is stored upright: the orientation tag goes with the EXIF.
    sideways = jpeg_with_metadata(160, 80, orientation=6)
    upload(client, workshop.id, "signature", sideways, "signature.jpg")

    stored = {image.kind: image for image in CertificateImage.query.all()}
    assert (stored["signature"].width, stored["signature"].height) == (80, 160)
    for image in stored.values():
        kept = Image.open(io.BytesIO(image.data))
        assert dict(kept.getexif()) == {}
        assert "comment" not in kept.info
        assert kept.info.get("icc_profile"), "the colour profile stays"

    officer = client.application.test_client()
    login(officer, good.user)
    pdf = my_certificate(officer, good.id)
    assert pdf.mimetype == "application/pdf"
    images = [data for data in embedded_images(pdf.data, tmp_path) if data[:2] == b"\xff\xd8"]
    assert len(images) == 2  # the logo and the signature, embedded as JPEG streams
    for data in images:
        assert b"Exif" not in data
        assert b"Wang Thong" not in data and b"Home office" not in data
        assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


def test_downloads_by_get_issue_nothing(client, finished, organizer, tmp_path):
    """A GET changes nothing: a link followed by a browser's prefetch, a crawler or another
    site's <img> issues no certificate and takes no number. Issuing is a POST."""
    workshop, good, _short = finished
    login(client, organizer)
    token = bearer_for(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/certificates"
    all_in_one = f"/organizer/workshops/{workshop.id}/certificates.pdf"
    one = f"/organizer/registrations/{good.id}/certificate.pdf"
    api_all = f"/api/v1/workshops/{workshop.id}/certificates.pdf"
    html = client.get(page).get_data(as_text=True)
    assert all_in_one not in html  # nothing issued yet: no download offered
    assert f"/organizer/registrations/{good.id}/certificate/issue" in html
    events = AuditEvent.query.count()

    refused_all = client.get(all_in_one, follow_redirects=True)
    refused_one = client.get(one, follow_redirects=True)
    refused_api = client.get(api_all, headers=token)

    assert "ยังไม่มีเกียรติบัตรที่ออกแล้วสำหรับการอบรมนี้" in refused_all.get_data(as_text=True)
    assert "ยังไม่ได้ออกเกียรติบัตรฉบับนี้ กดออกก่อนแล้วจึงดาวน์โหลด" in refused_one.get_data(as_text=True)
    assert refused_api.status_code == 404
    assert (Certificate.query.count(), AuditEvent.query.count()) == (0, events)

    # The row's button issues by POST and hands over the PDF.
    issued = submit_form(
        client, page, {}, action=f"/organizer/registrations/{good.id}/certificate/issue"
    )
    assert issued.status_code == 303
    assert issued.headers["Location"].endswith(one)
    certificate = Certificate.query.one()
    assert f"เลขที่ {certificate.number_text}" in pdf_text(client.get(one).data, tmp_path)
    assert client.get(all_in_one).mimetype == "application/pdf"
    assert Certificate.query.count() == 1


def test_api_issues_by_post_then_downloads(client, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1)
    for officer in make_officers(3):
        seat(workshop, officer, organizer, 1)
    token = bearer_for(client, organizer)
    url = f"/api/v1/workshops/{workshop.id}/certificates"

    assert client.get(f"{url}.pdf", headers=token).status_code == 404
    assert Certificate.query.count() == 0
    first = client.post(url, headers=token)
    again = client.post(url, headers=token)

    assert (first.status_code, first.get_json()) == (200, {"issued": 3, "valid": 3})
    assert again.get_json() == {"issued": 0, "valid": 3}
    pdf = client.get(f"{url}.pdf", headers=token)
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 3


def bearer_for(client, user) -> dict[str, str]:
    from tests.integration.test_api_workshops import bearer

    return bearer(client, user)
