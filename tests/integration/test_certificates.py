"""Certificates as a service: eligibility and its explanation, numbering, overrides, codes."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support import finished_workshop, make_office, make_officers, open_workshop, seat
from workshop.extensions import db
from workshop.models import AuditEvent, Certificate, CertificateCounter
from workshop.services.certificates import (
    CertificateState,
    certificate_by_code,
    explain_eligibility,
    format_code,
    grant_certificate,
    issue_certificate,
    issue_eligible,
    new_code,
    normalise_code,
    revoke_certificate,
    revoke_certificates_of,
)
from workshop.services.errors import NotAllowed, NotEligible, NotFound, ValidationFailed


@pytest.mark.parametrize(
    ("sessions", "threshold", "attended", "state"),
    [
        (5, 80, 4, CertificateState.ELIGIBLE),  # exactly 80 %
        (5, 80, 3, CertificateState.SHORT),  # 60 %
        (2, 80, 1, CertificateState.SHORT),  # 50 %: 80 % of 2 needs both
        (3, 100, 3, CertificateState.ELIGIBLE),
    ],
)
def test_threshold_edges(venue, organizer, sessions, threshold, attended, state):
    workshop = finished_workshop(
        venue, organizer, sessions=sessions, attendance_threshold=threshold
    )
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, attended=attended)

    eligibility = explain_eligibility(registration)

    assert eligibility.state == state
    assert (eligibility.attended, eligibility.total) == (attended, sessions)


def test_the_explanation_gives_the_figures(venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=5, attendance_rule="sessions")
    short, enough = make_officers(2)
    short_registration = seat(workshop, short, organizer, attended=3)
    below = explain_eligibility(short_registration)
    above = explain_eligibility(seat(workshop, enough, organizer, attended=5))

    assert below.message == (
        "ไม่ได้รับเกียรติบัตร: เข้าร่วม 3 จาก 5 ช่วง ต่ำกว่าเกณฑ์ 80% (ต้องเข้าร่วมอย่างน้อย 4 ช่วง)"
    )
    assert above.message.startswith("มีสิทธิ์ได้รับเกียรติบัตร: เข้าร่วม 5 จาก 5 ช่วง")
    with pytest.raises(NotEligible) as refused:
        issue_certificate(short_registration.id)
    assert refused.value.message == below.message


def test_no_certificate_before_the_last_session_ends(venue, organizer):
    workshop = open_workshop(venue, organizer)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, attended=2)

    eligibility = explain_eligibility(registration)

    assert eligibility.state == CertificateState.PENDING
    assert "ดาวน์โหลดเกียรติบัตรได้เมื่อการอบรมจบ" in eligibility.message
    with pytest.raises(NotEligible):
        issue_certificate(registration.id)
    later = datetime.now(UTC) + timedelta(days=30)
    assert issue_certificate(registration.id, now=later).number == 1


def test_waitlisted_officers_have_no_certificate(venue, organizer):
    workshop = finished_workshop(venue, organizer, capacity=1)
    first, second = make_officers(2)
    seat(workshop, first, organizer, attended=5)
    waiting = seat(workshop, second, organizer)

    assert explain_eligibility(waiting).state == CertificateState.NO_SEAT
    assert issue_eligible(workshop.id, organizer) == 1


def test_issuing_twice_returns_the_same_certificate(venue, organizer):
    workshop = finished_workshop(venue, organizer)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, attended=5)

    first = issue_certificate(registration.id, officer)
    again = issue_certificate(registration.id, officer)

    assert (again.id, again.number, again.code) == (first.id, first.number, first.code)
    assert first.number_text == "1/2559"
    assert issue_eligible(workshop.id, organizer) == 0
    assert Certificate.query.count() == 1


def test_numbers_run_per_office_and_fiscal_year(venue, organizer):
    """One series per office and fiscal year, whatever name the workshop prints: a workshop
    whose printed name differs by spaces numbers on (officer1 once got "3/2559" twice)."""
    from datetime import date, time

    from workshop.thai.dates import bangkok_to_utc

    same = [
        finished_workshop(venue, organizer),
        finished_workshop(venue, organizer, organizing_agency="สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก"),
    ]
    district = make_office("สำนักงานพัฒนาชุมชนอำเภอวังทอง", parent_id=organizer.office_id)
    other_agency = finished_workshop(venue, organizer, office_id=district.id)
    next_year = finished_workshop(  # FY 2560
        venue,
        organizer,
        sessions=1,
        first=date(2016, 10, 3),
        registration_closes_at=bangkok_to_utc(date(2016, 10, 1), time(12, 0)),
    )
    officers = make_officers(5)
    numbers = []
    for workshop, officer in zip([*same, same[0], other_agency, next_year], officers, strict=True):
        registration = seat(workshop, officer, organizer, attended=len(workshop.sessions))
        numbers.append(issue_certificate(registration.id).number_text)

    assert numbers == ["1/2559", "2/2559", "3/2559", "1/2559", "1/2560"]
    counters = {(c.office_id, c.fiscal_year): c.last_number for c in CertificateCounter.query}
    assert counters == {
        (organizer.office_id, 2559): 3,
        (district.id, 2559): 1,
        (organizer.office_id, 2560): 1,
    }


def test_grant_revoke_and_reinstate_are_audited_and_keep_the_number(venue, organizer):
    workshop = finished_workshop(venue, organizer)
    short, other = make_officers(2)
    registration = seat(workshop, short, organizer, attended=1)
    seat(workshop, other, organizer, attended=5)

    with pytest.raises(ValidationFailed):
        grant_certificate(registration.id, organizer, "  ")
    granted = grant_certificate(registration.id, organizer, "ป่วย มีใบรับรองแพทย์")
    assert explain_eligibility(registration).state == CertificateState.ISSUED
    assert "กรณีพิเศษ: ป่วย มีใบรับรองแพทย์" in explain_eligibility(registration).message

    with pytest.raises(ValidationFailed):
        revoke_certificate(registration.id, organizer, "")
    revoke_certificate(registration.id, organizer, "ออกผิดคน")
    eligibility = explain_eligibility(registration)
    assert eligibility.state == CertificateState.REVOKED
    assert eligibility.message == "เกียรติบัตรถูกเพิกถอนแล้ว: ออกผิดคน"
    with pytest.raises(NotEligible):
        issue_certificate(registration.id, short)
    assert issue_eligible(workshop.id, organizer) == 1  # the other officer: number 2

    reinstated = grant_certificate(registration.id, organizer, "ตรวจแล้วถูกต้อง")
    assert (reinstated.number, reinstated.code) == (granted.number, granted.code)
    actions = [
        (e.action, e.details.get("reason"))
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "certificates")
            .order_by(AuditEvent.id)
        )
        if e.entity_id == granted.id
    ]
    assert actions == [
        ("certificate.grant", "ป่วย มีใบรับรองแพทย์"),
        ("certificate.revoke", "ออกผิดคน"),
        ("certificate.reinstate", "ตรวจแล้วถูกต้อง"),
    ]


def test_account_deletion_can_revoke_with_its_reason(venue, organizer):
    workshop = finished_workshop(venue, organizer)
    (officer,) = make_officers(1)
    certificate = issue_certificate(seat(workshop, officer, organizer, attended=5).id)

    assert revoke_certificates_of(officer.id, "account deleted") == 1

    found = certificate_by_code(certificate.code)
    assert (found.revoked, found.revoke_reason, found.revoked_by_id) == (
        True,
        "account deleted",
        None,
    )
    # Revoked for the deletion, it is never granted back: not even by the reason alone, with
    # the account not (yet) marked deleted.
    with pytest.raises(NotAllowed) as refused:
        grant_certificate(certificate.registration_id, organizer, "ผู้เข้าอบรมขอคืน")
    assert refused.value.code == "account_deleted"
    assert certificate_by_code(certificate.code).revoked


def test_codes_are_random_typable_and_normalised():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = "7K2MQD9X4TNBH8RW"
    assert format_code(code) == "7K2M-QD9X-4TNB-H8RW"
    assert normalise_code(" 7k2m-qd9x-4tnb-h8rw ") == code
    assert normalise_code("7K2M QD9X 4TNB H8RW") == code
    assert normalise_code("7K2M-QD9X-4TNB-H8RO") == "7K2MQD9X4TNBH8R0"  # O read as zero
    assert normalise_code("7K2M-QD9X-4TNB-H8R") is None
    assert normalise_code("7K2M-QD9X-4TNB-H8RU") is None  # U is not in the alphabet
    assert normalise_code("x" * 1000) is None


def test_unknown_and_tampered_codes_are_not_found(venue, organizer):
    workshop = finished_workshop(venue, organizer)
    (officer,) = make_officers(1)
    certificate = issue_certificate(seat(workshop, officer, organizer, attended=5).id)
    assert certificate_by_code(certificate.code.lower()).id == certificate.id
    tampered = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")

    for text in (tampered, "nonsense", "", "' OR 1=1 --"):
        with pytest.raises(NotFound) as missing:
            certificate_by_code(text)
        assert missing.value.message == "ไม่พบเกียรติบัตรที่ใช้รหัสนี้ กรุณาตรวจสอบรหัสอีกครั้ง"
