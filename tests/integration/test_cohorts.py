"""คัดลอกเป็นรุ่นถัดไป: a workshop copied as its next cohort, numbered, without dates or people."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.support import (
    finished_workshop,
    form_values,
    login,
    make_officers,
    open_workshop,
    seat,
)
from workshop.extensions import db
from workshop.models import AuditEvent, Registration, Workshop
from workshop.services.certificates import issue_certificate

SESSION = {
    "opens_day": "01/11/2559",
    "opens_time": "08:30",
    "closes_day": "15/11/2559",
    "closes_time": "16:30",
    "sessions-0-day": "20/11/2559",
    "sessions-0-starts": "08:30",
    "sessions-0-ends": "16:30",
    "sessions-0-title": "",
}


def _copy(client, workshop_id: int) -> Workshop:
    page = client.get(f"/organizer/workshops/{workshop_id}/next-cohort")
    assert page.status_code == 200
    values = form_values(page.text, "title")
    response = client.post(
        f"/organizer/workshops/{workshop_id}/next-cohort", data={**values, **SESSION}
    )
    assert response.status_code == 302, response.text
    db.session.expire_all()
    return db.session.scalars(db.select(Workshop).order_by(Workshop.id.desc())).first()


def test_next_cohort_copies_the_details_without_dates_or_people(client, venue, organizer):
    first = open_workshop(venue, organizer, capacity=30, objectives="เพิ่มทักษะ")
    for officer in make_officers(3):
        from workshop.services.registrations import register_officer

        register_officer(first.id, officer)
    version = first.version
    login(client, organizer)
    assert "คัดลอกเป็นรุ่นถัดไป" in client.get(f"/organizer/workshops/{first.id}").text

    page = client.get(f"/organizer/workshops/{first.id}/next-cohort").text
    values = form_values(page, "title")
    assert values["title"] == first.title and values["objectives"] == "เพิ่มทักษะ"
    assert values["capacity"] == "30"
    assert values["opens_day"] == "" and values["sessions-0-day"] == ""  # no dates copied
    assert "รุ่นที่ 2" in page

    second = _copy(client, first.id)
    assert (second.cohort, second.series_id, second.status) == (2, first.id, "draft")
    assert second.full_title == f"{first.title} รุ่นที่ 2"
    assert (second.capacity, second.objectives, second.office_id) == (
        30,
        "เพิ่มทักษะ",
        first.office_id,
    )
    assert Registration.query.filter_by(workshop_id=second.id).count() == 0
    db.session.refresh(first)
    assert first.full_title == f"{first.title} รุ่นที่ 1"
    assert first.version == version  # joining its series is no edit
    event = AuditEvent.query.filter_by(action="workshop.create", entity_id=second.id).one()
    assert event.details["cohort"] == 2

    third = _copy(client, second.id)  # from any cohort: the series numbers on
    assert (third.cohort, third.series_id) == (3, first.id)
    assert "รุ่นที่ 3" in client.get(f"/organizer/workshops/{third.id}").text
    assert f"{first.title} รุ่นที่ 3" in client.get("/organizer/workshops").text


def test_the_cohort_is_printed_on_certificates_and_reports(client, venue, organizer):
    first = finished_workshop(venue, organizer, sessions=1)
    login(client, organizer)
    second = _copy(client, first.id)
    # The second cohort's own dates: it happened too (moved into the past for the test).
    second = db.session.get(Workshop, second.id)
    second.sessions[0].starts_at = first.sessions[0].starts_at
    second.sessions[0].ends_at = first.sessions[0].ends_at
    second.registration_opens_at = first.registration_opens_at
    second.registration_closes_at = first.registration_closes_at
    second.fiscal_year = first.fiscal_year
    second.status = "published"
    db.session.commit()
    registration = seat(second, make_officers(1)[0], organizer, attended=1)
    issue_certificate(registration.id, organizer)

    pdf = client.get(f"/organizer/registrations/{registration.id}/certificate.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "รุ่นที่ 2" in text
    report = client.get(f"/organizer/workshops/{second.id}/report").text
    assert f"{first.title} รุ่นที่ 2" in report
    year = client.get(f"/organizer/reports/fiscal-year?fy={first.fiscal_year}").text
    assert f"{first.title} รุ่นที่ 2" in year


def test_the_demo_has_a_next_cohort_and_a_district_workshop(app, client):
    from workshop.services.demo import DISTRICT_TITLE, UPCOMING_TITLE

    app.test_cli_runner().invoke(args=["seed-demo"])
    cohorts = Workshop.query.filter_by(title=UPCOMING_TITLE).order_by(Workshop.cohort).all()
    assert [(w.cohort, w.status) for w in cohorts] == [(1, "published"), (2, "draft")]
    assert cohorts[1].full_title.endswith("รุ่นที่ 2")
    assert Registration.query.filter_by(workshop_id=cohorts[1].id).count() == 0
    district = Workshop.query.filter_by(title=DISTRICT_TITLE).one()
    assert district.office.name == "สำนักงานพัฒนาชุมชนอำเภอวังทอง"
