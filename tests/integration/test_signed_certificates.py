"""Digital signatures on certificates (issue 17), with a throwaway CA made in each test.

The signature must validate with pyHanko's own validator, keep the file PDF/A, and fail on a
modified file; the public /verify page reads an uploaded file and says so, in Thai.
"""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tests.pdf_checks import check_archival, pdftotext
from tests.signing import make_ca
from tests.support import (
    csrf_token_from,
    finished_workshop,
    issue_certificates,
    login,
    make_officers,
    my_certificate,
    seat,
)
from workshop.extensions import db
from workshop.models import Certificate
from workshop.pdf.signing import configure_signing
from workshop.services.certificates import format_code, revoke_certificate


@pytest.fixture
def signing(app, tmp_path):
    """This installation signs with a key issued by a throwaway CA (restored afterwards)."""
    ca = make_ca(tmp_path, "Phitsanulok Office CA")
    app.config.update(SIGNING_P12_PATH=str(ca.p12_path), SIGNING_P12_PASSWORD=ca.password)
    configure_signing(app)
    yield ca
    app.config.update(SIGNING_P12_PATH="", SIGNING_P12_PASSWORD="")
    configure_signing(app)


@pytest.fixture
def finished(venue, organizer):
    workshop = finished_workshop(venue, organizer, sessions=1, signatory_name="นายสมชาย ใจดี")
    first, second = make_officers(2)
    first.title_prefix, first.first_name, first.last_name = "นางสาว", "กิ่งแก้ว", "ปิ่นทอง"
    db.session.commit()
    return workshop, seat(workshop, first, organizer, 1), seat(workshop, second, organizer, 1)


def _pyhanko_status(data: bytes, ca_der: bytes):
    """pyHanko's own verdict, trusting only the throwaway CA."""
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(ca_der)], allow_fetching=False
    )
    return embedded, validate_pdf_signature(embedded, context)


def _download(client, registration) -> bytes:
    login(client, registration.user)
    response = my_certificate(client, registration.id)
    assert response.status_code == 200
    return response.data


