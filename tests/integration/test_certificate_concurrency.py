"""Certificate numbers stay 1..N, without gaps or duplicates, when many are issued at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.support import finished_workshop, make_officers, seat
from workshop.extensions import db
from workshop.models import Certificate, CertificateCounter
from workshop.services.certificates import issue_certificate


def issue_in_parallel(app, registration_ids: list[int]) -> list[tuple[int, str]]:
    """Each id issued from its own thread, app context and database connection, all at once."""
    start = threading.Barrier(len(registration_ids))

    def issue(registration_id: int) -> tuple[int, str]:
        with app.app_context():
            start.wait()
            try:
                certificate = issue_certificate(registration_id)
                return certificate.number, certificate.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(registration_ids)) as pool:
        return list(pool.map(issue, registration_ids))


def test_30_certificates_issued_at_once_are_numbered_1_to_30(app, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1)
    registrations = [seat(workshop, o, organizer, attended=1) for o in make_officers(30)]

    results = issue_in_parallel(app, [r.id for r in registrations])

    assert sorted(number for number, _ in results) == list(range(1, 31))
    db.session.rollback()
    stored = sorted(db.session.scalars(select(Certificate.number)))
    assert stored == list(range(1, 31))
    assert db.session.scalar(select(CertificateCounter.last_number)) == 30


def test_one_registration_issued_ten_times_at_once_gets_one_certificate(app, venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, attended=1)

    results = issue_in_parallel(app, [registration.id] * 10)

    assert set(results) == {results[0]}
    assert results[0][0] == 1
    db.session.rollback()
    assert Certificate.query.count() == 1
    assert db.session.scalar(select(CertificateCounter.last_number)) == 1
