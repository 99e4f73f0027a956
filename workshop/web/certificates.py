"""Certificate pages: officers' downloads, the organizer's list and overrides, public checks."""

from __future__ import annotations

from dataclasses import asdict

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from workshop.downloads import (
    certificate_download,
    certificate_preview_download,
    workshop_certificates_download,
)
from workshop.error_responses import error_page
from workshop.extensions import db
from workshop.models import CertificateImageKind, Registration, Role, Workshop
from workshop.pdf.signing import verify_certificate_file
from workshop.services.certificate_design import (
    FRAMES,
    PLACEHOLDERS,
    DesignInput,
    default_wording,
    save_certificate_design,
    stored_design,
)
from workshop.services.certificate_images import (
    BACKGROUND_MAX_BYTES,
    MAX_BYTES,
    certificate_image,
    certificate_images,
    delete_certificate_image,
    max_bytes,
    save_certificate_image,
)
from workshop.services.certificates import (
    CertificateState,
    certificate_by_code,
    certificate_rows,
    format_code,
    grant_certificate,
    issue_certificate,
    issue_eligible,
    issued_certificate,
    normalise_code,
    recipient_name,
    revoke_certificate,
    revoke_reason_text,
    valid_certificates,
    workshop_ended,
)
from workshop.services.errors import (
    DomainError,
    EditConflict,
    NotFound,
    NotIssued,
    ValidationFailed,
)
from workshop.services.registrations import get_registration
from workshop.services.transcripts import transcript_by_code, transcript_holder_name
from workshop.services.workshops import certificate_kind_label
from workshop.web.access import role_required
from workshop.web.form_errors import ConflictView, conflict_value_text
from workshop.web.request_input import optional_int

bp = Blueprint("certificates", __name__)

MAX_VERIFY_BYTES = 8 * 1024 * 1024  # a bulk file of a large workshop still fits