def _upload(client, data: bytes, filename: str = "certificate.pdf"):
    token = csrf_token_from(client.get("/verify").get_data(as_text=True))
    return client.post(
        "/verify/file",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_signed_certificate_validates_with_pyhanko_and_stays_archival(client, signing, finished):
    _workshop, registration, _other = finished

    data = _download(client, registration)

    embedded, status = _pyhanko_status(data, signing.der)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.md_algorithm == "sha256"
    certificate = Certificate.query.filter_by(registration_id=registration.id).one()
    assert str(embedded.sig_object["/Reason"]) == f"เกียรติบัตร เลขที่ {certificate.number_text}"
    # Signed incrementally: the PDF/A document is still all there, and still PDF/A.
    info = check_archival(data, signed=True)
    assert info.keywords == format_code(certificate.code)
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in pdftotext(data).splitlines()


def test_a_modified_file_fails(client, signing, finished):
    _workshop, registration, _other = finished
    data = _download(client, registration)

    # One byte inside the signed content (the name in the document title).
    tampered = bytearray(data)
    tampered[data.index(b"/Title") + 10] ^= 0x01
    _embedded, status = _pyhanko_status(bytes(tampered), signing.der)
    assert not status.intact and not status.bottom_line
    page = _upload(client, bytes(tampered)).get_data(as_text=True)
    assert "ลายมือชื่อดิจิทัลไม่ถูกต้อง: ไฟล์ถูกแก้ไขหลังลงนาม" in page

    # Or content added after signing, as an incremental update of its own.
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = writer.root["/Lang"].__class__("en-US")
    writer.update_root()
    added = io.BytesIO()
    writer.write(added)
    _embedded, status = _pyhanko_status(added.getvalue(), signing.der)
    assert status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    page = _upload(client, added.getvalue()).get_data(as_text=True)
    assert "มีการเพิ่มหรือแก้ไขเนื้อหาในไฟล์หลังลงนาม" in page


def test_verify_page_accepts_a_genuine_file_and_names_its_certificate(client, signing, finished):
    workshop, registration, _other = finished
    data = _download(client, registration)
    certificate = Certificate.query.filter_by(registration_id=registration.id).one()
    anonymous = client.application.test_client()

    response = _upload(anonymous, data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ลายมือชื่อดิจิทัลถูกต้อง ลงนามโดยระบบนี้ และไฟล์ไม่ถูกแก้ไขหลังลงนาม" in page
    assert "ตรงกับเกียรติบัตรที่ออกโดยระบบนี้และยังมีผล" in page
    assert format_code(certificate.code) in page
    assert f"เลขที่ {certificate.number_text}" in page
    assert "นางสาวกิ่งแก้ว ปิ่นทอง" in page
    assert "Phitsanulok Office CA signing key" in page

    # The same page in English.
    anonymous.get("/lang/en")
    english = _upload(anonymous, data).get_data(as_text=True)
    assert "Valid digital signature, made by this system; the file is unchanged" in english

    # Revoked since: the signature still holds, the certificate does not.
    revoke_certificate(registration.id, None, "ส่งชื่อผิด")
    revoked = _upload(client.application.test_client(), data).get_data(as_text=True)
    assert "ลายมือชื่อดิจิทัลถูกต้อง" in revoked and "ถูกเพิกถอนแล้ว" in revoked
    assert workshop.id  # the workshop stays; only the certificate changed


def test_a_file_signed_elsewhere_is_not_ours(client, signing, finished, app, tmp_path):
    _workshop, registration, _other = finished
    other = make_ca(tmp_path, "Another Office CA")
    app.config.update(SIGNING_P12_PATH=str(other.p12_path), SIGNING_P12_PASSWORD=other.password)
    configure_signing(app)
    foreign = _download(client, registration)
    app.config.update(SIGNING_P12_PATH=str(signing.p12_path), SIGNING_P12_PASSWORD=signing.password)
    configure_signing(app)

    page = _upload(client.application.test_client(), foreign).get_data(as_text=True)

    assert "ลายมือชื่อดิจิทัลไม่ได้ทำด้วยกุญแจของระบบนี้" in page
    assert "ตรงกับเกียรติบัตร" not in page  # codes of a foreign file are not vouched for


def test_the_bulk_file_is_signed_and_lists_every_certificate(client, signing, finished, organizer):
    workshop, _registration, _other = finished
    login(client, organizer)

    issue_certificates(client, workshop.id)

    data = client.get(f"/organizer/workshops/{workshop.id}/certificates.pdf").data

    _embedded, status = _pyhanko_status(data, signing.der)
    assert status.bottom_line
    check_archival(data, signed=True)
    page = _upload(client.application.test_client(), data).get_data(as_text=True)
    assert page.count("ตรงกับเกียรติบัตรที่ออกโดยระบบนี้และยังมีผล") == 2


def test_without_a_key_nothing_is_signed_and_the_page_says_so(client, finished):
    _workshop, registration, _other = finished
    data = _download(client, registration)

    assert PdfFileReader(io.BytesIO(data)).embedded_signatures == []
    page = _upload(client.application.test_client(), data).get_data(as_text=True)
    assert "ไฟล์นี้ไม่มีลายมือชื่อดิจิทัล" in page
    assert "ระบบนี้ไม่ได้ลงลายมือชื่อดิจิทัลในเกียรติบัตร" in page


@pytest.mark.parametrize(
    ("content", "filename", "status", "message"),
    [
        (b"", "empty.pdf", 422, "กรุณาเลือกไฟล์ PDF ที่ดาวน์โหลดจากระบบ"),
        (b"GIF89a not a pdf", "picture.pdf", 422, "ไฟล์นี้ไม่ใช่ PDF ที่อ่านได้"),
        (b"%PDF-1.4\n%broken", "broken.pdf", 422, "ไฟล์นี้ไม่ใช่ PDF ที่อ่านได้"),
    ],
)
def test_bad_uploads_get_a_message_not_an_error(
    client, signing, content, filename, status, message
):
    response = _upload(client, content, filename)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_an_unusable_key_stops_the_start_with_its_reason(app, tmp_path):
    ca = make_ca(tmp_path, "Curve CA", key_type="ec")
    try:
        app.config.update(SIGNING_P12_PATH=str(ca.p12_path), SIGNING_P12_PASSWORD=ca.password)
        with pytest.raises(ValueError, match="only RSA keys"):
            configure_signing(app)
        rsa_ca = make_ca(tmp_path, "RSA CA")
        app.config.update(SIGNING_P12_PATH=str(rsa_ca.p12_path), SIGNING_P12_PASSWORD="wrong")
        with pytest.raises(ValueError, match="wrong password"):
            configure_signing(app)
        app.config.update(SIGNING_P12_PATH=str(tmp_path / "missing.p12"))
        with pytest.raises(ValueError, match="cannot read"):
            configure_signing(app)
        app.config.update(SIGNING_P12_PATH="", SIGNING_P12_PASSWORD="set")
        with pytest.raises(ValueError, match="WORKSHOP_SIGNING_P12_PATH is not"):
            configure_signing(app)
    finally:
        app.config.update(SIGNING_P12_PATH="", SIGNING_P12_PASSWORD="")
        configure_signing(app)
