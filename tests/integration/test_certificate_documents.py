"""Certificates as documents (issue 17, defects 4-6): names with a Latin title, numbering and the
bulk file in Thai order, the verification address printed beside the QR code."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.pdf_checks import pdftotext
from tests.support import (
    finished_workshop,
    issue_certificates,
    login,
    make_officers,
    my_certificate,
    seat,
)
from workshop.extensions import db
from workshop.models import Certificate
from workshop.services.certificates import format_code
from workshop.thai.names import full_name


def _name(officer, prefix: str, first: str, last: str) -> None:
    officer.title_prefix, officer.first_name, officer.last_name = prefix, first, last


def test_full_name_spaces_only_a_latin_title() -> None:
    assert full_name("นาย", "สมชาย", "ใจดี") == "นายสมชาย ใจดี"
    assert full_name("ดร.", "กิ่งแก้ว", "ปิ่นทอง") == "ดร.กิ่งแก้ว ปิ่นทอง"
    assert full_name("ว่าที่ ร.ต.", "ธีรวัฒน์", "บุญมี") == "ว่าที่ ร.ต.ธีรวัฒน์ บุญมี"
    assert full_name("Mr.", "John", "Smith") == "Mr. John Smith"
    assert full_name("Dr.", "Anna", "Lee") == "Dr. Anna Lee"
    assert full_name("", "John", "Smith") == "John Smith"
    assert full_name("Ms.", "Mai", "") == "Ms. Mai"


def test_a_latin_title_is_not_glued_to_the_name_on_any_document(client, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1)
    (officer,) = make_officers(1)
    _name(officer, "Mr.", "John", "Smith")
    db.session.commit()
    registration = seat(workshop, officer, organizer, 1)
    login(client, organizer)

    certificate = my_certificate(client, registration.id).data
    report = client.get(f"/organizer/workshops/{workshop.id}/report.pdf").data
    page = client.get(f"/organizer/workshops/{workshop.id}/certificates").get_data(as_text=True)

    assert "Mr. John Smith" in pdftotext(certificate).splitlines()
    assert "Mr. John Smith" in pdftotext(report)
    assert "Mr. John Smith" in page and "Mr.John" not in page


def test_numbers_and_the_bulk_file_follow_thai_order(client, venue, organizer):
    """Code-point order put เกียรติศักดิ์ (leading vowel) after สมชาย; the Thai dictionary files
    it under ก, after กิ่งแก้ว."""
    workshop = finished_workshop(venue, organizer, sessions=1)
    officers = make_officers(3)
    for officer, (prefix, first, last) in zip(
        officers,
        [("นาย", "สมชาย", "ใจดี"), ("นาย", "เกียรติศักดิ์", "ทองคำ"), ("นางสาว", "กิ่งแก้ว", "ปิ่นทอง")],
        strict=True,
    ):
        _name(officer, prefix, first, last)
    db.session.commit()
    for officer in officers:
        seat(workshop, officer, organizer, 1)
    login(client, organizer)

    issue_certificates(client, workshop.id)

    bulk = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf").data

    numbers = {
        c.registration.user.first_name: c.number_text
        for c in Certificate.query.order_by(Certificate.number)
    }
    assert numbers == {"กิ่งแก้ว": "1/2559", "เกียรติศักดิ์": "2/2559", "สมชาย": "3/2559"}
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(bulk)).pages]
    order = ["นางสาวกิ่งแก้ว ปิ่นทอง", "นายเกียรติศักดิ์ ทองคำ", "นายสมชาย ใจดี"]
    assert [next(n for n in order if n in text) for text in pages] == order


def test_the_bulk_file_is_in_name_order_even_when_numbers_are_not(client, venue, organizer):
    """สมชาย downloaded his own certificate first and got number 1; the bulk file still lists
    people as the sign-in sheet does."""
    workshop = finished_workshop(venue, organizer, sessions=1)
    first, second = make_officers(2)
    _name(first, "นาย", "สมชาย", "ใจดี")
    _name(second, "นาย", "เกียรติศักดิ์", "ทองคำ")
    db.session.commit()
    early = seat(workshop, first, organizer, 1)
    seat(workshop, second, organizer, 1)
    officer_browser = client.application.test_client()
    login(officer_browser, first)
    assert my_certificate(officer_browser, early.id).mimetype == "application/pdf"
    login(client, organizer)

    issue_certificates(client, workshop.id)

    bulk = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf").data

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(bulk)).pages]
    assert "นายเกียรติศักดิ์ ทองคำ" in pages[0] and "2/2559" in pages[0]
    assert "นายสมชาย ใจดี" in pages[1] and "1/2559" in pages[1]


def test_the_verification_address_is_printed_beside_the_qr_code(client, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, 1)
    login(client, officer)

    data = my_certificate(client, registration.id).data

    code = format_code(Certificate.query.one().code)
    url = f"{client.application.config['BASE_URL']}/verify/{code}"
    lines = pdftotext(data).splitlines()
    # The address, cut after its last slash so that the code starts a line of its own.
    at = lines.index(url.rpartition("/")[0] + "/")
    assert lines[at + 1] == code
    assert f"รหัส {code}" in lines


POSITION = "พัฒนาการจังหวัดพิษณุโลก\nปฏิบัติราชการแทน\nผู้ว่าราชการจังหวัดพิษณุโลก"


def test_the_signatory_position_keeps_the_organizers_line_breaks(client, venue, organizer):
    """Typed in three lines on the workshop form (Windows line ends from a browser), printed in
    the same three lines under the signatory's name."""
    from tests.integration.test_organizer_pages import workshop_form
    from tests.support import submit_form
    from workshop.models import Workshop
    from workshop.services.workshops import change_status

    login(client, organizer)
    form = workshop_form(venue, signatory_position=POSITION.replace("\n", "\r\n"))
    assert submit_form(client, "/organizer/workshops/new", form).status_code == 302
    workshop = Workshop.query.one()
    assert workshop.signatory_position == POSITION
    page = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)
    assert f'<span class="meta prose">{POSITION}</span>' in page
    change_status(workshop, "published", organizer)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, 2)

    data = my_certificate(client, registration.id).data

    lines = pdftotext(data).splitlines()
    at = lines.index("(นายสมชาย ใจดี)")
    assert lines[at + 1 : at + 4] == POSITION.split("\n")


def test_a_surname_wider_than_its_column_is_never_cut(client, venue, organizer):
    """The attendee table's name column breaks between first name and surname only; a surname
    too wide for it is set smaller on one line (it was cut as …กุลธนา | วัฒน์…)."""
    workshop = finished_workshop(venue, organizer, sessions=1)
    (officer,) = make_officers(1)
    surname = "ศรีกุลธนาวัฒน์ประเสริฐวงศ์ศักดิ์สิทธิ์"
    _name(officer, "นางสาว", "กิ่งแก้ว", surname)
    db.session.commit()
    seat(workshop, officer, organizer, 1)
    login(client, organizer)

    data = client.get(f"/organizer/workshops/{workshop.id}/report.pdf").data

    lines = pdftotext(data).splitlines()
    at = lines.index("1 นางสาวกิ่งแก้ว")
    assert lines[at + 1] == surname
