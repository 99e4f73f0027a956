"""Certificate endpoints: public verification by code, PDFs for owners and organizers."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.registrations import REGISTRATION_ID, WORKSHOP_ID
from workshop.api.schemas import CertificateOut, CertificatesIssuedOut
from workshop.downloads import certificate_download, workshop_certificates_download
from workshop.models import Certificate, Role
from workshop.services.certificates import (
    certificate_by_code,
    format_code,
    issue_certificate_once,
    issue_eligible,
    issued_certificate,
    issued_count,
    recipient_name,
    revoke_reason_text,
    valid_certificates,
)
from workshop.services.errors import NotFound
from workshop.services.registrations import get_registration
from workshop.services.workshops import get_workshop
from workshop.thai.dates import to_bangkok


def certificate_json(certificate: Certificate) -> dict[str, Any]:
    registration = certificate.registration
    workshop = registration.workshop
    starts, ends = workshop.starts_at, workshop.ends_at
    return CertificateOut.model_validate(
        {
            "valid": not certificate.revoked,
            "status": "revoked" if certificate.revoked else "valid",
            "revoked_reason": revoke_reason_text(certificate.revoke_reason)
            if certificate.revoked
            else None,
            "kind": workshop.certificate_kind,
            "number": certificate.number_text,
            "code": format_code(certificate.code),
            "name": recipient_name(certificate),
            "workshop": workshop.full_title,
            "starts_on": to_bangkok(starts).date() if starts else None,
            "ends_on": to_bangkok(ends).date() if ends else None,
            "issued_on": certificate.issued_on,
        }
    ).model_dump(mode="json")


@api_bp.get("/certificates/<code>")
def certificate_verify(code: str):
    return certificate_json(certificate_by_code(code))


@api_bp.post(f"/registrations/{REGISTRATION_ID}/certificate")
@api_auth()
def registration_certificate_issue(registration_id: int):
    """Issue the registration's certificate if eligible: 201, or 200 when it was issued already
    (nothing changes). Like the registration itself: its owner and organizers; 404 for anyone
    else, staff too."""
    registration = get_registration(registration_id, g.api_user)
    certificate, created = issue_certificate_once(registration.id, actor=g.api_user)
    return certificate_json(certificate), 201 if created else 200


@api_bp.get(f"/registrations/{REGISTRATION_ID}/certificate.pdf")
@api_auth()
def registration_certificate_pdf(registration_id: int):
    """The issued certificate; a GET issues nothing (409 ``not_issued``: POST .../certificate)."""
    registration = get_registration(registration_id, g.api_user)
    return certificate_download(issued_certificate(registration.id))


@api_bp.post(f"/workshops/{WORKSHOP_ID}/certificates")
@api_auth(Role.ORGANIZER)
def workshop_certificates_issue(workshop_id: int):
    workshop = get_workshop(workshop_id, g.api_user)
    issued = issue_eligible(workshop.id, g.api_user)
    return CertificatesIssuedOut(issued=issued, valid=issued_count(workshop.id)).model_dump()


@api_bp.get(f"/workshops/{WORKSHOP_ID}/certificates.pdf")
@api_auth(Role.ORGANIZER)
def workshop_certificates_pdf(workshop_id: int):
    """The certificates issued so far (a GET issues nothing: POST .../certificates does)."""
    workshop = get_workshop(workshop_id, g.api_user)
    certificates = valid_certificates(workshop.id)
    if not certificates:
        raise NotFound(str(_l("ยังไม่มีเกียรติบัตรที่ออกแล้วสำหรับการอบรมนี้")))
    return workshop_certificates_download(workshop.id, certificates)
