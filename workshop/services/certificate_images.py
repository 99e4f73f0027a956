"""The logo and signature images an organizer uploads for a workshop's certificates.

Checked by content, not by name or declared type: Pillow must read the file as PNG or JPEG.
Bounded in bytes and in pixels (a small file can still unpack into a huge bitmap). Re-encoded
before it is kept: a photo's EXIF (GPS position, camera, description), XMP, comments and text
chunks would otherwise travel into every attendee's certificate PDF (a JPEG is embedded as it
is). Only the ICC colour profile stays, and an EXIF orientation is applied to the pixels first.
Kept in the database, so every worker and every server sees the same images.

A page background may also come as a PDF (what a designer hands over): its first page is
rendered to pixels with PDFium (pypdfium2) and then goes through the same checks as an image
upload. Nothing of the PDF itself is kept: no scripts, fonts or metadata reach a certificate.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import CertificateImage, CertificateImageKind, User, Workshop
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.errors import ValidationFailed
from workshop.services.transactions import write_transaction

MAX_BYTES = 2 * 1024 * 1024
BACKGROUND_MAX_BYTES = 6 * 1024 * 1024  # a whole-page design, possibly a PDF (requests: 8 MB)
BACKGROUND_DPI = 150  # a PDF background's first page, rendered for print
MAX_SIDE = 4000  # pixels
MIN_SIDE = 16
MAX_PIXELS = 12_000_000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
JPEG_QUALITY = 92  # when the pixels had to be turned; otherwise the original tables are kept
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class CleanImage:
    """An accepted upload, re-encoded without metadata."""

    content_type: str
    data: bytes
    width: int
    height: int


def _kind(kind: str) -> str:
    if kind not in {k.value for k in CertificateImageKind}:
        raise ValidationFailed({"kind": str(_l("ชนิดรูปไม่ถูกต้อง"))})
    return kind


def max_bytes(kind: str) -> int:
    return BACKGROUND_MAX_BYTES if kind == CertificateImageKind.BACKGROUND.value else MAX_BYTES


def _pdf_first_page(data: bytes) -> bytes:
    """The first page of a PDF as PNG pixels, at BACKGROUND_DPI and within MAX_SIDE."""
    import pypdfium2 as pdfium  # only for PDF backgrounds: PDFium loads on first use

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise ValidationFailed({"file": str(_l("อ่านไฟล์ PDF ไม่ได้ (ไฟล์เสียหรือมีรหัสผ่าน)"))}) from None
    try:
        if len(document) < 1:
            raise ValidationFailed({"file": str(_l("ไฟล์ PDF ไม่มีหน้า"))})
        page = document[0]
        width, height = page.get_size()  # points
        scale = min(BACKGROUND_DPI / 72, MAX_SIDE / max(width, height, 1))
        if width * scale < MIN_SIDE or height * scale < MIN_SIDE:
            raise ValidationFailed({"file": str(_l("รูปเล็กเกินไป"))})
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def check_image(data: bytes, kind: str = CertificateImageKind.LOGO.value) -> CleanImage:
    """The upload re-encoded with its ICC profile only, or ``ValidationFailed``. A background
    may also be a PDF, whose first page is used."""
    limit = max_bytes(kind)
    if not data:
        raise ValidationFailed({"file": str(_l("กรุณาเลือกไฟล์รูป"))})
    if len(data) > limit:
        raise ValidationFailed(
            {"file": str(_l("ไฟล์ใหญ่เกินไป (ไม่เกิน %(mb)d MB)", mb=limit // (1024 * 1024)))}
        )
    if kind == CertificateImageKind.BACKGROUND.value and data.startswith(b"%PDF-"):
        data = _pdf_first_page(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
            if fmt not in FORMATS:
                raise ValidationFailed({"file": _formats_message(kind)})
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise ValidationFailed(
                    {"file": str(_l("รูปใหญ่เกินไป (ด้านยาวไม่เกิน %(n)d พิกเซล)", n=MAX_SIDE))}
                )
            if width < MIN_SIDE or height < MIN_SIDE:
                raise ValidationFailed({"file": str(_l("รูปเล็กเกินไป"))})
            image.load()  # a truncated or corrupt file fails here, not in the PDF
            return _without_metadata(image, fmt)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed({"file": _unreadable_message(kind)}) from None


def _formats_message(kind: str) -> str:
    if kind == CertificateImageKind.BACKGROUND.value:
        return str(_l("รับเฉพาะไฟล์ PNG, JPEG หรือ PDF"))
    return str(_l("รับเฉพาะไฟล์ PNG หรือ JPEG"))


def _unreadable_message(kind: str) -> str:
    if kind == CertificateImageKind.BACKGROUND.value:
        return str(_l("อ่านไฟล์ไม่ได้ รับเฉพาะไฟล์ PNG, JPEG หรือ PDF"))
    return str(_l("อ่านไฟล์รูปไม่ได้ รับเฉพาะไฟล์ PNG หรือ JPEG"))


def _without_metadata(image: Image.Image, fmt: str) -> CleanImage:
    """Write the pixels again in the same format with nothing but the ICC profile (and a PNG's
    transparency, which is pixels, not metadata). Pillow's writers copy some ``info`` entries
    (a JPEG comment, PNG text) by default, so ``info`` is emptied and what stays is passed."""
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    turned = image.getexif().get(_EXIF_ORIENTATION, 1) not in (1, None)
    options: dict[str, object] = {}
    if turned:
        image = ImageOps.exif_transpose(image)
    if fmt == "JPEG":
        # Re-using the original quantisation tables keeps a JPEG as sharp (and as small) as
        # it came; turned pixels are a new image and get a fixed quality instead.
        options = {"quality": JPEG_QUALITY} if turned else {"quality": "keep"}
    elif transparency is not None:
        options["transparency"] = transparency
    image.info = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, fmt, **options)
    width, height = image.size
    return CleanImage(FORMATS[fmt], out.getvalue(), width, height)


def certificate_image(workshop_id: int, kind: str) -> CertificateImage | None:
    return db.session.scalar(
        select(CertificateImage).where(
            CertificateImage.workshop_id == workshop_id, CertificateImage.kind == kind
        )
    )


def certificate_images(workshop_id: int) -> dict[str, CertificateImage]:
    """kind -> image, for the workshop's certificates."""
    return {
        image.kind: image
        for image in db.session.scalars(
            select(CertificateImage).where(CertificateImage.workshop_id == workshop_id)
        )
    }


def save_certificate_image(
    workshop: Workshop, kind: str, data: bytes, actor: User
) -> CertificateImage:
    """Store (or replace) the workshop's logo or signature after checking it."""
    kind = _kind(kind)
    clean = check_image(data, kind)
    with write_transaction():
        image = certificate_image(workshop.id, kind)
        if image is None:
            image = CertificateImage(workshop_id=workshop.id, kind=kind)
            db.session.add(image)
        image.content_type, image.data = clean.content_type, clean.data
        image.width, image.height = clean.width, clean.height
        image.uploaded_by_id = actor.id
        image.uploaded_at = utcnow()
        db.session.flush()
        record_event(
            actor, "certificate_image.save", workshop, {"kind": kind, "bytes": len(clean.data)}
        )
    return image


def delete_certificate_image(workshop: Workshop, kind: str, actor: User) -> bool:
    """Remove the workshop's logo or signature; False if there was none."""
    kind = _kind(kind)
    with write_transaction():
        image = certificate_image(workshop.id, kind)
        if image is None:
            return False
        db.session.delete(image)
        record_event(actor, "certificate_image.delete", workshop, {"kind": kind})
    return True
