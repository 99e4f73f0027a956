"""One way to write where and when, in every page, mail and PDF: a Bangkok venue has เขต and no
จังหวัด, prefixes typed by hand are written once, a span over a month end names its year once."""

from __future__ import annotations

import email
import email.policy
import io
import subprocess
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support import finished_workshop, login, make_officers, my_certificate, seat
from workshop.services.venues import VenueInput, create_venue
from workshop.thai.dates import bangkok_to_utc

HOTEL = "โรงแรมริเวอร์ไซด์"


def squeezed(text: str) -> str:
    """Text without white space: a PDF may break a line anywhere between words."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return squeezed("\n".join(page.extract_text() for page in reader.pages))


def poppler_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return squeezed(result.stdout.decode())


@pytest.fixture
def bangkok_workshop(app, organizer):
    """A finished workshop at a Bangkok venue (typed กทม., district typed with its เขต), from
    30 September to 2 October 2015; one officer seated who attended every day."""
    venue = create_venue(
        VenueInput(name=HOTEL, district="เขตบางรัก", province="กทม.", capacity=200), organizer
    )
    workshop = finished_workshop(
        venue,
        organizer,
        sessions=3,
        first=date(2015, 9, 30),
        registration_opens_at=bangkok_to_utc(date(2015, 9, 1), time(8, 30)),
        registration_closes_at=bangkok_to_utc(date(2015, 9, 29), time(16, 30)),
    )
    (officer,) = make_officers(1)
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.iterdir()) if outbox.exists() else set()
    registration = seat(workshop, officer, organizer, attended=3)
    (mail,) = sorted(set(outbox.iterdir()) - before)
    return workshop, registration, mail


BANGKOK = "เขตบางรักกรุงเทพมหานคร"
WRONG = ("จังหวัดกรุงเทพ", "จังหวัดกทม", "อำเภอบางรัก", "เขตเขต", "กทม.")


def assert_bangkok(text: str) -> None:
    assert squeezed(HOTEL) + BANGKOK in text
    for wrong in WRONG:
        assert wrong not in text, wrong


def test_a_bangkok_venue_reads_the_same_in_every_document(client, bangkok_workshop, organizer):
    workshop, registration, mail = bangkok_workshop

    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert_bangkok(squeezed(message.get_body(("plain",)).get_content()))

    login(client, registration.user)
    assert_bangkok(squeezed(client.get(f"/workshops/{workshop.id}").get_data(as_text=True)))
    assert_bangkok(squeezed(client.get("/my/registrations").get_data(as_text=True)))
    ticket = client.get(f"/my/registrations/{registration.id}/ticket.pdf")
    assert_bangkok(poppler_text(ticket.data))
    certificate = my_certificate(client, registration.id)
    assert_bangkok(poppler_text(certificate.data))
    assert "ณ" + squeezed(HOTEL) in poppler_text(certificate.data)

    organizer_browser = client.application.test_client()
    login(organizer_browser, organizer)
    report = organizer_browser.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    assert_bangkok(pdf_text(report.data))


def test_a_span_over_a_month_end_is_written_once_everywhere(client, bangkok_workshop, organizer):
    workshop, registration, _mail = bangkok_workshop
    span = squeezed("30 กันยายน – 2 ตุลาคม 2558")

    login(client, organizer)
    report = client.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    assert span in pdf_text(report.data)
    assert span in squeezed(client.get(f"/organizer/workshops/{workshop.id}/report").text)
    assert squeezed("30 ก.ย. – 2 ต.ค. 58") in squeezed(client.get("/organizer/workshops").text)
    assert span in squeezed(client.get("/workshops/past").text)  # a workshop of 2558

    officer_browser = client.application.test_client()
    login(officer_browser, registration.user)
    certificate = my_certificate(officer_browser, registration.id)
    assert squeezed("ระหว่างวันที่ 30 กันยายน – 2 ตุลาคม พ.ศ. 2558") in poppler_text(certificate.data)