def _message(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(exc.fields.values())
    return exc.message


# ---------------------------------------------------------------- officers


def _registration_of_caller(registration_id: int) -> Registration:
    """Like the registration's ticket: for its owner and organizers; 404 for anyone else,
    staff too."""
    try:
        return get_registration(registration_id, current_user)
    except NotFound:
        abort(404)


def _refused(registration: Registration):
    """Back to where the caller came from: the officer's list, or the organizer's."""
    if registration.user_id != current_user.id:  # an organizer
        return _back(registration.workshop_id)
    return redirect(url_for("registration.mine", _anchor=f"registration-{registration.id}"))


@bp.get("/my/registrations/<int:registration_id>/certificate.pdf")
@login_required
def mine(registration_id: int):
    """The registration's issued certificate. A GET never issues one: the list's button is a
    POST (``issue_mine``); without one issued the caller goes back, told what to do."""
    registration = _registration_of_caller(registration_id)
    try:
        certificate = issued_certificate(registration.id)
    except NotIssued as exc:
        if registration.user_id != current_user.id:
            flash(exc.message, "error")
        else:
            kind = certificate_kind_label(registration.workshop.certificate_kind)
            button = _("ดาวน์โหลด%(kind)s (PDF)", kind=kind)
            flash(
                _(
                    "ยังไม่ได้ออก%(kind)sฉบับนี้ กดปุ่ม “%(button)s” ในหน้านี้เพื่อออกและดาวน์โหลด",
                    kind=kind,
                    button=button,
                ),
                "info",
            )
        return _refused(registration)
    except DomainError as exc:
        flash(_message(exc), "error")
        return _refused(registration)
    return certificate_download(certificate)


@bp.post("/my/registrations/<int:registration_id>/certificate")
@login_required
def issue_mine(registration_id: int):
    """Issue the registration's certificate if it is eligible (an issued one is kept as it is),
    then download it; a refusal goes back with the reason."""
    registration = _registration_of_caller(registration_id)
    try:
        issue_certificate(registration.id, actor=current_user)
    except DomainError as exc:
        flash(_message(exc), "error")
        return _refused(registration)
    return redirect(url_for(".mine", registration_id=registration.id), 303)


# ---------------------------------------------------------------- organizers


@bp.get("/organizer/workshops/<int:workshop_id>/certificates")
@role_required(Role.ORGANIZER)
def workshop_list(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    return _list_page(workshop)


# How the design form names its fields and frames (the template shows the same labels).
_DESIGN_LABELS = {
    "wording": _l("ข้อความใต้ชื่อผู้รับ"),
    "signatory2_name": _l("ชื่อผู้ลงนามคนที่สอง"),
    "signatory2_position": _l("ตำแหน่งผู้ลงนามคนที่สอง"),
    "thai_numerals": _l("เลขไทย"),
    "frame": _l("กรอบ"),
}
FRAME_LABELS = {
    "classic": _l("เส้นคู่สีทอง"),
    "ornate": _l("กรอบประดับมุม"),
    "modern": _l("แถบสีด้านบนและล่าง"),
}


def _design_text(name: str, value: object) -> str:
    if name == "thai_numerals":
        return _("ใช่") if value else _("ไม่")
    if name == "frame":
        return str(FRAME_LABELS.get(str(value), value))
    return conflict_value_text(value)


def _design_conflict(error: EditConflict) -> ConflictView:
    """The design fields another save changed, with the editor's value and the stored one."""
    return ConflictView(
        [
            (
                str(_DESIGN_LABELS.get(d.field, d.field)),
                _design_text(d.field, d.yours),
                _design_text(d.field, d.current),
            )
            for d in error.differences
        ]
    )


def _list_page(
    workshop: Workshop,
    design: dict[str, object] | None = None,
    design_errors: dict[str, str] | None = None,
    status: int = 200,
    *,
    design_version: int | None = None,
    design_conflict: ConflictView | None = None,
):
    rows = certificate_rows(workshop.id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.eligibility.state] = counts.get(row.eligibility.state, 0) + 1
    images = certificate_images(workshop.id)
    page = render_template(
        "certificates/workshop.html",
        workshop=workshop,
        rows=rows,
        counts=counts,
        states=CertificateState,
        ended=workshop_ended(workshop),
        images=images,
        image_kinds=[k.value for k in CertificateImageKind],
        max_mb=MAX_BYTES // (1024 * 1024),
        background_max_mb=BACKGROUND_MAX_BYTES // (1024 * 1024),
        format_code=format_code,
        design=design or asdict(stored_design(workshop)),
        design_errors=design_errors or {},
        # The workshop's edit version the design form is at: a save after another is refused.
        design_version=design_version or workshop.version,
        design_conflict=design_conflict,
        frames=FRAMES,
        frame_labels=FRAME_LABELS,
        placeholders=" ".join(f"{{{name}}}" for name in PLACEHOLDERS),
        default_wording=default_wording(workshop.certificate_kind),
        # The picture's address changes with every saved design, so the browser shows the
        # new one (responses are no-store anyway).
        preview_version=f"{workshop.version}-{sum(i.id for i in images.values())}",
    )
    return page, status


@bp.post("/organizer/workshops/<int:workshop_id>/certificate-design")
@role_required(Role.ORGANIZER)
def save_design(workshop_id: int):
    """The wording, the second signatory, Thai numerals and the frame."""
    workshop = db.get_or_404(Workshop, workshop_id)
    form = request.form
    data = DesignInput(
        wording=form.get("wording", ""),
        signatory2_name=form.get("signatory2_name", ""),
        signatory2_position=form.get("signatory2_position", ""),
        thai_numerals=form.get("thai_numerals") == "1",
        frame=form.get("frame", ""),  # the form always sends one: none is refused
    )
    loaded = optional_int(form.get("version"))
    try:
        save_certificate_design(workshop, data, current_user, expected_version=loaded)
    except EditConflict as exc:
        # What the editor typed stays in the form, now at the current version: saving again
        # applies it knowingly.
        db.session.refresh(workshop)
        return _list_page(
            workshop,
            asdict(data),
            status=409,
            design_version=exc.current_version,
            design_conflict=_design_conflict(exc),
        )
    except ValidationFailed as exc:
        flash(_message(exc), "error")
        return _list_page(workshop, asdict(data), exc.fields, 422, design_version=loaded)
    flash(_("บันทึกรูปแบบ%(kind)sแล้ว ดูตัวอย่างด้านล่าง", kind=workshop.certificate_kind), "success")
    return redirect(url_for(".workshop_list", workshop_id=workshop.id, _anchor="design"))


@bp.get("/organizer/workshops/<int:workshop_id>/certificate-preview.<fmt>")
@role_required(Role.ORGANIZER)
def preview(workshop_id: int, fmt: str):
    """One certificate as it would be issued now: a PDF, or its picture for the page."""
    if fmt not in ("pdf", "png"):
        abort(404)
    workshop = db.get_or_404(Workshop, workshop_id)
    return certificate_preview_download(workshop, picture=fmt == "png")


def _back(workshop_id: int):
    return redirect(url_for(".workshop_list", workshop_id=workshop_id))


@bp.post("/organizer/workshops/<int:workshop_id>/certificates/issue")
@role_required(Role.ORGANIZER)
def issue_all(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    try:
        issued = issue_eligible(workshop.id, current_user)
    except DomainError as exc:
        flash(_message(exc), "error")
    else:
        flash(
            ngettext("ออกเกียรติบัตรใหม่ %(num)d ฉบับ", "ออกเกียรติบัตรใหม่ %(num)d ฉบับ", issued), "success"
        )
    return _back(workshop.id)


@bp.get("/organizer/workshops/<int:workshop_id>/certificates.pdf")
@role_required(Role.ORGANIZER)
def all_in_one(workshop_id: int):
    """Every valid certificate of the workshop in one PDF. Only those issued already: a GET
    changes nothing (issuing is the page's POST button, ``issue_all``)."""
    workshop = db.get_or_404(Workshop, workshop_id)
    certificates = valid_certificates(workshop.id)
    if not certificates:
        flash(_("ยังไม่มีเกียรติบัตรที่ออกแล้วสำหรับการอบรมนี้"), "error")
        return _back(workshop.id)
    return workshop_certificates_download(workshop.id, certificates)


@bp.get("/organizer/registrations/<int:registration_id>/certificate.pdf")
@role_required(Role.ORGANIZER)
def one(registration_id: int):
    """One issued certificate; issuing it is the row's POST button (``override``, ``issue``)."""
    registration = db.get_or_404(Registration, registration_id)
    try:
        certificate = issued_certificate(registration.id)
    except DomainError as exc:
        flash(_message(exc), "error")
        return _back(registration.workshop_id)
    return certificate_download(certificate)


@bp.post("/organizer/registrations/<int:registration_id>/certificate/<action>")
@role_required(Role.ORGANIZER)
def override(registration_id: int, action: str):
    """Issue one (by the rule, then download it), grant (or reinstate) and revoke, the last
    two with a reason."""
    registration = db.get_or_404(Registration, registration_id)
    workshop_id = registration.workshop_id
    name = registration.user.full_name
    reason = request.form.get("reason", "")
    try:
        if action == "issue":
            issue_certificate(registration.id, actor=current_user)
            return redirect(url_for(".one", registration_id=registration.id), 303)
        if action == "grant":
            grant_certificate(registration.id, current_user, reason)
            flash(_("มอบเกียรติบัตรให้ %(name)s แล้ว", name=name), "success")
        elif action == "revoke":
            revoke_certificate(registration.id, current_user, reason)
            flash(_("เพิกถอนเกียรติบัตรของ %(name)s แล้ว", name=name), "success")
        else:
            abort(404)
    except DomainError as exc:
        flash(_message(exc), "error")
    return _back(workshop_id)


@bp.post("/organizer/workshops/<int:workshop_id>/certificate-images")
@role_required(Role.ORGANIZER)
def upload_image(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    try:
        data = upload.read(max_bytes(kind) + 1) if upload else b""
        save_certificate_image(workshop, kind, data, current_user)
    except DomainError as exc:
        flash(_message(exc), "error")
        return _back(workshop.id)
    flash(_("บันทึกรูปแล้ว"), "success")
    return _back(workshop.id)


@bp.post("/organizer/workshops/<int:workshop_id>/certificate-images/<kind>/delete")
@role_required(Role.ORGANIZER)
def delete_image(workshop_id: int, kind: str):
    workshop = db.get_or_404(Workshop, workshop_id)
    try:
        deleted = delete_certificate_image(workshop, kind, current_user)
    except DomainError as exc:
        flash(_message(exc), "error")
    else:
        if deleted:
            flash(_("ลบรูปแล้ว"), "success")
    return _back(workshop.id)


@bp.get("/organizer/workshops/<int:workshop_id>/certificate-images/<kind>")
@role_required(Role.ORGANIZER)
def image(workshop_id: int, kind: str):
    found = certificate_image(workshop_id, kind)
    if found is None:
        abort(404)
    return Response(found.data, mimetype=found.content_type)


# ---------------------------------------------------------------- anyone


@bp.get("/verify")
def verify_form():
    """Type a code from a printed certificate; a well-formed one goes to its page."""
    typed = request.args.get("code", "")
    if typed:
        code = normalise_code(typed)
        if code is not None:
            return redirect(url_for(".verify", code=format_code(code)))
        return _not_found()
    return render_template("certificates/verify_form.html")


def _not_found():
    response = error_page(404, _("ไม่พบเกียรติบัตรที่ใช้รหัสนี้ กรุณาตรวจสอบรหัสอีกครั้ง"))
    return response


@bp.post("/verify/file")
def verify_file():
    """Public: upload a downloaded certificate or transcript PDF; is its digital signature this
    installation's, unchanged, and are the certificates (or the transcript) it names ours?"""
    upload = request.files.get("file")
    data = upload.read(MAX_VERIFY_BYTES + 1) if upload else b""
    error = None
    if not data:
        error = _("กรุณาเลือกไฟล์ PDF ที่ดาวน์โหลดจากระบบ")
    elif len(data) > MAX_VERIFY_BYTES:
        error = _("ไฟล์ใหญ่เกินไป: ไม่เกิน %(mb)d MB", mb=MAX_VERIFY_BYTES // (1024 * 1024))
    if error is not None:
        flash(error, "error")
        return render_template("certificates/verify_form.html"), 422
    result = verify_certificate_file(data)
    status = 200 if result.check.readable else 422
    response = Response(
        render_template(
            "certificates/verify_file.html",
            result=result,
            filename=upload.filename if upload else "",
            recipient_name=recipient_name,
            transcript_holder_name=transcript_holder_name,
        ),
        status=status,
    )
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: is this certificate genuine? Only what the paper itself shows, nothing more."""
    try:
        certificate = certificate_by_code(code)
    except NotFound:
        return _verify_transcript(code)
    workshop = certificate.registration.workshop
    response = Response(
        render_template(
            "certificates/verify.html",
            certificate=certificate,
            workshop=workshop,
            name=recipient_name(certificate),
            reason=revoke_reason_text(certificate.revoke_reason),
            code=format_code(certificate.code),
        )
    )
    response.headers["X-Robots-Tag"] = "noindex"  # and never cached: web.security
    return response


def _verify_transcript(code: str):
    """A code that is no certificate's may be a transcript's (ประวัติการอบรม): the page shows
    the figures the transcript printed, to compare with the paper."""
    try:
        transcript = transcript_by_code(code)
    except NotFound:
        return _not_found()
    response = Response(
        render_template(
            "certificates/verify_transcript.html",
            transcript=transcript,
            name=transcript_holder_name(transcript),
            code=format_code(transcript.code),
        )
    )
    response.headers["X-Robots-Tag"] = "noindex"  # and never cached: web.security
    return response
