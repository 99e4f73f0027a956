"""The printable ticket PDF: Thai text that extracts exactly and a QR code that scans."""

import subprocess

import pytest
import zxingcpp
from PIL import Image

from tests.support import login, make_officers, open_workshop
from workshop.services.registrations import register_officer
from workshop.services.tickets import ticket_token


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "ticket.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def decode_qr(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "ticket.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png")))
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper", ["a6", "a4"])
def test_ticket_pdf_has_the_name_sessions_and_a_scannable_qr(
    client, venue, organizer, tmp_path, paper
):
    workshop = open_workshop(venue, organizer)
    (officer,) = make_officers(1)
    officer.title_prefix, officer.first_name, officer.last_name = "นางสาว", "กิ่งแก้ว", "ปิ่นทอง"
    from workshop.extensions import db

    db.session.commit()
    registration = register_officer(workshop.id, officer)
    login(client, officer)
    response = client.get(f"/my/registrations/{registration.id}/ticket.pdf?paper={paper}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in text
    assert "บัตรเข้าร่วมการอบรม" in text
    assert "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก" in text
    assert "ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก" in text
    assert text.count(" น.") >= 2  # one line per session with its Bangkok time range
    assert decode_qr(response.data, tmp_path) == [ticket_token(registration)]


def test_waitlisted_ticket_says_so(client, venue, organizer, tmp_path):
    workshop = open_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    register_officer(workshop.id, first)
    waiting = register_officer(workshop.id, second)
    login(client, second)
    text = pdf_text(client.get(f"/my/registrations/{waiting.id}/ticket.pdf").data, tmp_path)
    assert "รายชื่อสำรองลำดับที่ 1" in text


def test_someone_elses_ticket_pdf_is_404(client, venue, organizer):
    workshop = open_workshop(venue, organizer)
    owner, other = make_officers(2)
    registration = register_officer(workshop.id, owner)
    login(client, other)
    assert client.get(f"/my/registrations/{registration.id}/ticket.pdf").status_code == 404
