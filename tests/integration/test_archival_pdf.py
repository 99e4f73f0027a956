"""Every PDF the app makes is PDF/A-2u, fetched the way users fetch it (issue 17, archival).

One workshop, long over: a ticket, a certificate, the bulk certificate file, the summary report
and the fiscal-year report. Each passes ``tests.pdf_checks.check_archival`` (pikepdf's PDF/A
validator and each listed rule) and keeps an exact text layer.
"""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from tests.pdf_checks import check_archival, check_structure, pdftotext
from tests.support import (
    finished_workshop,
    issue_certificates,
    login,
    make_officers,
    my_certificate,
    open_workshop,
    seat,
)
from workshop.extensions import db
from workshop.models import Certificate
from workshop.services.registrations import register_officer

TITLE = "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559"
AGENCY = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"


@pytest.fixture
def people():
    officers = make_officers(2)
    names = [("นางสาว", "กิ่งแก้ว", "ปิ่นทอง"), ("นาย", "เกียรติศักดิ์", "ศรีกุลธนาวัฒน์")]
    for officer, (prefix, first, last) in zip(officers, names, strict=True):
        officer.title_prefix, officer.first_name, officer.last_name = prefix, first, last
    db.session.commit()
    return officers


@pytest.fixture
def finished(venue, organizer, people):
    workshop = finished_workshop(venue, organizer, sessions=2, signatory_name="นายสมชาย ใจดี")
    registrations = [seat(workshop, officer, organizer, 2) for officer in people]
    return workshop, registrations


def test_ticket_is_archival(client, venue, organizer, people):
    workshop = open_workshop(venue, organizer)
    registration = register_officer(workshop.id, people[0])
    login(client, people[0])

    data = client.get(f"/my/registrations/{registration.id}/ticket.pdf").data

    info = check_archival(data)
    assert info.title == "บัตรเข้าร่วมการอบรม นางสาวกิ่งแก้ว ปิ่นทอง"
    assert info.author == AGENCY
    text = pdftotext(data)
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in text.splitlines()


def test_certificate_is_archival(client, finished):
    _workshop, (registration, _other) = finished
    login(client, registration.user)

    data = my_certificate(client, registration.id).data

    info = check_archival(data)
    certificate = Certificate.query.filter_by(registration_id=registration.id).one()
    assert info.title == "เกียรติบัตร นางสาวกิ่งแก้ว ปิ่นทอง"
    assert info.author == AGENCY
    assert certificate.number_text in info.subject
    assert info.keywords == f"{certificate.code[:4]}-{certificate.code[4:8]}-" + (
        f"{certificate.code[8:12]}-{certificate.code[12:]}"
    )
    lines = pdftotext(data).splitlines()
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in lines
    assert f"ได้เข้าร่วม{TITLE}" in lines


def test_a_certificate_is_tagged_in_reading_order(client, finished):
    """Tagged PDF: the title is a heading, each block of lines a paragraph, the QR code a
    figure with its address as alternative text, the border decoration; in reading order."""
    _workshop, (registration, _other) = finished
    login(client, registration.user)

    data = my_certificate(client, registration.id).data

    (order,) = check_structure(data)
    kinds = [kind for kind, _mcid in order]
    assert kinds.count("H1") == 1 and kinds.count("Figure") == 1
    assert kinds[:3] == ["P", "P", "H1"]  # agency, number (top right), then the title
    with pikepdf.open(io.BytesIO(data)) as pdf:
        content = pdf.pages[0].Contents.read_bytes()
        assert content.count(b"/Artifact BMC") == 1  # the border
        figure = next(e for e in pdf.Root.StructTreeRoot.K.K if e.S == "/Figure")
        assert str(figure.Alt).startswith("QR: http://127.0.0.1:5000/verify/")


def test_bulk_certificates_are_archival(client, finished, organizer):
    workshop, _registrations = finished
    login(client, organizer)

    issue_certificates(client, workshop.id)

    data = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf").data

    info = check_archival(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" not in pdf.Root  # a print batch is not tagged (see render_pages)
    assert info.title == f"เกียรติบัตร {AGENCY}"
    assert len(info.keywords.split(", ")) == 2
    lines = pdftotext(data).splitlines()
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in lines and "นายเกียรติศักดิ์ ศรีกุลธนาวัฒน์" in lines


def test_workshop_report_is_archival(client, finished, organizer):
    workshop, _registrations = finished
    login(client, organizer)

    data = client.get(f"/organizer/workshops/{workshop.id}/report.pdf").data

    info = check_archival(data)
    assert info.title == f"รายงานสรุปผลการอบรม {TITLE}"
    assert info.author == AGENCY
    lines = pdftotext(data).splitlines()
    assert TITLE in lines
    assert any("นายเกียรติศักดิ์ ศรีกุลธนาวัฒน์" in line for line in lines)


def test_fiscal_year_report_is_archival(client, finished, organizer):
    login(client, organizer)

    data = client.get("/organizer/reports/fiscal-year.pdf?fy=2559").data

    info = check_archival(data)
    assert info.title == "รายงานการอบรมประจำปีงบประมาณ พ.ศ. 2559"
    lines = pdftotext(data).splitlines()
    assert "รายงานการอบรมประจำปีงบประมาณ พ.ศ. 2559" in lines
    # The title wraps in its table cell: the same characters, cut into lines.
    assert TITLE.replace(" ", "") in "".join(lines).replace(" ", "")


def test_uploaded_images_keep_the_certificate_archival(client, finished, organizer):
    """A CMYK JPEG logo (as print shops send them) and a PNG signature with transparency:
    the certificate has no DeviceCMYK image, which an sRGB output intent would not allow."""
    from tests.integration.test_certificate_pages import png, upload

    workshop, (registration, _other) = finished
    login(client, organizer)
    cmyk = io.BytesIO()
    Image.new("CMYK", (120, 60), (0, 80, 90, 10)).save(cmyk, "JPEG")
    assert "บันทึกรูปแล้ว" in upload(client, workshop.id, "logo", cmyk.getvalue(), "logo.jpg").get_data(
        as_text=True
    )
    assert "บันทึกรูปแล้ว" in upload(client, workshop.id, "signature", png()).get_data(as_text=True)

    data = my_certificate(client, registration.id).data

    check_archival(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xobjects = pdf.pages[0].Resources.XObject.values()
        images = [x for x in xobjects if x.Subtype == "/Image"]  # not the frame's form
        assert len(images) == 2
        assert all(image.ColorSpace != "/DeviceCMYK" for image in images)


def test_signin_sheet_is_archival(client, finished, organizer):
    workshop, _registrations = finished
    login(client, organizer)
    session = workshop.sessions[0]

    data = client.get(
        f"/organizer/workshops/{workshop.id}/sessions/{session.id}/signin-sheet.pdf"
    ).data

    info = check_archival(data)
    assert info.title == f"ใบลงลายมือชื่อผู้เข้ารับการอบรม {TITLE}"
    assert info.author == AGENCY
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in " ".join(pdftotext(data).split())
