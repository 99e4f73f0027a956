"""Certificate design (issue 17): wording per type with placeholders, up to two signatories,
Thai numerals on certificates and reports, built-in frames or an uploaded background, and the
preview on the settings page, all through the organizer's pages."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from tests.integration.test_certificate_pages import png, upload
from tests.pdf_checks import check_archival, pdftotext
from tests.support import finished_workshop, login, make_officers, my_certificate, seat, submit_form
from workshop.extensions import db
from workshop.models import AuditEvent, Workshop
from workshop.services.certificate_design import (
    DEFAULT_WORDING,
    check_wording,
    cohort_of,
    fill_wording,
)
from workshop.services.errors import ValidationFailed
from workshop.thai.numerals import arabic_digits, digits, thai_digits

TITLE = "การพัฒนาสินค้า OTOP รุ่น 2"


@pytest.fixture
def held(venue, organizer):
    """A finished three-day workshop with one officer who attended all of it."""
    workshop = finished_workshop(
        venue,
        organizer,
        sessions=3,
        title=TITLE,
        signatory_name="นายสมชาย ใจดี",
        signatory_position="ผู้ว่าราชการจังหวัดพิษณุโลก",
    )
    (officer,) = make_officers(1)
    officer.title_prefix, officer.first_name, officer.last_name = "นางสาว", "กิ่งแก้ว", "ปิ่นทอง"
    db.session.commit()
    registration = seat(workshop, officer, organizer, 3)
    return workshop, registration


def _design(client, workshop_id: int, **fields):
    page = f"/organizer/workshops/{workshop_id}/certificates"
    data = {
        "wording": "",
        "signatory2_name": "",
        "signatory2_position": "",
        "frame": "classic",
        **fields,
    }
    return submit_form(
        client, page, data, action=f"/organizer/workshops/{workshop_id}/certificate-design"
    )


def _certificate(client, registration) -> bytes:
    response = my_certificate(client, registration.id)
    assert response.status_code == 200
    return response.data


def _text(pdf: bytes) -> str:
    return " ".join(pdftotext(pdf).split())


# ---------------------------------------------------------------- wording


def test_each_type_has_its_own_wording(client, held, organizer):
    workshop, registration = held
    login(client, organizer)
    text = _text(_certificate(client, registration))
    assert f"ได้เข้าร่วม{TITLE}" in text  # เกียรติบัตร, the default type

    workshop.certificate_kind = "วุฒิบัตร"
    db.session.commit()
    text = _text(_certificate(client, registration))
    assert f"ได้ผ่านการฝึกอบรมหลักสูตร{TITLE}" in text
    assert "ระหว่างวันที่ 20–22 ตุลาคม พ.ศ. 2558 รวม 18 ชั่วโมง" in text


def test_the_organizer_edits_the_wording_with_placeholders(client, held, organizer):
    workshop, registration = held
    login(client, organizer)
    wording = "ได้ผ่านการอบรม {title}\r\n{dates} ณ {venue}\r\nรวม {hours} ชั่วโมง ({name}) รุ่นที่ {cohort}"

    response = _design(client, workshop.id, wording=wording)

    assert response.status_code == 302
    db.session.refresh(workshop)
    assert workshop.certificate_wording == wording.replace("\r\n", "\n")
    lines = pdftotext(_certificate(client, registration)).splitlines()
    assert f"ได้ผ่านการอบรม {TITLE}" in lines
    assert any(line.startswith("ระหว่างวันที่ 20–22 ตุลาคม พ.ศ. 2558 ณ ") for line in lines)
    # No cohort in this schema yet: the placeholder is empty, not an error.
    assert "รวม 18 ชั่วโมง (นางสาวกิ่งแก้ว ปิ่นทอง) รุ่นที่" in lines
    event = AuditEvent.query.filter_by(action="certificate_design.save").one()
    assert event.details["frame"] == "classic"


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        ("ได้เข้าร่วม{topic}", "ไม่รู้จักช่องแทนค่า {topic} ใช้ได้เฉพาะ {name} {title}"),
        ("ได้เข้าร่วม{title", "วงเล็บปีกกาไม่ครบคู่"),
        ("ได้เข้าร่วม{}", "ไม่รู้จักช่องแทนค่า {}"),
        ("ได้เข้าร่วม{title!r}", "ไม่รู้จักช่องแทนค่า {title!r}"),
        ("ได้เข้าร่วม}", "วงเล็บปีกกาไม่ครบคู่"),
    ],
)
def test_a_wording_with_an_unknown_placeholder_is_refused_in_thai(
    client, held, organizer, wording, message
):
    workshop, _registration = held
    login(client, organizer)

    response = _design(client, workshop.id, wording=wording, frame="ornate")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "ได้เข้าร่วม" in html  # what was typed stays in the form
    db.session.refresh(workshop)
    assert workshop.certificate_wording == "" and workshop.certificate_frame == "classic"


def test_wording_rules_as_plain_functions():
    assert check_wording("  บรรทัดหนึ่ง \n\n {title} ") == "บรรทัดหนึ่ง\n{title}"
    with pytest.raises(ValidationFailed):
        check_wording("x\n" * 7)
    with pytest.raises(ValidationFailed):
        check_wording("{title:>10}")
    filled = fill_wording(
        "{name} ได้เข้าร่วม {title} {hours} ชั่วโมง",
        {"name": "Mr. John 2nd", "title": "รุ่น 2", "hours": "12"},
        thai_numerals=True,
    )
    assert filled == "Mr. John 2nd ได้เข้าร่วม รุ่น ๒ ๑๒ ชั่วโมง"  # the name as written
    assert set(DEFAULT_WORDING) == {"เกียรติบัตร", "วุฒิบัตร"}


def test_the_cohort_is_that_of_a_series_only():
    """{cohort} is the number of a workshop run again (คัดลอกเป็นรุ่นถัดไป); a workshop run once
    has none, and its title stands alone."""
    from workshop.models import Workshop

    assert cohort_of(Workshop(title="อบรม", cohort=3, series_id=1)) == "3"
    assert cohort_of(Workshop(title="อบรม", cohort=1, series_id=None)) == ""


# ---------------------------------------------------------------- preview


def test_the_settings_page_shows_a_preview_before_anything_is_issued(client, held, organizer):
    workshop, _registration = held
    login(client, organizer)
    _design(client, workshop.id, wording="ขอแสดงความยินดีกับ {name} ที่เข้าร่วม {title}")

    page = client.get(f"/organizer/workshops/{workshop.id}/certificates").get_data(as_text=True)
    assert f"/organizer/workshops/{workshop.id}/certificate-preview.png" in page
    picture = client.get(f"/organizer/workshops/{workshop.id}/certificate-preview.png")
    assert picture.mimetype == "image/png"
    assert picture.headers["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(picture.data))
    assert image.width == 1100 and 770 < image.height < 790  # A4 landscape

    pdf = client.get(f"/organizer/workshops/{workshop.id}/certificate-preview.pdf").data
    check_archival(pdf)
    # The first seated officer's name, a sample number and code; nothing was issued.
    assert f"ขอแสดงความยินดีกับ นางสาวกิ่งแก้ว ปิ่นทอง ที่เข้าร่วม {TITLE}" in _text(pdf)
    assert "XXXX-XXXX-XXXX-XXXX" in _text(pdf)
    from workshop.models import Certificate

    assert Certificate.query.count() == 0


def test_only_organizers_see_the_preview(client, held):
    workshop, registration = held
    login(client, registration.user)
    response = client.get(f"/organizer/workshops/{workshop.id}/certificate-preview.png")
    assert response.status_code == 403
    assert client.get(
        f"/organizer/workshops/{workshop.id}/certificate-preview.gif"
    ).status_code in (
        403,
        404,
    )


# ---------------------------------------------------------------- signatories


def test_two_signatories_each_with_a_signature(client, held, organizer):
    workshop, registration = held
    login(client, organizer)
    _design(
        client,
        workshop.id,
        signatory2_name="นางสุนันทา วงศ์ใหญ่",
        signatory2_position="พัฒนาการจังหวัดพิษณุโลก\r\nปฏิบัติราชการแทน",
    )
    assert "บันทึกรูปแล้ว" in upload(client, workshop.id, "signature", png()).get_data(as_text=True)
    assert "บันทึกรูปแล้ว" in upload(client, workshop.id, "signature2", png(200, 80)).get_data(
        as_text=True
    )

    pdf = _certificate(client, registration)

    lines = pdftotext(pdf).splitlines()
    for name, position in (
        ("(นายสมชาย ใจดี)", ["ผู้ว่าราชการจังหวัดพิษณุโลก"]),
        ("(นางสุนันทา วงศ์ใหญ่)", ["พัฒนาการจังหวัดพิษณุโลก", "ปฏิบัติราชการแทน"]),
    ):
        at = lines.index(name)
        assert lines[at + 1 : at + 1 + len(position)] == position
    with pikepdf.open(io.BytesIO(pdf)) as document:
        xobjects = document.pages[0].Resources.XObject.values()
        sizes = sorted(int(x.Width) for x in xobjects if x.Subtype == "/Image")
    assert sizes == [120, 200]
    check_archival(pdf)


# ---------------------------------------------------------------- Thai numerals


def test_numerals_mapping():
    assert thai_digits("12/2559 08.30–16.30 น.") == "๑๒/๒๕๕๙ ๐๘.๓๐–๑๖.๓๐ น."
    assert arabic_digits("๑๒/๒๕๕๙") == "12/2559"
    assert digits("12", False) == "12"


def test_thai_numerals_on_the_certificate_and_the_report(client, held, organizer):
    workshop, registration = held
    registration.user.last_name = "ปิ่นทอง2"  # a name keeps its digits as written
    db.session.commit()
    login(client, organizer)
    _design(client, workshop.id, thai_numerals="1")

    certificate = pdftotext(_certificate(client, registration)).splitlines()
    report_pdf = client.get(f"/organizer/workshops/{workshop.id}/report.pdf").data
    report = pdftotext(report_pdf)

    assert "เลขที่ ๑/๒๕๕๙" in certificate
    assert "ระหว่างวันที่ ๒๐–๒๒ ตุลาคม พ.ศ. ๒๕๕๘" in certificate
    assert "ให้ไว้ ณ วันที่ ๒๒ ตุลาคม พ.ศ. ๒๕๕๘" in certificate
    assert "นางสาวกิ่งแก้ว ปิ่นทอง2" in certificate
    address = client.application.config["BASE_URL"]
    assert f"{address}/verify/" in certificate  # the address and the code stay typeable
    assert "หน้า ๑/" in report and "พ.ศ. ๒๕๕๙" in report
    assert "นางสาวกิ่งแก้ว ปิ่นทอง2" in report
    assert "2559" not in report.replace("ปิ่นทอง2", "")
    # The chart too: its axis, bar values and legend ("เข้าร่วมอย่างน้อย ๑ ช่วง").
    assert "เข้าร่วมอย่างน้อย ๑ ช่วง" in report
    assert [line for line in report.splitlines() if re.search("[0-9]", line)] == [
        "๑ นางสาวกิ่งแก้ว ปิ่นทอง2"  # the attendee table: only the name keeps its digit
    ]


# ---------------------------------------------------------------- frames and backgrounds


def _page_picture(pdf: bytes) -> Image.Image:
    from workshop.pdf.preview import first_page_png

    return Image.open(io.BytesIO(first_page_png(pdf, 400))).convert("L")


def test_the_three_frames_differ_and_stay_archival(client, held, organizer):
    workshop, registration = held
    login(client, organizer)
    pictures = {}
    for frame in ("classic", "ornate", "modern"):
        assert _design(client, workshop.id, frame=frame).status_code == 302
        pdf = _certificate(client, registration)
        check_archival(pdf)
        pictures[frame] = _page_picture(pdf)
    from PIL import ImageChops, ImageStat

    for a, b in (("classic", "ornate"), ("classic", "modern"), ("ornate", "modern")):
        difference = ImageStat.Stat(ImageChops.difference(pictures[a], pictures[b])).mean[0]
        assert difference > 1.0, (a, b)
    assert _design(client, workshop.id, frame="baroque").status_code == 422


def _pdf_background() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(842, 595))
    canvas.setFillColorRGB(0.9, 0.85, 0.6)
    canvas.rect(0, 0, 842, 595, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_an_uploaded_background_replaces_the_frame(client, held, organizer):
    workshop, registration = held
    login(client, organizer)

    html = upload(client, workshop.id, "background", _pdf_background(), "design.pdf").get_data(
        as_text=True
    )
    assert "บันทึกรูปแล้ว" in html
    from workshop.services.certificate_images import certificate_image

    stored = certificate_image(workshop.id, "background")
    assert stored.content_type == "image/png"
    assert 1750 <= stored.width <= 1760  # 150 dpi, A4 wide

    pdf = _certificate(client, registration)
    check_archival(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        xobjects = list(document.pages[0].Resources.XObject.values())
    assert [x.Subtype for x in xobjects] == ["/Image"]  # the background; no frame drawn
    corner = _page_picture(pdf).getpixel((5, 5))
    assert 190 < corner < 240  # the design's tint, to the page's edge


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7\nnot really", "broken.pdf", "อ่านไฟล์ PDF ไม่ได้"),
        (b"GIF89a" + b"\0" * 100, "x.gif", "อ่านไฟล์ไม่ได้ รับเฉพาะไฟล์ PNG, JPEG หรือ PDF"),
        (b"%PDF-" + b"\0" * (6 * 1024 * 1024), "huge.pdf", "ไฟล์ใหญ่เกินไป (ไม่เกิน 6 MB)"),
    ],
)
def test_backgrounds_are_checked_by_content_and_size(client, held, organizer, data, name, message):
    workshop, _registration = held
    login(client, organizer)
    html = upload(client, workshop.id, "background", data, name).get_data(as_text=True)
    assert message in html
    from workshop.services.certificate_images import certificate_image

    assert certificate_image(workshop.id, "background") is None


def test_a_logo_is_never_a_pdf(client, held, organizer):
    workshop, _registration = held
    login(client, organizer)
    html = upload(client, workshop.id, "logo", _pdf_background(), "logo.pdf").get_data(as_text=True)
    assert "อ่านไฟล์รูปไม่ได้ รับเฉพาะไฟล์ PNG หรือ JPEG" in html


# ---------------------------------------------------------------- demo


def test_the_demo_shows_two_signatories_a_frame_and_thai_numerals(app):
    from workshop.services.demo import TITLE as REFERENCE
    from workshop.services.demo import UPCOMING_TITLE

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    reference = Workshop.query.filter_by(title=REFERENCE).one()
    upcoming = Workshop.query.filter_by(title=UPCOMING_TITLE, cohort=1).one()
    assert reference.signatory_name and reference.signatory2_name
    assert reference.certificate_frame == "ornate"
    assert upcoming.thai_numerals and not reference.thai_numerals
    from workshop.services.certificate_images import certificate_images

    assert {"signature", "signature2"} <= set(certificate_images(reference.id))
