"""Sign-in sheets (ใบลงลายมือชื่อ): one PDF per session, from the organizer's pages."""

from __future__ import annotations

import re
import subprocess
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support import login, make_officers, seat, workshop_input
from workshop.extensions import db
from workshop.models import CheckIn
from workshop.services.excuses import excuse_absence
from workshop.services.workshops import change_status, create_workshop
from workshop.thai.dates import bangkok_to_utc

# Names whose Thai dictionary order differs from code-point order (leading vowels เ โ ไ).
NAMES = [
    ("นาย", "ไพโรจน์", "ทองดี"),
    ("นาง", "เกศินี", "ศรีสุข"),
    ("นางสาว", "ขวัญใจ", "บุญมา"),
    ("นาย", "กิตติ", "แก้วมณี"),
    ("นาง", "โสภา", "อินทร์แก้ว"),
    ("นาย", "สมชาย", "ใจดี"),
]
THAI_ORDER = ["กิตติ", "เกศินี", "ขวัญใจ", "ไพโรจน์", "สมชาย", "โสภา"]


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, as pdftotext extracts it."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    count = len(PdfReader(path).pages)
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def render_pngs(data: bytes, tmp_path: Path, name: str) -> list[Path]:
    """Pages as PNGs (kept in the test's folder, for a look by eye when something is off)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(tmp_path / name)], check=True)
    return sorted(tmp_path.glob(f"{name}-*.png"))


@pytest.fixture
def held(venue, organizer):
    """The reference workshop (20 October 2015, 08.30–12.00 and 13.00–16.30), published, with
    the six people of NAMES confirmed."""
    workshop = change_status(
        create_workshop(workshop_input(venue), organizer), "published", organizer
    )
    officers = make_officers(len(NAMES))
    for officer, (prefix, first, last) in zip(officers, NAMES, strict=True):
        officer.title_prefix, officer.first_name, officer.last_name = prefix, first, last
        officer.position = "นักวิชาการพัฒนาชุมชนปฏิบัติการ"
    db.session.commit()
    registrations = [seat(workshop, officer, organizer) for officer in officers]
    return workshop, registrations


def sheet_url(workshop, session, **query) -> str:
    url = f"/organizer/workshops/{workshop.id}/sessions/{session.id}/signin-sheet.pdf"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_the_sheet_gives_the_session_and_lists_people_in_thai_order(
    client, organizer, held, tmp_path
):
    workshop, _registrations = held
    login(client, organizer)
    morning = workshop.sessions[0]

    response = client.get(sheet_url(workshop, morning))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    (page,) = pdf_pages(response.data, tmp_path)
    flat = " ".join(page.split())
    assert "ใบลงลายมือชื่อผู้เข้ารับการอบรม" in flat
    assert workshop.title in flat
    assert "ช่วงที่ 1 จาก 2: พิธีเปิด" in flat
    assert "วันอังคารที่ 20 ตุลาคม พ.ศ. 2558 เวลา 08.30–12.00 น. (3.5 ชั่วโมง)" in flat
    assert "ณ ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก อำเภอวังทอง จังหวัดพิษณุโลก" in flat
    for column in ("ลำดับ", "ชื่อ-สกุล", "ตำแหน่ง", "หน่วยงาน", "ลายมือชื่อ", "หมายเหตุ"):
        assert column in flat
    assert "เวลาเช็กอิน" not in flat
    positions = [flat.index(first) for first in THAI_ORDER]
    assert positions == sorted(positions), flat
    assert "1 นายกิตติ แก้วมณี" in flat
    assert "6 นางโสภา อินทร์แก้ว" in flat
    assert "ขอรับรองว่าผู้มีรายชื่อข้างต้นเข้ารับการอบรมจริง" in flat
    assert "หน้า 1/1" in flat
    render_pngs(response.data, tmp_path, "before")


def test_every_page_repeats_the_heading_and_the_column_header(client, organizer, venue, tmp_path):
    workshop = change_status(
        create_workshop(workshop_input(venue), organizer), "published", organizer
    )
    for officer in make_officers(45):
        seat(workshop, officer, organizer)
    login(client, organizer)

    response = client.get(sheet_url(workshop, workshop.sessions[1], blank=10))

    pages = pdf_pages(response.data, tmp_path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert workshop.title in flat, number
        assert "วันอังคารที่ 20 ตุลาคม พ.ศ. 2558 เวลา 13.00–16.30 น. (3.5 ชั่วโมง)" in flat
        if re.search(r"^\s*\d+\s", page, re.M):  # a page of the list (not the closing one)
            assert "ลำดับ ชื่อ-สกุล ตำแหน่ง หน่วยงาน ลายมือชื่อ หมายเหตุ" in flat, number
        assert f"หน้า {number}/{len(pages)}" in flat
    everything = " ".join(" ".join(pages).split())
    # Ten numbered blank rows follow the 45 people.
    assert "และแถวว่างสำหรับผู้ลงทะเบียนหน้างาน 10 แถว" in everything
    assert "55" in everything.split() and "56" not in everything.split()
    images = render_pngs(response.data, tmp_path, "pages")
    assert len(images) == len(pages)


def test_after_the_event_the_sheet_prints_check_in_times_and_excuses(
    client, organizer, held, tmp_path
):
    workshop, registrations = held
    morning = workshop.sessions[0]
    by_first = {r.user.first_name: r for r in registrations}
    db.session.add(
        CheckIn(
            registration_id=by_first["กิตติ"].id,
            session_id=morning.id,
            scanned_at=bangkok_to_utc(date(2015, 10, 20), time(8, 17)),
            method="qr",
        )
    )
    db.session.commit()
    excuse_absence(by_first["ขวัญใจ"].id, morning.id, "official_duty", "คำสั่งที่ 12/2558", organizer)
    excuse_absence(by_first["สมชาย"].id, morning.id, "leave", "", organizer)
    login(client, organizer)

    response = client.get(sheet_url(workshop, morning, times=1))

    assert response.status_code == 200
    (page,) = pdf_pages(response.data, tmp_path)
    flat = " ".join(page.split())
    assert "ใบลงลายมือชื่อผู้เข้ารับการอบรม (พร้อมเวลาเช็กอิน)" in flat
    assert "นายกิตติ แก้วมณี" in flat and "08.17 น." in flat
    rows = {line.split()[0]: line for line in page.splitlines() if re.match(r"\s*\d\s", line)}
    assert "08.17 น." in rows["1"]
    assert "ไปราชการ" in rows["3"]  # ขวัญใจ: on official duty (the order's number wraps)
    assert "12/2558" in flat
    assert rows["5"].split()[-1] == "ลา"  # สมชาย: on leave
    assert "น." not in rows["4"]  # ไพโรจน์: absent, no time
    render_pngs(response.data, tmp_path, "after")


@pytest.mark.parametrize("blank", ["abc", "-1", "201", "๓", "1e3"])
def test_a_bad_number_of_blank_rows_is_a_clear_message(client, organizer, held, blank):
    workshop, _ = held
    login(client, organizer)

    response = client.get(sheet_url(workshop, workshop.sessions[0], blank=blank))

    assert response.status_code == 422
    assert "จำนวนแถวว่างต้องเป็นจำนวนเต็ม 0 ถึง 200" in response.get_data(as_text=True)


def test_only_organizers_get_sheets_and_only_of_the_workshops_sessions(
    client, organizer, staff, held, venue
):
    workshop, _registrations = held
    other = create_workshop(workshop_input(venue, title="อีกการอบรมหนึ่ง"), organizer)
    url = sheet_url(workshop, workshop.sessions[0])
    assert client.get(url).status_code == 302  # to the sign-in page
    door = client.application.test_client()
    login(door, staff)
    assert door.get(url).status_code == 403
    login(client, organizer)
    assert client.get(sheet_url(workshop, other.sessions[0])).status_code == 404
    assert client.get(sheet_url(other, workshop.sessions[0])).status_code == 404


def test_the_workshop_page_links_every_sessions_sheets(client, organizer, held):
    workshop, _ = held
    login(client, organizer)

    html = client.get(f"/organizer/workshops/{workshop.id}").get_data(as_text=True)

    for session in workshop.sessions:
        assert sheet_url(workshop, session) in html
        assert sheet_url(workshop, session, times=1) in html
