"""The logo and signature images an organizer uploads for a workshop's certificates.

Checked by content, not by name or declared type: Pillow must read the file as PNG or JPEG.
Bounded in bytes and in pixels (a small file can still unpack into a huge bitmap). Kept in the
database, so every worker and every server sees the same images.
"""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import CertificateImage, CertificateImageKind, User, Workshop
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.errors import ValidationFailed
from workshop.services.transactions import write_transaction

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000  # pixels
MIN_SIDE = 16
MAX_PIXELS = 12_000_000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def _kind(kind: str) -> str:
    if kind not in {k.value for k in CertificateImageKind}:
        raise ValidationFailed({"kind": str(_l("ชนิดรูปไม่ถูกต้อง"))})
    return kind


def check_image(data: bytes) -> tuple[str, int, int]:
    """(content type, width, height) of an acceptable image, or ``ValidationFailed``."""
    if not data:
        raise ValidationFailed({"file": str(_l("กรุณาเลือกไฟล์รูป"))})
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            {"file": str(_l("ไฟล์ใหญ่เกินไป (ไม่เกิน %(mb)d MB)", mb=MAX_BYTES // (1024 * 1024)))}
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
            if fmt not in FORMATS:
                raise ValidationFailed({"file": str(_l("รับเฉพาะไฟล์ PNG หรือ JPEG"))})
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise ValidationFailed(
                    {"file": str(_l("รูปใหญ่เกินไป (ด้านยาวไม่เกิน %(n)d พิกเซล)", n=MAX_SIDE))}
                )
            if width < MIN_SIDE or height < MIN_SIDE:
                raise ValidationFailed({"file": str(_l("รูปเล็กเกินไป"))})
            image.load()  # a truncated or corrupt file fails here, not in the PDF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed({"file": str(_l("อ่านไฟล์รูปไม่ได้ รับเฉพาะไฟล์ PNG หรือ JPEG"))}) from None
    return FORMATS[fmt], width, height


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
    content_type, width, height = check_image(data)
    with write_transaction():
        image = certificate_image(workshop.id, kind)
        if image is None:
            image = CertificateImage(workshop_id=workshop.id, kind=kind)
            db.session.add(image)
        image.content_type, image.data = content_type, data
        image.width, image.height = width, height
        image.uploaded_by_id = actor.id
        image.uploaded_at = utcnow()
        db.session.flush()
        record_event(actor, "certificate_image.save", workshop, {"kind": kind, "bytes": len(data)})
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
