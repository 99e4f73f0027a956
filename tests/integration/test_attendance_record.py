"""Once a workshop is over, its registrations are the attendance record certificates stand on.

The rule (README, "Using it"): nobody cancels a registration of a workshop that has ended, or
moves it to the waitlist, through the pages or the API; a certificate is withdrawn by revoking
it with a reason. A certificate revoked because its holder's account was deleted (on request or
at the end of the retention period) is never granted back.
"""

from __future__ import annotations

import pytest

from tests.integration.test_api_workshops import bearer
from tests.support import finished_workshop, login, make_officers, seat, submit_form
from workshop.extensions import db
from workshop.models import AuditEvent, Certificate, Registration, Workshop
from workshop.services.certificates import CertificateState, explain_eligibility, issue_certificate
from workshop.services.privacy import BY_RETENTION, anonymise_account


@pytest.fixture
def certified(venue, organizer):
    """A finished one-day workshop with two seats: one holder of a certificate, one
    attendee without one yet, and one officer still on the waitlist."""
    workshop = finished_workshop(venue, organizer, sessions=1, capacity=2)
    holder, attendee, waiting = make_officers(3)
    held = seat(workshop, holder, organizer, attended=1)
    present = seat(workshop, attendee, organizer, attended=1)
    waitlisted = seat(workshop, waiting, organizer)
    assert waitlisted.status == "waitlisted"
    issue_certificate(held.id)
    return workshop, held, present, waitlisted


def unchanged(workshop: Workshop, held: Registration, waitlisted: Registration) -> None:
    db.session.expire_all()
    assert db.session.get(Registration, held.id).status == "confirmed"
    assert db.session.get(Registration, waitlisted.id).status == "waitlisted"  # not promoted
    assert Certificate.query.filter_by(registration_id=held.id).one().revoked_at is None
    assert db.session.get(Workshop, workshop.id).confirmed_count == 2
    assert AuditEvent.query.filter(AuditEvent.action.in_(("registration.cancel",))).count() == 0


def test_the_registrations_page_refuses_to_cancel_after_the_workshop_ended(
    client, certified, organizer
):
    workshop, held, present, waitlisted = certified
    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/registrations"
    html = client.get(page).get_data(as_text=True)
    assert f"/organizer/registrations/{held.id}/cancel" not in html  # no button offered
    assert f"/organizer/registrations/{held.id}/waitlist" not in html
    assert "การอบรมจบแล้ว: การลงทะเบียนเป็นหลักฐานการเข้าอบรม" in html

    for registration in (held, present):
        for action in ("cancel", "waitlist"):
            response = submit_form(
                client,
                page,
                {"reason": "ส่งชื่อผิด"},
                action=f"/organizer/registrations/{registration.id}/{action}",
                follow_redirects=True,
            )
            assert "การอบรมจบแล้ว การลงทะเบียนเป็นหลักฐานการเข้าอบรมจึงยกเลิกหรือย้ายไม่ได้" in (
                response.get_data(as_text=True)
            )
    unchanged(workshop, held, waitlisted)
    assert db.session.get(Registration, present.id).status == "confirmed"


def test_the_api_refuses_to_cancel_after_the_workshop_ended(client, certified, organizer):
    workshop, held, _present, waitlisted = certified
    for caller in (organizer, held.user):
        response = client.delete(
            f"/api/v1/registrations/{held.id}?reason=x", headers=bearer(client, caller)
        )
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "workshop_ended"
    unchanged(workshop, held, waitlisted)


def test_a_certificate_holder_cannot_be_cancelled_even_if_the_workshop_goes_on(
    client, certified, organizer
):
    """Sessions added after the certificate was issued make the workshop "not over" again;
    the certificate still stands on the registration."""
    from datetime import timedelta

    from workshop.models.types import utcnow

    workshop, held, _present, waitlisted = certified
    token = bearer(client, organizer)
    later = utcnow().replace(microsecond=0) + timedelta(days=30)
    sessions = [{"id": s.id} for s in workshop.sessions] + [
        {
            "title": "ติดตามผล",
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(hours=3)).isoformat(),
        }
    ]
    patched = client.patch(
        f"/api/v1/workshops/{workshop.id}", json={"sessions": sessions}, headers=token
    )
    assert patched.status_code == 200, patched.get_json()

    refused = client.delete(f"/api/v1/registrations/{held.id}", headers=token)

    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "holds_certificate"
    assert "ให้เพิกถอนเกียรติบัตรพร้อมเหตุผลก่อน" in refused.get_json()["error"]["message"]
    unchanged(workshop, held, waitlisted)


@pytest.mark.parametrize("how", ["request", "retention"])
def test_a_certificate_revoked_for_a_deleted_account_is_not_granted_back(
    client, certified, organizer, how
):
    workshop, held, present, _waitlisted = certified
    if how == "request":
        officer = client.application.test_client()
        login(officer, held.user)
        deleted = submit_form(
            officer, "/auth/delete", {"password": "correct-horse-2559", "understood": "y"}
        )
        assert deleted.status_code == 302
    else:
        anonymise_account(held.user_id, BY_RETENTION)
    anonymise_account(present.user_id, BY_RETENTION)  # eligible, but never issued
    db.session.expire_all()
    revoked = Certificate.query.filter_by(registration_id=held.id).one()
    assert revoked.revoked_at is not None

    login(client, organizer)
    page = f"/organizer/workshops/{workshop.id}/certificates"
    html = client.get(page).get_data(as_text=True)
    assert f"/organizer/registrations/{held.id}/certificate/grant" not in html
    assert f"/organizer/registrations/{present.id}/certificate/issue" not in html
    for registration in (held, present):
        response = submit_form(
            client,
            page,
            {"reason": "ผู้เข้าอบรมขอคืน"},
            action=f"/organizer/registrations/{registration.id}/certificate/grant",
            follow_redirects=True,
        )
        assert "บัญชีของผู้เข้าอบรมคนนี้ถูกลบแล้ว จึงมอบหรือคืนสิทธิ์เกียรติบัตรไม่ได้" in (
            response.get_data(as_text=True)
        )
    issued = submit_form(client, page, {}, action=f"{page}/issue", follow_redirects=True)
    assert "ออกเกียรติบัตรใหม่ 0 ฉบับ" in issued.get_data(as_text=True)

    db.session.expire_all()
    assert Certificate.query.count() == 1
    assert Certificate.query.one().revoked_at is not None
    states = {
        explain_eligibility(db.session.get(Registration, r.id)).state for r in (held, present)
    }
    assert states == {CertificateState.ACCOUNT_DELETED}
    assert AuditEvent.query.filter_by(action="certificate.reinstate").count() == 0
